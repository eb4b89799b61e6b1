"""Error styles as data: a vendor's error body, its status map, the headers of a 429 and the
request-id header, with the three vendors' styles (Slack, Okta, Jira) ready made.

A handler raises `style.error(code, message)` (or a `TwinError` subclass of the twin's own); the
style renders every error of the twin, including the runtime's own 404/405/422/500 answers, so no
framework body ever leaks.
"""

from __future__ import annotations

import base64
import random
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from twins._runtime import jsontext
from twins._runtime.errors import TwinError
from twins._runtime.ratelimit import Decision

JSON_TYPE = "application/json"
_ids = random.Random()  # request ids: unique, not secret (os.urandom per answer costs a system call)


def hex_id() -> str:
    return f"{_ids.getrandbits(128):032x}"


def urlsafe_id() -> str:
    return base64.urlsafe_b64encode(_ids.getrandbits(144).to_bytes(18, "big")).decode()


Body = Callable[[TwinError], Any]
Headers = Callable[[Decision], dict[str, str]]


def compact(data: Any) -> bytes:
    """The compact JSON encoding every kit answer uses: `json.dumps(data, separators=(",", ":"),
    ensure_ascii=False, allow_nan=False)`, UTF-8."""
    return jsontext.answer(data).encode()


@dataclass(frozen=True)
class ErrorStyle:
    """How a vendor words its errors. `statuses` gives the status of a code raised without one;
    `http_codes` the vendor code of a framework status (404, 405, 422, 500, 503)."""

    name: str
    body: Body
    statuses: Mapping[str, int]
    http_codes: Mapping[int, str]
    invalid_code: str
    bad_body_code: str
    rate_limit_code: str
    rate_limit_headers: Headers
    request_id_header: str | None = None
    request_id: Callable[[], str] = hex_id
    rate_headers_always: bool = False  # Okta stamps X-Rate-Limit-* on every answer
    rate_limit_message: str = "rate limit exceeded"  # the 429's message
    flags: Mapping[str, bool] = field(default_factory=lambda: {"true": True, "false": False})
    default_status: int = 400
    # The exception raised (a twin's own TwinError subclass may carry more, e.g. Okta's causes).
    error_class: type[TwinError] = TwinError
    # The summary of a refused argument, from its name and what is wrong with it.
    invalid_summary: Callable[[str, str], str] = field(default=lambda name, message: f"{name}: {message}")
    media_type: str = JSON_TYPE  # Jira spells it `application/json;charset=UTF-8`, and clients check
    # The code of a body problem other than malformed JSON, where the vendor has its own:
    # "not_object" (JSON, not an object), "nul" (a NUL character), "form" (a form not UTF-8).
    body_codes: Mapping[str, str] = field(default_factory=dict)

    @cached_property
    def media_bytes(self) -> bytes:
        """`media_type` as an answer's Content-Type header value."""
        return self.media_type.encode("latin-1")

    def error(self, code: str, message: str = "", *, status: int | None = None, **extra: Any) -> TwinError:
        """A vendor error; its status comes from the map unless given."""
        return TwinError(
            message, code=code, status=status or self.statuses.get(code, self.default_status), **extra
        )

    def invalid(self, name: str, message: str) -> TwinError:
        """The vendor's refusal of one bad argument (`name`: what the vendor calls it)."""
        summary = self.invalid_summary(name, message)
        return self.error(
            self.invalid_code, summary, field=name, reason=message, causes=[f"{name}: {message}"]
        )

    def bad_body(self, problem: str = "json") -> TwinError:
        """The refusal of a body that is malformed (or has `problem`, see `body_codes`)."""
        code = self.body_codes.get(problem, self.bad_body_code)
        return self.error(code, "The request body was not well-formed.")

    def rate_limited(self, decision: Decision) -> TwinError:
        error = self.error(self.rate_limit_code, self.rate_limit_message, status=429)
        error.headers = self.rate_limit_headers(decision)
        return error

    def render(self, error: TwinError, _request: Request | None = None) -> Response:
        """The error as the vendor sends it, with a request id when the vendor sends one."""
        headers = dict(error.headers)
        if self.request_id_header and self.request_id_header not in headers:
            headers[self.request_id_header] = self.request_id()
        return Response(compact(self.body(error)), error.status, headers, media_type=self.media_type)

    def http_error(self, status: int, _request: Request, detail: str) -> TwinError:
        """The vendor's answer where the framework would have answered."""
        code = self.http_codes.get(status) or self.http_codes.get(500, "internal_error")
        return self.error(
            code, detail, status=status if status != 422 else self.statuses.get(code, self.default_status)
        )

    def retry_after(self, retry_after: int, _request: Request) -> TwinError:
        """A 429 from fault injection, where only the delay is known (the `Service` hook)."""
        now = datetime.now(UTC).timestamp()
        return self.rate_limited(Decision(False, 0, 0, now + retry_after, retry_after))


