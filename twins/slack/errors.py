"""Slack's error style: HTTP 200 with {"ok": false, "error": code}; 429 with an integer Retry-After."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from starlette.responses import Response

from twins._runtime.errors import TwinError

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


def render(error: TwinError, _request: Request | None = None) -> Response:
    headers = {"X-Slack-Req-Id": error.extra.pop("req_id", "")} if "req_id" in error.extra else {}
    headers.update(error.headers)
    body = json.dumps(error_body(error), separators=(",", ":")).encode()
    return Response(body, status_code=error.status, headers=headers, media_type=JSON_TYPE)


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


def rate_limited(retry_after: int, _request: Request) -> TwinError:
    return RateLimited("rate limited", headers={"Retry-After": str(int(retry_after))})
