"""The Web API endpoint `/api/{method}`: parse params, authenticate, check scope and rate, dispatch."""

from __future__ import annotations

import base64
import json
import random
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from starlette.requests import ClientDisconnect
from starlette.responses import Response

from twins._runtime import untrusted
from twins._runtime.collection import TenantState
from twins._runtime.context import TwinContext, context_of, raw_header
from twins._runtime.ratelimit import RateLimiter
from twins.slack import scheduler, schemas, wire
from twins.slack import scopes as scope_table
from twins.slack.call import Call, Params
from twins.slack.errors import (
    InvalidAuth,
    MissingScope,
    NotAuthed,
    RateLimited,
    SlackError,
    UnknownMethod,
)
from twins.slack.methods import Method, load_all

_JSON = json.JSONDecoder()


def _loads(body: bytes) -> Any:
    """`json.loads(body)`, minus its encoding detection for what is plainly UTF-8 JSON."""
    if body[:1] == b"{" and body[1:2] != b"\x00":  # not UTF-16/32 (json.detect_encoding's test)
        return _JSON.decode(body.decode("utf-8", "surrogatepass"))
    return json.loads(body)


async def read_body(request: Request) -> bytes:
    """The request body, as `request.body()` reads it, without its async generator. The Web API
    reads a body once, here (forms go through `request.form()` instead)."""
    chunks: list[bytes] = []
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


async def read_params(request: Request) -> Params:
    """Query string, then form or JSON body, merged as Slack does (the body wins)."""
    # What request.query_params.items() gives (the last value of a repeated name), without
    # building Starlette's multidict.
    query: bytes = request.scope.get("query_string", b"")
    if b"%00" in query:
        raise SlackError(code="invalid_arguments")
    params = Params(parse_qsl(query.decode("latin-1"), keep_blank_values=True) if query else ())
    ctype = header(request, b"content-type").split(";")[0].strip().lower()
    if ctype == "multipart/form-data":
        await read_multipart(request, params)
        return params
    body = await read_body(request)
    if not body.strip():
        return params
    if ctype == "application/json":
        params.update(read_json(body))
        return params
    if b"%00" in body or b"\x00" in body:
        raise SlackError(code="invalid_arguments")
    try:
        params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError:
        raise SlackError(code="invalid_form_data") from None
    return params


def read_json(body: bytes) -> dict[str, Any]:
    """The JSON object of a body, or Slack's error: `invalid_json` for what is not JSON (also nested
    past the parser's depth, or with an unpaired surrogate, which Slack's parser refuses too),
    `invalid_arguments` for a NUL character (which PostgreSQL cannot store)."""
    try:
        data = _loads(body)
        problem = untrusted.unstorable(body, data)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        raise SlackError(code="invalid_json") from None
    if problem == "surrogate":
        raise SlackError(code="invalid_json")
    if not isinstance(data, dict):
        raise SlackError(code="json_not_object")
    if problem == "nul":
        raise SlackError(code="invalid_arguments")
    return data


async def read_multipart(request: Request, params: Params) -> None:
    """The fields of a multipart form (Slack takes one on every method); files as bytes."""
    async with request.form() as form:
        for key, value in form.multi_items():
            if isinstance(value, str):
                if "\x00" in value:
                    raise SlackError(code="invalid_arguments")
                params[key] = value
            else:
                params[key] = await value.read()


def header(request: Request, name: bytes) -> str:
    """`request.headers.get(name, "")` (the first one), without building Starlette's Headers."""
    value = raw_header(request.scope, name)
    return "" if value is None else value.decode("latin-1")


def bearer(request: Request, params: Params) -> str:
    auth = header(request, b"authorization")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return params.text("token").strip()


def basic_credentials(request: Request) -> tuple[str, str] | None:
    auth = request.headers.get("authorization", "")
    if not auth.lower().startswith("basic "):
        return None
    try:
        user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    return user, password


def authenticate(ctx: TwinContext, request: Request, token: str) -> tuple[str, dict[str, Any]]:
    """The tenant and token row of a bearer token, or Slack's auth error."""
    if not token:
        raise NotAuthed()
    tenant = ctx.tenant_for_token(token)
    state = ctx.store.get(tenant) if tenant else None
    row = state["tokens"].get(token) if state else None
    if state is None or row is None:
        raise InvalidAuth()
    if row["revoked"]:
        raise SlackError(code="token_revoked")
    user = state["users"].get(row["user_id"])
    if user is not None and user["deleted"]:
        raise SlackError(code="account_inactive")
    ctx.use_tenant(request, state.id)
    return state.id, row


def check_scope(name: str, token: dict[str, Any] | None) -> tuple[str, ...]:
    accepted, _ = scope_table.METHODS.get(name, ((), "tier3"))
    if token is None or not accepted:
        return accepted
    granted = set(token["scopes"])
    if not granted.intersection(accepted):
        raise MissingScope(needed=accepted[0], provided=",".join(token["scopes"]))
    return accepted