# --- Slack: {"ok": false, "error": code}, mostly with status 200 ---------------------------------
def slack_body(error: TwinError) -> dict[str, Any]:
    out: dict[str, Any] = {"ok": False, "error": error.code}
    reason = error.extra.get("reason")
    if reason:
        out["response_metadata"] = {"messages": [f"[ERROR] {error.message}"]}
    for key in ("needed", "provided"):
        if key in error.extra:
            out[key] = error.extra[key]
    return out


SLACK = ErrorStyle(
    name="slack",
    body=slack_body,
    statuses={"ratelimited": 429, "internal_error": 500, "unknown_method": 404, "method_not_allowed": 405},
    http_codes={
        404: "unknown_method",
        405: "method_not_allowed",
        422: "invalid_arguments",
        500: "internal_error",
    },
    invalid_code="invalid_arguments",
    bad_body_code="invalid_json",
    rate_limit_code="ratelimited",
    rate_limit_headers=lambda d: {"Retry-After": str(d.retry_after)},
    request_id_header="X-Slack-Req-Id",
    flags={"true": True, "false": False, "1": True, "0": False},
    default_status=200,  # Slack answers nearly every error with 200
)


# --- Okta: errorCode/errorSummary/errorLink/errorId/errorCauses ----------------------------------
def okta_body(error: TwinError) -> dict[str, Any]:
    causes = getattr(error, "causes", None) or error.extra.get("causes") or []
    return {
        "errorCode": error.code,
        "errorSummary": error.message,
        "errorLink": error.code,
        "errorId": "oae" + secrets.token_urlsafe(16)[:22],
        "errorCauses": [{"errorSummary": c} for c in causes],
    }


def okta_rate_headers(d: Decision) -> dict[str, str]:
    return {
        "X-Rate-Limit-Limit": str(d.limit),
        "X-Rate-Limit-Remaining": str(d.remaining),
        "X-Rate-Limit-Reset": str(int(d.reset_at)),
    }


OKTA = ErrorStyle(
    name="okta",
    body=okta_body,
    statuses={
        "E0000001": 400,
        "E0000003": 400,
        "E0000005": 401,
        "E0000006": 403,
        "E0000007": 404,
        "E0000011": 401,
        "E0000022": 405,
        "E0000047": 429,
        "E0000009": 500,
        "E0000010": 503,
    },
    http_codes={404: "E0000007", 405: "E0000022", 422: "E0000001", 500: "E0000009", 503: "E0000010"},
    invalid_code="E0000001",
    bad_body_code="E0000003",
    rate_limit_code="E0000047",
    rate_limit_headers=okta_rate_headers,
    request_id_header="X-Okta-Request-Id",
    request_id=urlsafe_id,
    rate_headers_always=True,
    rate_limit_message="API call exceeded rate limit due to too many requests.",
    invalid_summary=lambda name, message: f"Api validation failed: {name}",
)


# --- Jira: {"errorMessages": [...], "errors": {field: message}} ---------------------------------
def jira_body(error: TwinError) -> dict[str, Any]:
    name = error.extra.get("field")
    if name:
        return {"errorMessages": [], "errors": {str(name): str(error.extra.get("reason", error.message))}}
    fields = error.extra.get("errors") or {}
    return {"errorMessages": [error.message] if error.message else [], "errors": dict(fields)}


def jira_rate_headers(d: Decision) -> dict[str, str]:
    reset = datetime.fromtimestamp(d.reset_at, UTC).strftime("%Y-%m-%dT%H:%MZ")
    return {
        "Retry-After": str(d.retry_after),
        "X-RateLimit-Limit": str(d.limit),
        "X-RateLimit-Remaining": str(d.remaining),
        "X-RateLimit-Reset": reset,
    }


JIRA = ErrorStyle(
    name="jira",
    body=jira_body,
    statuses={
        "bad_request": 400,
        "unauthorized": 401,
        "forbidden": 403,
        "not_found": 404,
        "method_not_allowed": 405,
        "conflict": 409,
        "rate_limited": 429,
        "internal_error": 500,
        "unavailable": 503,
    },
    http_codes={
        404: "not_found",
        405: "method_not_allowed",
        422: "bad_request",
        500: "internal_error",
        503: "unavailable",
    },
    invalid_code="bad_request",
    bad_body_code="bad_request",
    rate_limit_code="rate_limited",
    rate_limit_headers=jira_rate_headers,
    request_id_header="X-AREQUESTID",
    media_type="application/json;charset=UTF-8",
)
