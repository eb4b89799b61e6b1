"""Slack twin: Web API, Events API and interactivity, for slack_sdk and Bolt unmodified."""

from twins.slack.service import create_service

__all__ = ["create_service"]
