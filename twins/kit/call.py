"""The call a handler gets: the tenant state, parsed arguments, the caller, clock, ids and `emit`."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from starlette.requests import cookie_parser

from twins._runtime.clock import Clock
from twins._runtime.collection import TenantState
from twins._runtime.errors import TwinError
from twins._runtime.ids import IdSource
from twins.kit.args import Args
from twins.kit.auth import Caller
from twins.kit.errors import ErrorStyle
from twins.kit.extensions import Extensions
from twins.kit.operations import Operation
from twins.kit.outbox import Delivery, Event, Outbox
from twins.kit.pagers import PageState

T = TypeVar("T")
Payload = dict[str, Any] | Callable[[], dict[str, Any]]


class Emits(Protocol):
    """What events emitted during a write go into: an operation's `Call`, or a kit write's `Emitter`."""

    def emit(self, event_type: str, payload: Payload) -> None: ...

    def wants(self, event_type: str) -> bool: ...


def _emit(into: Emits, events: list[Event], event_type: str, payload: Payload) -> None:
    if callable(payload):
        if not into.wants(event_type):
            return
        payload = payload()
    events.append(Event(event_type, payload))


@dataclass
class Emitter:
    """The events of a kit write outside a request (`KitRuntime.write`)."""

    state: TenantState
    events: list[Event]
    outbox: Outbox | None = None

    def emit(self, event_type: str, payload: Payload) -> None:
        _emit(self, self.events, event_type, payload)

    def wants(self, event_type: str) -> bool:
        return self.outbox is not None and self.outbox.wants(self.state, event_type)


# The write running now (`writing`); set by `emitting`, and by the kit's request path directly
# (`WRITING.set` and `WRITING.reset`: no context manager's calls on every request).
WRITING: ContextVar[Emits | None] = ContextVar("twins_kit_writing", default=None)


def writing() -> Emits | None:
    """The operation (or kit write) running now, which events go into: code below a handler that
    holds only the state (a twin's backend writing its own event log) emits through it. None
    outside one (a plain `store.run`, seeding): such writes emit nothing."""
    return WRITING.get()


@contextmanager
def emitting(into: Emits) -> Iterator[None]:
    """Make `into` the write running now (see `writing`) for the duration."""
    token = WRITING.set(into)
    try:
        yield
    finally:
        WRITING.reset(token)


@dataclass
class Call:
    """One request to one operation. `path` holds the path parameters, `args` the query string
    (for RPC: query and body merged, as Slack reads them), `body` the JSON (or form) object."""

    op: Operation
    state: TenantState
    path: dict[str, str]
    args: Args
    body: Args
    caller: Caller
    style: ErrorStyle
    extensions: Extensions
    base_url: str
    url_path: str
    has_body: bool = False
    events: list[Event] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)
    paged: PageState | None = None
    fetched: Any = None  # what the operation's `before` step found
    outbox: Outbox | None = None  # the twin's, which tells whether an event would reach anyone
    # The request's headers (case-insensitive): what a handler reads beyond its credential, as
    # OAuth's endpoints read client credentials and cookies.
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def clock(self) -> Clock:
        return self.state.clock

    @property
    def ids(self) -> IdSource:
        return self.state.ids

    def now(self) -> float:
        """The tenant clock's time (frozen or advanced through the admin API)."""
        return self.state.clock.now()

    def bind(self, state: TenantState) -> Call:
        """The call on `state`, as at its start (a write may run more than once)."""
        self.state = state
        self.events.clear()
        self.deliveries.clear()
        self.paged = None
        return self

    def cookie(self, name: str) -> str | None:
        """The value of the request's cookie `name`, if it sent one."""
        return cookie_parser(self.headers.get("cookie", "")).get(name)

    def require_body(self) -> Args:
        """The body, which this operation must have: the vendor's error when it is absent."""
        if not self.has_body:
            raise self.style.bad_body()
        return self.body

    def error(self, code: str, message: str = "", *, status: int | None = None, **extra: Any) -> TwinError:
        """A vendor error in this twin's style, to raise."""
        return self.style.error(code, message, status=status, **extra)

    def emit(self, event_type: str, payload: Payload) -> None:
        """An outbound event, delivered to its subscribers once this call's writes are durable.
        `payload` may be a function that builds it: called only when the event would reach anyone."""
        _emit(self, self.events, event_type, payload)

    def wants(self, event_type: str) -> bool:
        """Whether an event of `event_type` emitted now would reach a subscriber (or a watcher)."""
        return self.outbox is not None and self.outbox.wants(self.state, event_type)

    def page(self, rows: Any, *, default: int | None = None) -> list[Any]:
        """The page of `rows` (a stable order) this request asks for, by the operation's pager;
        `default` is the page size when the request names none, if it is not the pager's."""
        pager = self.op.page
        if pager is None:
            raise TypeError(f"{self.op.method} {self.op.path} has no pager; give it page=…")
        self.paged = PageState(default=default)
        return pager.page(self, rows, self.paged)

    def ext(self, cls: type[T]) -> T:
        """The twin's extension of class `cls` (see extensions.py)."""
        return self.extensions.get(cls)
