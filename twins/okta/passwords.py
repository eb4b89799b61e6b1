"""Password hashing for the twin's users (salted SHA-256: fast, never leaves the twin)."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from twins._runtime.collection import TenantState


def hash_password(state: TenantState, password: str) -> dict[str, Any]:
    salt = state.ids.hex("salt", 16)
    digest = hashlib.sha256(f"{salt}:{password}".encode()).hexdigest()
    return {"algorithm": "SHA-256", "salt": salt, "value": digest}


def check_password(stored: dict[str, Any] | None, password: str) -> bool:
    if not stored or "salt" not in stored:
        return False
    digest = hashlib.sha256(f"{stored['salt']}:{password}".encode()).hexdigest()
    return hmac.compare_digest(digest, str(stored.get("value", "")))
