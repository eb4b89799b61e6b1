"""Serving operations: the endpoint the kit builds for each operation reads the credential and
the arguments, checks the scope and the rate, runs the handler (a write through the store, so it
is durable before the answer leaves), hands emitted events to the outbox and writes the reply."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response

from twins._runtime import untrusted
from twins._runtime.collection import TenantState
from twins._runtime.context import TwinContext, raw_header
from twins._runtime.errors import TwinError
from twins._runtime.ratelimit import Decision, Limit, RateLimiter
from twins.kit.args import Args, Upload
from twins.kit.auth import Caller, Credential
from twins.kit.call import Call
from twins.kit.errors import ErrorStyle
from twins.kit.extensions import Extensions
from twins.kit.operations import RPC, Operation, Reply
from twins.kit.outbox import Outbox

if TYPE_CHECKING:
    from twins.kit.twin import Mount

Endpoint = Callable[[Request], Any]


def _parse_query(scope: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, list[str]]]:
    raw: bytes = scope.get("query_string", b"")
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for key, value in parse_qsl(raw.decode("latin-1"), keep_blank_values=True) if raw else ():
        single[key] = value
        multi.setdefault(key, []).append(value)
    return single, multi


class KitRuntime:
    """One running mount of operations: its context, extensions, outbox and rate limiter."""

    def __init__(self, kit: Mount, ctx: TwinContext) -> None:
        self.kit = kit
        self.ctx = ctx
        self.style: ErrorStyle = kit.style
        self.extensions = Extensions(kit.extensions)
        self.outbox: Outbox | None = kit.outbox() if kit.outbox is not None else None
        self.limiter = RateLimiter(ctx.settings.rate_limits)
        self.rpc: dict[str, Operation] = {op.path: op for op in kit.operations() if op.method == RPC}
        self.rpc_style = next((op.style for op in self.rpc.values() if op.style), self.style)

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
                return style.render(style.error(style.http_codes[404], f"unknown method {name}", status=404))
            return await self.serve(op, request)

        return rpc_method

    async def serve(self, op: Operation, request: Request) -> Response:
        """Answer one request to `op`; errors in the operation's own style, if it has one."""
        if op.style is None:
            return await self._serve(op, request, self.style)
        try:
            return await self._serve(op, request, op.style)
        except TwinError as error:
            return op.style.render(error, request)

    async def _serve(self, op: Operation, request: Request, style: ErrorStyle) -> Response:
        self.start()
        query, multi = _parse_query(request.scope)
        if op.method == RPC:  # the credential may be in the body: read it first
            body, has_body = await self._body(op, request, style)
            args = Args({**query, **body}, style, multi)
            caller = self._caller(op, request, args)
        else:  # the credential first: a bad one is refused before its body is read, as vendors do
            args = Args(query, style, multi)
            caller = self._caller(op, request, args)
            body, has_body = await self._body(op, request, style)
        state = self.ctx.store.get(caller.tenant)
        if state is None:
            raise style.error(style.http_codes[404], f"tenant {caller.tenant!r} does not exist", status=404)
        headers: dict[str, str] = {}
        if op.rate is not None:
            decision = self._rate(op.rate, state, caller, style)
            if decision is not None and style.rate_headers_always:
                headers.update(style.rate_limit_headers(decision))
        call = Call(
            op, state, dict(request.path_params), args, Args(body, style), caller, style,
            self.extensions, self.ctx.base_url(request), request.scope["path"], has_body,
        )  # fmt: skip
        if op.before is not None:
            call.fetched = await op.before(call)
        result = await self._run(op, call)
        if call.deliveries and self.outbox is not None:
            self.outbox.enqueue(state.id, list(call.deliveries))  # the write is durable by now
        if isinstance(result, Reply) and result.error is not None:
            raise result.error  # the write is kept; the answer is the error
        return self._reply(op, call, result, headers, style)

    async def _body(self, op: Operation, request: Request, style: ErrorStyle) -> tuple[dict[str, Any], bool]:
        """The body as an object: JSON for `body="json"`, a form (or JSON, by its type) for forms
        and RPC; malformed or not an object: the style's error (`body="any"` takes any JSON)."""
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
                    values[name] = value
                else:  # a file part: every upload of one field name, read whole
                    upload = Upload(value.filename or "", value.content_type or "", await value.read())
                    values.setdefault(name, []).append(upload)
            return values, True
        raw = await request.body()
        if not raw.strip():
            return {}, False
        if forms and ctype != "application/json":
            try:
                return dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True)), True
            except UnicodeDecodeError:
                raise style.bad_body() from None
        try:
            data = json.loads(raw)
            # Nested past the stack, or text no database stores (NUL, unpaired surrogates).
            if untrusted.unstorable(raw, data) is not None:
                raise style.bad_body()
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
            raise style.bad_body() from None
        if not isinstance(data, dict):
            if op.body == "any":  # a bare JSON value (Jira's watcher POST): under "value"
                return {"value": data}, True
            raise style.bad_body()
        return data, True

    def _caller(self, op: Operation, request: Request, args: Args) -> Caller:
        named = request.scope.get("state", {}).get("twin_tenant")
        if op.auth is None:
            return Caller(str(named or self.ctx.settings.default_tenant), "", "anonymous")
        tenant = str(named) if named else None
        cred = Credential(request.headers, args, tenant, self.ctx.store, self.extensions, request)
        caller = op.auth.authenticate(cred)
        if op.scope is not None:
            op.auth.check(caller, op.scope)
        self.ctx.use_tenant(request, caller.tenant)
        return caller

    def _rate(self, bucket: str, state: TenantState, caller: Caller, style: ErrorStyle) -> Decision | None:
        limit: Limit | None = self.kit.limits.get(bucket)
        if limit is None:
            return None
        decision = self.limiter.check(f"{state.id}:{caller.subject}:{bucket}", limit, state.clock.now())
        if not decision.allowed:
            raise style.rate_limited(decision)
        return decision

    async def _run(self, op: Operation, call: Call) -> Any:
        outbox = self.outbox

        def run(state: TenantState) -> Any:
            result = op.handler(call.bind(state))
            if outbox is not None and call.events:
                call.deliveries.extend(outbox.route(state, call.events))
            return result

        if op.write:
            return await self.ctx.store.run(call.state.id, run)
        return run(call.state)

    def _reply(
        self, op: Operation, call: Call, result: Any, headers: dict[str, str], style: ErrorStyle
    ) -> Response:
        reply = result if isinstance(result, Reply) else Reply(result)
        headers.update(reply.headers)
        body = reply.body
        if call.paged is not None and op.page is not None:
            body = op.page.finish(call, body, headers, call.paged)
        if op.method == RPC:
            body = self.kit.envelope(body)
        if style.request_id_header:
            headers.setdefault(style.request_id_header, style.request_id())
        status = reply.status or op.status
        if body is None and op.method != RPC:
            return Response(status_code=status, headers=headers)
        if isinstance(body, bytes):
            # JSON already encoded (a render cache's output), or content as it is (a download)
            # when the handler gave it a Content-Type of its own
            own_type = any(name.lower() == "content-type" for name in headers)
            return Response(body, status, headers, media_type=None if own_type else style.media_type)
        return Response(self.kit.encode(body), status, headers, media_type=style.media_type)
