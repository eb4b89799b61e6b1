"""Okta's error style: {errorCode, errorSummary, errorLink, errorId, errorCauses} with the right status."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from starlette.responses import Response

from twins._runtime.errors import TwinError
from twins.kit.errors import okta_body

JSON_TYPE = "application/json"


class OktaError(TwinError):
    """An Okta API error; `causes` become errorCauses [{errorSummary}]."""

    status = 400
    code = "E0000001"
    message = "Api validation failed"

    def __init__(self, message: str | None = None, *, causes: list[str] | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.causes = list(causes or [])


def validation(summary: str, *causes: str) -> OktaError:
    """E0000001: Api validation failed: <summary>, with causes."""
    return OktaError(f"Api validation failed: {summary}", causes=list(causes) or [summary])


def not_found(resource_id: str, kind: str) -> OktaError:
    return OktaError(f"Not found: Resource not found: {resource_id} ({kind})", code="E0000007", status=404)


def bad_request_body() -> OktaError:
    return OktaError("The request body was not well-formed.", code="E0000003", status=400)


def invalid_token() -> OktaError:
    return OktaError("Invalid token provided", code="E0000011", status=401)


def no_permission() -> OktaError:
    return OktaError(
        "You do not have permission to perform the requested action", code="E0000006", status=403
    )


def illegal_transition(message: str) -> OktaError:
    return OktaError(message, code="E0000001", status=400)


error_body = okta_body  # the kit's Okta style: causes from OktaError or the error's extras


def render(error: TwinError, _request: Request | None = None) -> Response:
    body = json.dumps(error_body(error), separators=(",", ":")).encode()
    return Response(body, status_code=error.status, headers=error.headers, media_type=JSON_TYPE)


def http_error(status: int, request: Request, detail: str) -> TwinError:
    """Okta's answer where the framework would have answered: unknown paths, bad input, crashes."""
    if status == 404:
        return OktaError(
            f"Not found: Resource not found: {request.url.path} (GenericResource)",
            code="E0000007",
            status=404,
        )
    if status == 405:
        return OktaError(
            "The endpoint does not support the provided HTTP method", code="E0000022", status=405
        )
    if status in (400, 422):
        return validation(detail)
    if status == 401:
        return OktaError("Invalid session", code="E0000005", status=401)
    if status == 413:
        return OktaError("The request body was not well-formed.", code="E0000003", status=413)
    if status == 429:
        return OktaError(
            "API call exceeded rate limit due to too many requests.", code="E0000047", status=429
        )
    if status in (502, 503, 504):
        return OktaError("Service unavailable", code="E0000010", status=status)
    return OktaError("Internal Server Error", code="E0000009", status=500 if status < 500 else status)
