"""Serving operations: the endpoint the kit builds for each operation reads the credential and
the arguments, checks the scope and the rate, runs the handler (a write through the store, so it
is durable before the answer leaves), hands emitted events to the outbox and writes the reply."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from operator import itemgetter
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import parse_qsl

from pydantic_core import from_json
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from twins._runtime import untrusted
from twins._runtime.collection import TenantState
from twins._runtime.context import TwinContext, raw_header
from twins._runtime.errors import TwinError
from twins._runtime.ratelimit import Decision, Limit, RateLimiter
from twins.kit.args import Args, Upload
from twins.kit.auth import Caller, Credential
from twins.kit.call import WRITING, Call, Emitter, emitting
from twins.kit.errors import ErrorStyle
from twins.kit.extensions import Extensions
from twins.kit.operations import RPC, Operation, Reply
from twins.kit.outbox import Delivery, Event, Outbox

if TYPE_CHECKING:
    from twins.kit.twin import Mount

Endpoint = Callable[[Request], Any]
T = TypeVar("T")


def _parse_query(scope: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, list[str]] | None]:
    """The query's arguments (the last value of each) and, when an argument repeats, every value
    of each (None when none repeats: `Args.all` then reads the single values)."""
    raw: bytes = scope.get("query_string", b"")
    if not raw:
        return {}, None
    text = raw.decode("latin-1")
    if "%" in text:
        pairs = parse_qsl(text, keep_blank_values=True)
    else:  # nothing to unquote: `parse_qsl`'s pairs, without its per-call overhead
        if "+" in text:
            text = text.replace("+", " ")
        pairs = [(name, value) for name, _, value in (p.partition("=") for p in text.split("&") if p)]
    single = dict(pairs)
    if len(single) == len(pairs):
        return single, None
    multi: dict[str, list[str]] = {}
    for key, value in pairs:
        multi.setdefault(key, []).append(value)
    return single, multi


def _raw_header(name: str, value: str) -> tuple[bytes, bytes]:
    """A response header as Starlette writes it (name lower-cased), encoded once per pair."""
    pair = _ENCODED.get((name, value))
    if pair is None:
        if len(_ENCODED) > 4096:  # values that keep changing (counters, dates): start over
            _ENCODED.clear()
        pair = _ENCODED[(name, value)] = (name.lower().encode("latin-1"), value.encode("latin-1"))
    return pair


_ENCODED: dict[tuple[str, str], tuple[bytes, bytes]] = {}


def _json_answer(
    body: bytes,
    status: int,
    headers: dict[str, str],
    media_type: bytes,
    request_id: tuple[bytes, bytes] | None = None,
) -> Response:
    """`Response(body, status, headers, media_type=…)` for a JSON answer, its raw headers written
    at once (as Starlette writes them: the given ones lower-cased, then length and type);
    `request_id` is a header after the given ones."""
    raw = [_raw_header(key, value) for key, value in headers.items()]
    if request_id is not None:
        raw.append(request_id)
    if status >= 200 and status not in (204, 304) and _OWN.isdisjoint(map(_NAME, raw)):
        response = Response.__new__(Response)
        response.status_code = status
        response.background = None
        response.body = body
        raw.append((b"content-length", str(len(body)).encode()))
        raw.append((b"content-type", media_type))
        response.raw_headers = raw
        return response
    if request_id is not None:
        headers = {**headers, request_id[0].decode("latin-1"): request_id[1].decode("latin-1")}
    return Response(body, status, headers, media_type=media_type.decode("latin-1"))


def _raw_name(name: str) -> bytes:
    return _raw_header(name, "")[0]


_OWN = frozenset((b"content-length", b"content-type"))
_NAME = itemgetter(0)  # a raw header's name


async def read_body(request: Request) -> bytes:
    """The request body, as `request.body()` reads it, without its async generator (a body is read
    once, here; forms go through `request.form()` instead)."""
    chunks: list[bytes] = []
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def parse_json(raw: bytes) -> Any:
    """`json.loads(raw)`, several times faster for a typical body: pydantic-core's parser gives the
    same values for every text it takes; what it refuses (lone surrogates, a byte-order mark,
    deep nesting, malformed text) `json.loads` decides, so errors and their answers stay its."""
    try:
        return from_json(raw)
    except ValueError:
        return json.loads(raw)


class KitRuntime:
    """One running mount of operations: its context, extensions, outbox and rate limiter."""

    def __init__(self, kit: Mount, ctx: TwinContext) -> None:
        self.kit = kit
        self.ctx = ctx
        self.style: ErrorStyle = kit.style
        self.extensions = Extensions(kit.extensions)
        self.outbox: Outbox | None = kit.outbox() if kit.outbox is not None else None
        if self.outbox is not None:
            if self.outbox.clock is None:
                self.outbox.clock = self.tenant_now  # deliveries are signed at the tenant's time
            self.outbox.store = ctx.store  # where a final failure is recorded (`Outbox(failed=…)`)
            self.outbox.settings = ctx.settings
        self.limiter = RateLimiter(ctx.settings.rate_limits)
        self.rpc: dict[str, Operation] = {op.path: op for op in kit.operations() if op.method == RPC}
        self.rpc_style = next((op.style for op in self.rpc.values() if op.style), self.style)

    def tenant_now(self, tenant: str) -> float:
        """The tenant clock's time (wall time for a tenant gone since)."""
        state = self.ctx.store.get(tenant)
        return state.clock.now() if state is not None else time.time()

    def start(self) -> None:
        """Build the extensions (the lifespan's start, or the first request without one)."""
        if not self.extensions.started:
            self.extensions.start(self.ctx)
            if self.outbox is not None:
                self.extensions.add(self.outbox)

    def stop(self) -> None:
        self.extensions.stop()

    def forget(self, tenant: str) -> None:
        """What the twin keeps of a tenant outside the store (deliveries, rate windows): dropped."""
        if self.outbox is not None:
            self.outbox.forget(tenant)
        self.limiter.reset(f"{tenant}:")

    def endpoint(self, op: Operation) -> Endpoint:
        """A thin endpoint (`(request) -> Response`), which the route index calls directly."""

        async def endpoint(request: Request) -> Response:
            return await self.serve(op, request)

        endpoint.__name__ = op.name
        return endpoint

    def rpc_endpoint(self, param: str) -> Endpoint:
        async def rpc_method(request: Request) -> Response:
            name = request.path_params[param]
            op = self.rpc.get(name)
            if op is None:
                style = self.rpc_style
                error = style.error(
                    style.http_codes[404], f"unknown method {name}", status=404, req_method=name
                )
                return style.render(error)
            return await self.serve(op, request)

        return rpc_method

    async def serve(self, op: Operation, request: Request) -> Response:
        """Answer one request to `op`; errors in the operation's own style, if it has one."""
        if not self.extensions.started:
            self.start()
        style = self.style if op.style is None else op.style
        seen: list[Caller | None] = [None]
        try:
            return await self._answer(op, request, style, seen)
        except TwinError as error:
            stamp = self.kit.answer_headers
            if stamp is not None:  # the answer's own headers win
                error.headers = {**stamp(op, seen[0]), **error.headers}
            if op.style is None:
                raise
            return op.style.render(error, request)

    async def _answer(
        self, op: Operation, request: Request, style: ErrorStyle, seen: list[Caller | None]
    ) -> Response:
        scope = request.scope
        query, multi = _parse_query(scope)
        if op.method == RPC:  # the credential may be in the body: read it first
            if query and any("\x00" in value for value in query.values()):
                raise style.bad_body("nul")
            body, has_body = await self._body(op, request, style)
            if not body:
                values = query
            else:
                if multi is None and query and not body.keys().isdisjoint(query):
                    multi = {key: [value] for key, value in query.items()}  # the query's, as sent
                values = {**query, **body}
            args = Args.of(values, style, multi)
            caller = self._caller(op, request, args)
        else:  # the credential first: a bad one is refused before its body is read, as vendors do
            args = Args.of(query, style, multi)
            caller = self._caller(op, request, args)
            body, has_body = await self._body(op, request, style)
        seen[0] = caller
        state = self.ctx.store.get(caller.tenant)
        if state is None:
            raise style.error(style.http_codes[404], f"tenant {caller.tenant!r} does not exist", status=404)
        if self.kit.before_call is not None:  # time-driven work that is due (scheduled messages)
            state = await self.kit.before_call(self.ctx, state)
        stamp = self.kit.answer_headers
        headers: dict[str, str] = {} if stamp is None else dict(stamp(op, caller))
        if op.rate is not None:
            decision = self._rate(op, state, caller, style, args)
            if decision is not None and style.rate_headers_always:
                headers.update(style.rate_limit_headers(decision))
        call = Call(
            op, state, dict(request.path_params), args, Args.of(body, style), caller, style,
            self.extensions, self.ctx.base_url(request), scope.get("path", ""), has_body,
            outbox=self.outbox, headers=request.headers,
        )  # fmt: skip
        if op.before is not None:
            call.fetched = await op.before(call)
        result = await self._run(op, call)
        if self.outbox is not None:
            self.outbox.committed(state.id, call.events, call.deliveries)  # the write is durable by now
        if isinstance(result, Reply) and result.error is not None:
            raise result.error  # the write is kept; the answer is the error
        return self._reply(op, call, result, headers, style)

    async def write(self, tenant: str, fn: Callable[[TenantState, list[Event]], T]) -> T:
        """Run `fn` as a write outside a request (a scheduled message, an admin action): the
        events it appends go out, as a handler's do, once the write is durable."""
        events: list[Event] = []
        deliveries: list[Delivery] = []
        outbox = self.outbox

        def run(state: TenantState) -> T:
            events.clear()
            deliveries.clear()
            with emitting(Emitter(state, events, outbox)):
                result = fn(state, events)
            if outbox is not None and events:
                deliveries.extend(outbox.route(state, events))
            return result

        result = await self.ctx.store.run(tenant, run)
        if outbox is not None:
            outbox.committed(tenant, events, deliveries)
        return result

    async def _body(self, op: Operation, request: Request, style: ErrorStyle) -> tuple[dict[str, Any], bool]:
        """The body as an object: JSON for `body="json"`, a form (or JSON, by its type) for forms
        and RPC; malformed or not an object: the style's error (`body="any"` takes any JSON, and
        `body="raw"` any bytes, read as no fields)."""
        if op.body == "none" or request.method in ("GET", "HEAD"):  # DELETE only when it says so
            return {}, False
        ctype = (raw_header(request.scope, b"content-type") or b"").decode("latin-1")
        ctype = ctype.split(";")[0].strip().lower()
        forms = op.body == "form" or op.method == RPC
        if forms and ctype == "multipart/form-data":
            form = await request.form()
            values: dict[str, Any] = {}
            for name, value in form.multi_items():
                if isinstance(value, str):
                    if op.method == RPC and "\x00" in value:
                        raise style.bad_body("nul")
                    values[name] = value
                else:  # a file part: every upload of one field name, read whole
                    upload = Upload(value.filename or "", value.content_type or "", await value.read())
                    values.setdefault(name, []).append(upload)
            return values, True
        raw = await read_body(request)
        if not raw.strip() or op.body == "raw":
            return {}, False
        if forms and ctype != "application/json":
            if op.method == RPC and (b"\x00" in raw or b"%00" in raw):
                raise style.bad_body("nul")  # no database stores it
            try:
                return dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True)), True
            except UnicodeDecodeError:
                raise style.bad_body("form") from None
        try:
            data = parse_json(raw)
            # Nested past the stack, or text no database stores (NUL, unpaired surrogates).
            problem = untrusted.unstorable(raw, data)
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
            raise style.bad_body() from None
        if problem == "surrogate":
            raise style.bad_body()
        if not isinstance(data, dict):
            if op.body == "any":  # a bare JSON value (Jira's watcher POST): under "value"
                return {"value": data}, True
            raise style.bad_body("not_object")
        if problem is not None:
            raise style.bad_body(problem)
        return data, True

    def _caller(self, op: Operation, request: Request, args: Args) -> Caller:
        state = request.scope.get("state")
        named = state.get("twin_tenant") if state else None
        if op.auth is None:
            return Caller(str(named or self.ctx.settings.default_tenant), "", "anonymous")
        tenant = str(named) if named else None
        cred = Credential(None, args, tenant, self.ctx.store, self.extensions, request)
        caller = op.auth.authenticate(cred)
        if op.scope is not None:
            op.auth.check(caller, op.scope)
        if state is None:
            self.ctx.use_tenant(request, caller.tenant)
        else:
            state["twin_tenant"] = caller.tenant
        return caller

    def _rate(
        self, op: Operation, state: TenantState, caller: Caller, style: ErrorStyle, args: Args
    ) -> Decision | None:
        bucket = op.rate or ""
        limit: Limit | None = self.kit.limits.get(bucket)
        if limit is None or (self.limiter.mode == "off" and not style.rate_headers_always):
            return None
        who = caller.subject if self.kit.rate_subject is None else self.kit.rate_subject(caller)
        key = f"{state.id}:{who}:{bucket}"
        if op.rate_by is not None:
            key += f":{args.get(op.rate_by, '')}"
        decision = self.limiter.check(key, limit, state.clock.now())
        if not decision.allowed:
            raise style.rate_limited(decision)
        return decision

    async def _run(self, op: Operation, call: Call) -> Any:
        outbox = self.outbox

        def run(state: TenantState) -> Any:
            token = WRITING.set(call)  # `with emitting(call)`, without its calls
            try:
                result = op.handler(call.bind(state))
            finally:
                WRITING.reset(token)
            if outbox is not None and call.events:
                call.deliveries.extend(outbox.route(state, call.events))
            return result

        if op.write:
            return await self.ctx.store.run(call.state.id, run)
        return run(call.state)

    def _reply(
        self, op: Operation, call: Call, result: Any, headers: dict[str, str], style: ErrorStyle
    ) -> Response:
        if isinstance(result, Reply):
            headers.update(result.headers)
            body, status = result.body, result.status or op.status
        else:
            body, status = result, op.status
        if call.paged is not None and op.page is not None:
            body = op.page.finish(call, body, headers, call.paged)
        if op.method == RPC:
            body = self.kit.envelope(body)
        named_id = style.request_id_header
        if body is None and op.method != RPC:
            if named_id:
                headers.setdefault(named_id, style.request_id())
            return Response(status_code=status, headers=headers)
        request_id = None
        if named_id and named_id not in headers:  # a fresh value each time: encoded on its own
            request_id = (_raw_name(named_id), style.request_id().encode("latin-1"))
        if isinstance(body, bytes):
            # JSON already encoded (a render cache's output), or content as it is (a download)
            # when the handler gave it a Content-Type of its own
            if any(name.lower() == "content-type" for name in headers):
                if named_id and request_id is not None:
                    headers[named_id] = request_id[1].decode("latin-1")
                return Response(body, status, headers)
            return _json_answer(body, status, headers, style.media_bytes, request_id)
        return _json_answer(self.kit.encode(body), status, headers, style.media_bytes, request_id)
