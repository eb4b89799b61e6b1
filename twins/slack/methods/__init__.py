"""The Web API's methods, as the kit's RPC operations: each family module registers its handlers
with `@method(name, …)`; the scopes a method accepts and its rate tier come from `scopes.METHODS`."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from twins.kit.args import Upload
from twins.kit.auth import AuthStrategy
from twins.kit.call import Call as KitCall
from twins.kit.operations import Registry
from twins.kit.pagers import Pager
from twins.slack.auth import TOKENS
from twins.slack.call import Call, Events, Params
from twins.slack.scopes import METHODS as SCOPES
from twins.slack.subscriptions import with_mentions

Handler = Callable[[Call], dict[str, Any]]

# Every Web API method: the kit serves them at /api/{method}, by token unless a method says.
web_api = Registry(auth=TOKENS, tags=("web-api",))


@dataclass(frozen=True)
class Method:
    name: str
    fn: Handler
    write: bool


METHODS: dict[str, Method] = {}


def method(
    name: str, *, write: bool = False, auth: AuthStrategy | None = TOKENS, page: Pager | None = None
) -> Callable[[Handler], Handler]:
    """Register a handler as the Web API method `name`. `write` handlers run in a committed
    store operation; `auth=None` for methods without a token (api.test); `page` pages a list."""
    accepted, tier = SCOPES.get(name, ((), "tier3"))

    def register(fn: Handler) -> Handler:
        METHODS[name] = Method(name, fn, write)
        scope = accepted if auth is TOKENS else None
        rate_by = "channel" if tier == "post" else None  # chat.postMessage: per channel
        web_api.rpc(name, auth=auth, scope=scope, write=write, page=page, rate=name, rate_by=rate_by)(
            served(name, fn)
        )
        return fn

    return register


def served(name: str, fn: Handler) -> Callable[[KitCall], dict[str, Any]]:
    """The kit's handler of a method: the Slack view of the call in, the answer (with the call's
    warnings) out, the events it queued (and the app mentions they imply) emitted."""

    def handle(kit: KitCall) -> dict[str, Any]:
        params = Params(kit.args.to_dict())
        for key, value in params.items():
            if value.__class__ is list and value and isinstance(value[0], Upload):
                params[key] = value[0].data  # a file field: the bytes of its (first) upload
        caller = kit.caller
        if caller.kind == "client" and caller.token:  # oauth.v2.access: HTTP Basic credentials
            for key, value in caller.token.items():
                params.setdefault(key, value)
        token = caller.token if caller.kind == "token" else None
        call = Call(name, params, kit.state, token, kit.base_url, events=Events(kit.wants), kit=kit)
        body = fn(call)
        if call.events:
            for event_type, event in with_mentions(call.events):
                kit.emit(event_type, event)
        return with_warnings(body, call.warnings) if call.warnings else body

    handle.__name__ = fn.__name__
    handle.__doc__ = fn.__doc__
    return handle


def with_warnings(body: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
    """The answer with Slack's `warning` and `response_metadata.warnings`, if there are any."""
    if not warnings:
        return body
    meta = {**(body.get("response_metadata") or {}), "warnings": list(warnings)}
    return {**body, "warning": ",".join(warnings), "response_metadata": meta}


def load_all() -> dict[str, Method]:
    """Import every family module in this package (once) and return the registry."""
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")
    return METHODS


def limits() -> dict[str, Any]:
    """The rate limit of each method (its tier's), by method name: the kit's buckets."""
    from twins.slack.scopes import TIERS

    return {name: TIERS[SCOPES.get(name, ((), "tier3"))[1]] for name in load_all()}
