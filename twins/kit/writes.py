"""Whether a recorded write answered the document it wrote: a write of a fixed document is
answered with the document as written (the fields sent laid over it) where the recorded answer
holds what its request sent; where it holds none of it (GitHub answers a file written through
`PUT …/contents/{path}`, sent as base64 `content` and a commit `message`, with the file's
description and the commit made), the recorded answer is the answer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "list"
    return "scalar"


def echoes(recorded: Mapping[str, Any]) -> bool:
    """Whether the recorded answer holds a top-level field of its request, as sent or of the
    same kind (True when either is not an object, or the request sent nothing)."""
    sent, answer = recorded.get("request"), recorded.get("response")
    if not isinstance(sent, dict) or not sent or not isinstance(answer, dict):
        return True
    return any(key in answer and _kind(answer[key]) == _kind(value) for key, value in sent.items())