def check_rate(ctx: TwinContext, call: Call, tier_key: str) -> None:
    limiter: RateLimiter | None = ctx.extras.get("limiter")
    if limiter is None:
        limiter = ctx.extras["limiter"] = RateLimiter(ctx.settings.rate_limits)
    if limiter.mode == "off":
        return
    _, tier = scope_table.METHODS.get(call.method, ((), "tier3"))
    limit = scope_table.TIERS[tier]
    who = call.token["app_id"] or call.token["id"] if call.token else "anon"
    key = f"{call.state.id}:{who}:{call.method}:{tier_key if tier == 'post' else ''}"
    decision = limiter.check(key, limit, call.now)
    if not decision.allowed:
        raise RateLimited(headers={"Retry-After": str(decision.retry_after)})


VERBS = ["GET", "POST"]
_request_ids = random.Random()  # X-Slack-Req-Id: unique, not secret


def add_web_api(router: APIRouter) -> None:
    """`/api/{method}` for GET and POST. `dispatch` parses its own arguments, so the runtime's route
    index calls this endpoint directly, without FastAPI's dependency solving."""
    methods = load_all()

    @router.api_route("/api/{name}", methods=VERBS)
    async def web_api(name: str, request: Request) -> Response:
        return await dispatch(context_of(request), methods.get(name), name, request)


async def dispatch(ctx: TwinContext, method: Method | None, name: str, request: Request) -> Response:
    req_id = f"{_request_ids.getrandbits(128):032x}"
    token_row: dict[str, Any] | None = None
    accepted: tuple[str, ...] = ()
    try:
        if method is None:
            raise UnknownMethod(req_method=name)
        params = await read_params(request)
        tenant = ctx.tenant_id(request)
        if method.auth:
            tenant, token_row = authenticate(ctx, request, bearer(request, params))
        elif method.tenant is not None:
            tenant = method.tenant(ctx, request, params) or tenant
        accepted = check_scope(name, token_row)
        state = ctx.store.get(tenant)
        if state is None:
            raise InvalidAuth()
        if scheduler.has_due(state):  # scheduled messages whose time has come are posted first
            await scheduler.deliver(ctx, tenant)
            state = ctx.store.get(tenant) or state
        call = Call(ctx, name, params, state, token_row, ctx.base_url(request))
        call.events.wanted = events_wanted(ctx, state)
        schemas.use_base_url(call.base_url)
        check_rate(ctx, call, params.text("channel"))
        if method.write:
            body = await ctx.store.run(tenant, lambda st: method.fn(_bind(call, st)))
        else:
            body = method.fn(call)
        publish(ctx, call)
        for hook in call.after_commit:
            hook()
    except SlackError as error:
        return _render(error, req_id, token_row, accepted)
    payload: dict[str, Any] = {"ok": True, **body}
    if call.warnings:
        payload["warning"] = ",".join(call.warnings)
        payload.setdefault("response_metadata", {})["warnings"] = call.warnings
    return wire.JSONAnswer(wire.dumps(payload), _raw_headers(req_id, token_row, accepted))


def _bind(call: Call, state: TenantState) -> Call:
    call.state = state
    call.events.clear()
    call.after_commit.clear()
    return call


def events_wanted(ctx: TwinContext, state: TenantState) -> bool:
    """Whether the call's events can reach anyone: not without a dispatcher, nor when the dispatcher
    says no app of the workspace listens (then the hottest producers skip building them)."""
    dispatcher = ctx.extras.get("events")
    if dispatcher is None:
        return False
    wants = getattr(dispatcher, "wants_events", None)  # stand-ins that keep everything lack it
    return True if wants is None else bool(wants(state))


def publish(ctx: TwinContext, call: Call) -> None:
    """Hand the call's events to the Events API dispatcher, if the twin runs one."""
    dispatcher = ctx.extras.get("events")
    if dispatcher is not None and call.events:
        dispatcher.publish(call.state.id, call.events)


def _raw_headers(
    req_id: str, token: dict[str, Any] | None, accepted: tuple[str, ...]
) -> list[tuple[bytes, bytes]]:
    """The headers of every Web API answer, as a response's raw header list."""
    return [
        (b"x-slack-req-id", req_id.encode()),
        (b"x-oauth-scopes", ",".join(token["scopes"]).encode() if token else b""),
        (b"x-accepted-oauth-scopes", ",".join(accepted).encode()),
    ]


def _render(
    error: SlackError, req_id: str, token: dict[str, Any] | None, accepted: tuple[str, ...]
) -> Response:
    from twins.slack.errors import render

    response = render(error)
    present = {key for key, _ in response.raw_headers}
    for key, value in _raw_headers(req_id, token, accepted):
        if key not in present:  # what the error set itself stays
            response.raw_headers.append((key, value))
    return response
