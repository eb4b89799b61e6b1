"""Okta twin: Management API, lifecycle, OAuth 2.0 / OIDC with signed tokens, event hooks."""

from twins.okta.service import create_service

__all__ = ["create_service"]
