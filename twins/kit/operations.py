"""Operations as data: a module-level handler registered with its operation.

    groups = Registry(auth=OKTA, tags=("groups",))

    @groups.operation("GET", "/api/v1/groups/{groupId}", scope="okta.groups.read")
    def get_group(call: Call) -> Any: ...

The RPC flavour (Slack's Web API: one path, the method named in it) registers the same way with
`@registry.rpc("chat.postMessage", scope="chat:write", write=True)`. Handlers are pure on the
tenant state (the runtime may run a write more than once) and do no I/O; what they return is the
reply's body (or a `Reply` with a status and headers of its own).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from twins._runtime.errors import TwinError
from twins.kit.auth import AuthStrategy, Scope
from twins.kit.errors import ErrorStyle
from twins.kit.pagers import Pager

if TYPE_CHECKING:
    from twins.kit.call import Call

Handler = Callable[["Call"], Any]
Before = Callable[["Call"], Awaitable[Any]]  # the I/O an operation needs first (see `before=`)
RPC = "RPC"
VERBS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})
PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


class Inherit:
    """The registry's default auth (the `auth=` an operation does not give)."""


INHERIT = Inherit()


@dataclass(frozen=True)
class Reply:
    """A reply with a status or headers of its own; a handler may also return just the body.
    `error`: the write is kept (made durable) and this error is the answer, as when Okta counts
    a failed sign-in and refuses it."""

    body: Any = None
    status: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    error: TwinError | None = None


@dataclass(frozen=True)
class Operation:
    """One vendor operation: `method` is an HTTP verb (or RPC), `path` its path template (or the
    RPC method's name). `body` is what the request body may be: "json", "form", "none",
    "any" (JSON that need not be an object: handlers read it as `call.body["value"]`), or "raw"
    (bytes of any kind, an upload's, not read as fields: the handler sees no body).
    `before` is I/O the operation needs (a call to a hook the twin verifies): it runs once,
    outside the store, and the handler finds its result in `call.fetched`."""

    method: str
    path: str
    handler: Handler
    auth: AuthStrategy | None
    scope: Scope | None
    write: bool = False
    page: Pager | None = None
    status: int = 200
    body: str = "json"
    rate: str | None = None
    tags: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ("",)
    style: ErrorStyle | None = None  # None: the twin's
    rate_by: str | None = None  # an argument whose value keys the rate window too (per channel)
    before: Before | None = None

    @property
    def paths(self) -> list[str]:
        """Every path the operation is served at (one per prefix)."""
        return [prefix + self.path for prefix in self.prefixes]

    @property
    def name(self) -> str:
        return self.handler.__name__

    @property
    def summary(self) -> str:
        doc = (self.handler.__doc__ or "").strip()
        return doc.splitlines()[0] if doc else self.name

    @property
    def path_params(self) -> list[str]:
        return PARAM.findall(self.path) if self.method != RPC else []


class Registry:
    """A table of operations (one per resource module); a twin is built from a few of them.
    `prefixes` mounts each REST operation under several (Jira: `/rest/api/2`, `/3`, `/latest`);
    `style` words its errors when it is not the twin's (Okta's OAuth endpoints answer
    `{"error", "error_description"}`, not the management API's body)."""

    def __init__(
        self,
        *,
        auth: AuthStrategy | None = None,
        tags: tuple[str, ...] = (),
        prefixes: tuple[str, ...] = ("",),
        style: ErrorStyle | None = None,
        rate: str | None = None,
    ) -> None:
        self.auth = auth
        self.rate = rate  # the rate-limit bucket of operations that name none
        self.tags = tags
        self.prefixes = prefixes
        self.style = style
        self.ops: list[Operation] = []

    def operation(
        self,
        method: str,
        path: str,
        *,
        auth: AuthStrategy | Inherit | None = INHERIT,
        scope: Scope | None = None,
        write: bool = False,
        page: Pager | None = None,
        status: int = 200,
        body: str | None = None,
        rate: str | None = None,
        before: Before | None = None,
    ) -> Callable[[Handler], Handler]:
        """Register the decorated handler as `METHOD path`."""
        verb = method.upper()
        if verb not in VERBS:
            raise ValueError(f"{method} {path}: not an HTTP method of {sorted(VERBS)}")
        if not path.startswith("/"):
            raise ValueError(f"{method} {path}: a path starts with /")
        chosen = body or ("json" if verb in ("POST", "PUT", "PATCH") else "none")
        return self._register(verb, path, auth, scope, write, page, status, chosen, rate, before=before)

    def rpc(
        self,
        name: str,
        *,
        auth: AuthStrategy | Inherit | None = INHERIT,
        scope: Scope | None = None,
        write: bool = False,
        page: Pager | None = None,
        rate: str | None = None,
        rate_by: str | None = None,
    ) -> Callable[[Handler], Handler]:
        """Register the decorated handler as the RPC method `name` (e.g. `chat.postMessage`);
        `rate_by` names an argument whose value has a rate window of its own (Slack limits
        chat.postMessage per channel)."""
        return self._register(RPC, name, auth, scope, write, page, 200, "form", rate, rate_by=rate_by)

    def _register(
        self,
        method: str,
        path: str,
        auth: AuthStrategy | Inherit | None,
        scope: Scope | None,
        write: bool,
        page: Pager | None,
        status: int,
        body: str,
        rate: str | None,
        rate_by: str | None = None,
        before: Before | None = None,
    ) -> Callable[[Handler], Handler]:
        strategy = self.auth if isinstance(auth, Inherit) else auth
        rate = rate or self.rate

        def register(handler: Handler) -> Handler:
            op = Operation(
                method,
                path,
                handler,
                strategy,
                scope,
                write,
                page,
                status,
                body,
                rate,
                self.tags,
                self.prefixes,
                self.style,
                rate_by,
                before,
            )
            if any(o.method == method and o.path == path for o in self.ops):
                raise ValueError(f"{method} {path} is registered twice")
            self.ops.append(op)
            return handler

        return register
