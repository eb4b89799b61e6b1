"""What Okta's code shares: timestamps, ids, the JSON encoding of answers."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from twins._runtime.collection import TenantState
from twins._runtime.ids import ALNUM

JSON_TYPE = "application/json"

# Okta id prefixes by object kind (3 characters, then 17 more).
PREFIX = {
    "user": "00u",
    "group": "00g",
    "app": "0oa",
    "rule": "0pr",
    "auth_server": "aus",
    "scope": "scp",
    "claim": "ocl",
    "policy": "00p",
    "policy_rule": "0pr",
    "event_hook": "who",
    "session": "102",
    "api_token": "00T",
    "type": "oty",
    "schema": "osc",
    "key": "key",
}


def okta_id(state: TenantState, kind: str) -> str:
    """A 20-character Okta id: the kind's prefix and 17 deterministic characters."""
    return PREFIX[kind] + state.ids.chars(f"okta-{kind}", 17, ALNUM)


def iso(ts: float) -> str:
    """Okta's timestamp format: 2026-02-02T11:08:56.000Z."""
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(ts * 1000) % 1000:03d}Z"


def now_iso(state: TenantState) -> str:
    return iso(state.clock.now())


def parse_iso(value: str) -> float | None:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def encode(data: Any) -> bytes:
    """The JSON body of `data`, compact, as every answer is sent."""
    return json.dumps(data, separators=(",", ":")).encode()
