"""Slack's error style: HTTP 200 with {"ok": false, "error": code}; 429 with an integer Retry-After."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from fastapi import Request

from twins._runtime.errors import TwinError
from twins.kit.errors import SLACK, ErrorStyle

JSON_TYPE = "application/json; charset=utf-8"


class SlackError(TwinError):
    """Any Slack API error; `extra` keys (needed, provided, warning, ...) go into the body."""

    status = 200
    code = "fatal_error"


class NotAuthed(SlackError):
    code = "not_authed"


class InvalidAuth(SlackError):
    code = "invalid_auth"


class MissingScope(SlackError):
    code = "missing_scope"


class RateLimited(SlackError):
    status = 429
    code = "ratelimited"


class UnknownMethod(SlackError):
    status = 404
    code = "unknown_method"


def error_body(error: TwinError) -> dict[str, Any]:
    body: dict[str, Any] = {"ok": False, "error": error.code}
    for key, value in error.extra.items():
        if key == "warnings":
            body["warning"] = ",".join(value)
            body.setdefault("response_metadata", {})["warnings"] = list(value)
        elif key == "messages":
            body.setdefault("response_metadata", {})["messages"] = list(value)
        else:
            body[key] = value
    return body


# Slack's error style on the kit: every extra of an error goes into the body (`needed`,
# `provided`, `args`, `req_method`…), warnings and messages under `response_metadata`.
def style_body(error: TwinError) -> dict[str, Any]:
    """`error_body`, with a refused argument (the kit's typed readers) as Slack words it."""
    if "reason" not in error.extra:
        return error_body(error)
    kept = {k: v for k, v in error.extra.items() if k not in ("field", "reason", "causes")}
    kept.setdefault("messages", [f"[ERROR] {error.message}"])
    return error_body(TwinError(error.message, code=error.code, status=error.status, **kept))


def _summary(name: str, message: str) -> str:
    return (
        f"missing required field: {name}" if message == "is required" else f"invalid value for field: {name}"
    )


STYLE: ErrorStyle = replace(
    SLACK,
    body=style_body,
    invalid_summary=_summary,
    media_type=JSON_TYPE,
    body_codes={"not_object": "json_not_object", "nul": "invalid_arguments", "form": "invalid_form_data"},
    error_class=SlackError,
)
render = STYLE.render


def http_error(status: int, request: Request, detail: str) -> TwinError:
    """Slack's answer where the framework would have answered: unknown paths, crashes, faults."""
    if status == 404:
        method = request.url.path.rsplit("/", 1)[-1]
        return UnknownMethod(detail, req_method=method)
    if status == 405:
        return SlackError(detail, code="method_not_supported_for_channel_type")
    if status in (400, 422):
        return SlackError(detail, code="invalid_arguments")
    if status == 413:
        return SlackError(detail, code="request_too_large", status=413)
    if status == 429:
        return RateLimited(detail, headers={"Retry-After": "30"})
    if status in (502, 503, 504):
        return SlackError(detail, code="service_unavailable", status=status)
    return SlackError(detail, code="internal_error", status=status if status >= 500 else 500)


rate_limited = STYLE.retry_after
