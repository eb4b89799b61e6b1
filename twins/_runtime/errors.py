"""Vendor errors raised by domain code, and the registry of per-service renderers."""

from __future__ import annotations

from typing import Any


class ConfigError(Exception):
    """A setting that cannot work; its message names the problem and the fix on one line."""


class TwinError(Exception):
    """A vendor error: each service subclasses it with its own code, message and status."""

    status: int = 400
    code: str = "error"
    message: str = ""

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        status: int | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        if message is not None:
            self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.headers = dict(headers or {})
        self.extra = extra
        super().__init__(f"{self.code}: {self.message}")


class AdminError(Exception):
    """An error of the admin control plane, rendered as {"error": {"code", "message"}}."""

    def __init__(self, status: int, code: str, message: str) -> None:
        self.status = status
        self.code = code
        self.message = message
        super().__init__(message)


class WriteConflict(Exception):
    """Another process created the tenant first (shared database mode); writes to an existing
    tenant wait for its lock instead (replicas.py)."""
