"""Kit pieces the Slack twin needed, alone: body-problem codes of a style, refused tokens and the
scopes a refusal names, the outbox's watchers and a receiver's "no retry" header."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import pytest

from twins._runtime.errors import TwinError
from twins.kit import SLACK, Caller, Delivery, Event, Outbox, Retry, SlackSignature, SlackTokens
from twins.kit.auth import as_scopes


def test_a_style_names_its_own_codes_for_body_problems() -> None:
    style = replace(SLACK, body_codes={"not_object": "json_not_object", "nul": "invalid_arguments"})
    assert style.bad_body("not_object").code == "json_not_object"
    assert style.bad_body("nul").code == "invalid_arguments"
    assert style.bad_body().code == style.bad_body("form").code == "invalid_json"  # the default


def test_missing_scope_names_the_tokens_scopes_in_its_order() -> None:
    row = {"scopes": ["chat:write", "channels:read"]}
    caller = Caller("t", "U1", "token", as_scopes(row["scopes"]), row)
    with pytest.raises(TwinError) as caught:
        SlackTokens().check(caller, ("users:read", "users:read.email"))
    assert caught.value.extra == {"needed": "users:read", "provided": "chat:write,channels:read"}
    SlackTokens().check(caller, ("channels:read",))  # one of them is enough
    assert as_scopes("a, b c") == frozenset({"a", "b", "c"})
    assert as_scopes(["x", "y"]) is as_scopes(["x", "y"])  # a token's set is made once


def test_watchers_see_every_durable_event_delivered_or_not() -> None:
    seen: list[tuple[str, list[str]]] = []
    outbox = Outbox(lambda state, event: [], SlackSignature(), Retry(()))
    outbox.watch(lambda tenant, events: seen.append((tenant, [e.type for e in events])))
    outbox.committed("t1", [Event("message", {}), Event("reaction_added", {})], [])
    outbox.committed("t1", [], [])
    assert seen == [("t1", ["message", "reaction_added"])]
    assert outbox.pending("t1") == 0


def record(headers: dict[str, str]) -> dict[str, Any]:
    return {"response": {"headers": headers, "body": ""}}


def test_a_receiver_may_decline_retries() -> None:
    outbox = Outbox(
        lambda state, event: [], SlackSignature(), Retry((1.0,), decline_header="X-Slack-No-Retry")
    )
    assert outbox._declined(record({"x-slack-no-retry": "1"}))
    assert not outbox._declined(record({"content-type": "text/plain"}))
    assert not outbox._declined({"response": None})  # no answer came (a timeout)
    plain = Outbox(lambda state, event: [], SlackSignature(), Retry((1.0,)))
    assert not plain._declined(record({"x-slack-no-retry": "1"}))
    fields = Delivery.json("A1", "http://app", {"a": 1}, fields={"app_id": "A1"}).fields
    assert fields == {"app_id": "A1"}


def test_the_outbox_says_whether_an_event_type_would_reach_anyone() -> None:
    state: Any = object()
    heard: list[str] = []
    outbox = Outbox(
        lambda state, event: [], SlackSignature(), Retry(()), listens=lambda st, kind: kind == "message"
    )
    assert outbox.wants(state, "message") and not outbox.wants(state, "reaction_added")
    outbox.watch(lambda tenant, events: heard.extend(e.type for e in events))
    assert outbox.wants(state, "reaction_added")  # a watcher sees every event
    assert Outbox(lambda state, event: [], SlackSignature(), Retry(())).wants(state, "any")  # no listens
    assert outbox.now("t1") == pytest.approx(time.time(), abs=5)  # no tenant clocks: wall time
    outbox.clock = lambda tenant: 1_800_000_000.0 if tenant == "t1" else 0.0
    assert outbox.now("t1") == 1_800_000_000.0
