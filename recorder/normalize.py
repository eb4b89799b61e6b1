"""Placeholders for volatile values (ids, timestamps, Slack ts) and lenient JSON parsing."""

from __future__ import annotations

import json
import re
from typing import Any

# Vendor ids that differ between a recording and a twin (Slack C0…/U0…, Okta 00u…, uuids).
VOLATILE_ID = re.compile(
    r"^(?:[CGDUWFBTAVSE][A-Z0-9]{8,12}"
    r"|00[a-z][0-9A-Za-z]{17}"
    r"|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$"
)
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$")
SLACK_TS = re.compile(r"^\d{9,10}\.\d{6}$")


def parse_json(text: str) -> Any:
    try:
        return json.loads(text) if text.strip() else None
    except json.JSONDecodeError:
        return None


def placeholder(value: Any) -> Any:
    """A value with its volatile parts replaced: ids, timestamps, Slack ts."""
    if isinstance(value, dict):
        return {k: placeholder(v) for k, v in value.items()}
    if isinstance(value, list):
        return [placeholder(v) for v in value]
    if isinstance(value, str):
        if VOLATILE_ID.match(value):
            return f"<id:{value[0]}>"
        if TIMESTAMP.match(value):
            return "<timestamp>"
        if SLACK_TS.match(value):
            return "<ts>"
    return value


def pair_values(recorded: Any, twin: Any, found: dict[str, str]) -> None:
    """Walk two bodies of the same shape; where both hold ids or URLs, remember recorded -> twin."""
    if isinstance(recorded, dict) and isinstance(twin, dict):
        for key, value in recorded.items():
            if key in twin:
                pair_values(value, twin[key], found)
    elif isinstance(recorded, list) and isinstance(twin, list):
        for r_item, t_item in zip(recorded, twin, strict=False):
            pair_values(r_item, t_item, found)
    elif isinstance(recorded, str) and isinstance(twin, str) and _pairable(recorded, twin):
        found.setdefault(recorded, twin)


def _pairable(recorded: str, twin: str) -> bool:
    if recorded == twin:
        return False
    both_ids = bool(VOLATILE_ID.match(recorded) and VOLATILE_ID.match(twin))
    return both_ids or (recorded.startswith("http") and twin.startswith("http"))
