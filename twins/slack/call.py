"""One Web API call as the method handlers see it: params, token, acting user, tenant state."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from twins._runtime.collection import Row, TenantState
from twins.kit.call import Call as KitCall
from twins.slack.errors import SlackError
from twins.slack.schemas import team_id

T = TypeVar("T")
TRUE = {"1", "true", "yes", "on"}
EventList = list[tuple[str, dict[str, Any]]]  # (event type, event), in order


class Params(dict[str, Any]):
    """Arguments merged from the query string, the form body and the JSON body."""

    def text(self, name: str, default: str = "") -> str:
        value = self.get(name)
        if value is None:
            return default
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return repr(value)
        return json.dumps(value)

    def required(self, name: str, error: str = "invalid_arguments") -> str:
        value = self.text(name).strip()
        if not value:
            if error == "invalid_arguments":
                raise SlackError(code=error, messages=[f"[ERROR] missing required field: {name}"])
            raise SlackError(code=error)
        return value

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        return str(value).strip().lower() in TRUE

    def number(self, name: str, default: int, *, low: int | None = None, high: int | None = None) -> int:
        value = self.get(name)
        if value is None or value == "":
            return default
        try:
            number = int(float(value))
        except (TypeError, ValueError, OverflowError):
            raise SlackError(
                code="invalid_arguments", messages=[f"[ERROR] invalid value for field: {name}"]
            ) from None
        if low is not None:
            number = max(low, number)
        if high is not None:
            number = min(high, number)
        return number

    def parsed(self, name: str, error: str) -> Any:
        """A JSON argument (blocks, attachments), given as JSON or as a JSON string in a form."""
        value = self.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                return json.loads(value)
            except (json.JSONDecodeError, RecursionError):
                raise SlackError(code=error) from None
        return value

    def csv(self, name: str) -> list[str]:
        """A comma-separated list argument (or a JSON list)."""
        value = self.get(name)
        if value is None or value == "":
            return []
        if isinstance(value, list):
            return [str(v) for v in value]
        return [v.strip() for v in str(value).split(",") if v.strip()]


class Events(EventList):
    """The events a Web API call queues, with the kit's word on whether an event of a type would
    reach anyone (`wants`), so that an event given as a function is built only then."""

    def __init__(self, wants: Callable[[str], bool]) -> None:
        super().__init__()
        self.wants = wants


def emit(events: EventList, event_type: str, event: dict[str, Any] | Callable[[], dict[str, Any]]) -> None:
    """Queue an Events API event of `event_type` on `events`; `event` may be a function that
    builds it, called unless `events` knows that no app (nor watcher) would receive it."""
    if callable(event):
        if isinstance(events, Events) and not events.wants(event_type):
            return
        event = event()
    events.append((event_type, {"type": event_type, **event}))


@dataclass
class Call:
    """What a method handler gets (the kit's call, in Slack's terms); handlers return the response
    body (without `ok`). Events the handler queues go out once the call's write is durable."""

    method: str
    params: Params
    state: TenantState
    token: Row | None = None
    base_url: str = ""
    events: EventList = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    kit: KitCall | None = None  # None for a handler run by the twin itself (simulated humans)

    @property
    def now(self) -> float:
        return self.state.clock.now()

    @property
    def user_id(self) -> str:
        return self.token["user_id"] if self.token else ""

    @property
    def is_bot(self) -> bool:
        return bool(self.token and self.token["kind"] == "bot")

    @property
    def app(self) -> Row | None:
        if not self.token or not self.token.get("app_id"):
            return None
        return self.state["apps"].get(self.token["app_id"])

    @property
    def team_id(self) -> str:
        return team_id(self.state)

    def emit(self, event_type: str, event: dict[str, Any]) -> None:
        """Queue an Events API event; delivered to subscribed apps once the call has committed."""
        emit(self.events, event_type, event)

    def page(self, rows: Sequence[T]) -> list[T]:
        """The page of `rows` (a stable order) the request asks for, by the method's pager
        (`cursor`, `limit`; `response_metadata.next_cursor` is added to the answer)."""
        if self.kit is None:
            raise TypeError(f"{self.method} pages only when called through the Web API")
        return self.kit.page(rows)
