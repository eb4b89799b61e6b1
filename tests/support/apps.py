"""A twin app built the way most tests want it: on an in-memory database, with admin auth and
rate limits off unless a test asks otherwise."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from twins._runtime.app import build_app
from twins._runtime.service import Service
from twins._runtime.settings import Settings

TEST_SETTINGS: dict[str, Any] = {"db_url": ":memory:", "admin_auth": False, "rate_limits": "off"}


def settings_for_tests(**settings: Any) -> Settings:
    """`TEST_SETTINGS` with `settings` over them, read as `twins serve` reads its environment."""
    return Settings.from_env(**{**TEST_SETTINGS, **settings})


def twin_app(service: Service, **settings: Any) -> FastAPI:
    """`service` built on `settings_for_tests(**settings)`."""
    return build_app(service, settings_for_tests(**settings))
