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
