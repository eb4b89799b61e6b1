"""Answers made from the recorded request most like this one: several requests of each kind are
kept, and a value sent as the recorded request sent it keeps the recorded answer's value."""

from __future__ import annotations

from typing import Any

from agent_runner.conventions import PER_KIND, VARIANTS
from agent_runner.infer import infer
from recorder.trace import Exchange
from tests.agent_runner.traffic import ORG, exchange
from twins.kit.resources import likeness
from twins.kit.templates import echo

APPS = "/api/v1/apps"


def saml(n: int, issuer: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
    slo = {"enabled": issuer is not None, **({"issuer": issuer} if issuer else {})}
    sent = {"label": f"app{n}", "signOnMode": "SAML_2_0", "settings": {"signOn": {"slo": slo, "relay": ""}}}
    answered = {
        "id": f"0oa{n}abcdEFGH{n}ijklm{n}",
        "label": f"app{n}",
        "signOnMode": "SAML_2_0",
        "settings": {"signOn": {"spIssuer": issuer, "relay": None}},
    }
    return sent, answered


def create(n: int, issuer: str | None) -> list[Exchange]:
    sent, answered = saml(n, issuer)
    return [exchange(ORG, "POST", APPS, 200, answered, sent)]


def bookmark(n: int) -> list[Exchange]:
    sent = {"label": f"b{n}", "signOnMode": "BOOKMARK", "settings": {"app": {"url": "https://x"}}}
    return [exchange(ORG, "POST", APPS, 200, {"id": f"0oa{n}bookmarkBOOKMAR{n}", **sent}, sent)]


def test_several_requests_of_a_kind_are_kept_and_the_most_alike_answers() -> None:
    sessions = [("a", create(1, "https://dunshire.okta.com")), *[(f"s{n}", create(n, None)) for n in (2, 3)]]
    sessions.append(("b", bookmark(4)))
    op = next(o for o in infer("okta", sessions).operations if o.method == "POST")
    kept = [v.request for v in op.variants]
    assert len(kept) == PER_KIND + 1  # the three SAML requests (one kind) and the bookmark
    sent, _ = saml(9, "https://dunshire.okta.com")
    best = max(reversed(op.variants), key=lambda v: likeness(v.request, sent))
    assert best.response["settings"]["signOn"]["spIssuer"] == "https://dunshire.okta.com"


def test_a_value_sent_as_recorded_keeps_the_recorded_answer() -> None:
    sent, answered = saml(1, "https://dunshire.okta.com")
    mine = {**sent, "label": "mine"}
    out = echo(answered, sent, mine)
    assert out["settings"]["signOn"]["relay"] is None  # sent "" then and now: answered null
    assert out["label"] == "mine"


def test_a_field_the_recorded_request_echoed_and_this_one_leaves_out_is_empty() -> None:
    recorded = {"tag_name": "v1", "body": "notes", "draft": True, "assignees": ["a"], "kept": 2}
    answered = {"id": 7, "tag_name": "v1", "body": "notes", "draft": True, "assignees": ["a"], "kept": 3}
    out = echo(answered, recorded, {"tag_name": "v2"})
    assert out["tag_name"] == "v2"
    # another request's text, flag and items are not this one's: null, off, none
    assert out["body"] is None and out["draft"] is False and out["assignees"] == []
    assert out["kept"] == 3  # the answer did not echo what was sent: the vendor's own value


def test_a_part_naming_the_item_by_its_numeric_key_takes_the_new_key() -> None:
    from twins.kit.templates import renumbered

    recorded = {"id": 414858, "subkeys": [{"id": 414859, "primary_key_id": 414858}], "count": 3}
    out = renumbered(recorded, 414858, 104893)
    assert out["subkeys"] == [{"id": 414859, "primary_key_id": 104893}] and out["count"] == 3
    assert renumbered({"n": 3}, 3, 9) == {"n": 3}  # a small number is a count, not a key


def test_a_rare_kind_of_request_among_many_kinds_keeps_its_own_answer() -> None:
    """An API whose creates come in a dozen kinds (an app per sign-on mode) keeps each kind's
    answer, not only the eight most frequent: a kind recorded once is still answered as itself."""
    modes = [f"MODE_{n}" for n in range(12)]
    sessions = [
        (f"s{n}{m}", [exchange(ORG, "POST", APPS, 200, {"id": f"0oa{n}{m}abcdEFGHijklm", **sent}, sent)])
        for n, mode in enumerate(modes)
        for m in range(1 if n == len(modes) - 1 else 2)
        if (sent := {"label": f"App {n} of {m}", "signOnMode": mode, "settings": {"app": {f"for_{mode}": m}}})
    ]
    assert len(modes) <= VARIANTS
    op = next(o for o in infer("okta", sessions).operations if o.method == "POST")
    rare = [v for v in op.variants if v.request and v.request.get("signOnMode") == modes[-1]]
    assert len(rare) == 1 and rare[0].response["settings"]["app"] == {f"for_{modes[-1]}": 0}
