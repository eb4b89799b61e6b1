"""Answers as the vendor gave them at the time: where an operation's recorded answers split by
time (a field in every answer from a moment on, in none before), the twin answers from the
example of the side of that moment its clock is on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agent_runner.eras import moment
from agent_runner.infer import infer
from recorder.trace import Exchange
from tests.agent_runner.conftest import app_of, client_for, generated
from tests.agent_runner.traffic import ORG, exchange

GROUPS = "/api/v1/groups"
OLD = ["2025-03-13T23:24:20.000Z", "2025-03-14T09:00:00.000Z"]
NEW = ["2026-02-02T11:22:18.000Z", "2026-05-11T09:14:59.000Z"]
BEFORE, AFTER = 1741910400.0, 1780000000.0  # 2025-03-14, 2026-05-28


def group(n: int, owners: bool) -> dict[str, Any]:
    gid = f"00g{n}abcdEFGH{n}ijklm{n}"
    links = {"users": {"href": f"{ORG}{GROUPS}/{gid}/users"}}
    if owners:
        links["owners"] = {"href": f"{ORG}{GROUPS}/{gid}/owners"}
    return {"id": gid, "type": "OKTA_GROUP", "profile": {"name": f"group {n}"}, "_links": links}


def made(n: int, ts: str, owners: bool) -> list[Exchange]:
    sent, body = {"profile": {"name": f"group {n}"}}, group(n, owners)
    return [
        exchange(ORG, "POST", GROUPS, 200, body, sent).model_copy(update={"ts": ts}),
        exchange(ORG, "GET", f"{GROUPS}/{body['id']}", 200, body).model_copy(update={"ts": ts}),
    ]


def sessions() -> dict[str, list[Exchange]]:
    old = {f"old{n}": made(n, ts, False) for n, ts in enumerate(OLD)}
    return {**old, **{f"new{n}": made(n + 5, ts, True) for n, ts in enumerate(NEW)}}


def test_the_moment_answers_changed_shape_is_learnt_from_two_recordings_each_side() -> None:
    op = infer("okta", list(sessions().items())).operation("POST", GROUPS)
    assert op is not None and op.era is not None and len(op.eras) == 1
    assert 1741910400.0 < op.era <= 1770031338.0  # after the old answers, at the first new one
    both = {op.example.at if op.example else None, op.eras[0].at}
    assert len(both) == 2 and min(both) < op.era <= max(both)  # type: ignore[operator]
    # one recording on a side is no moment: the field may be that recording's own
    one = {k: v for k, v in sessions().items() if k != "new1"}
    assert infer("okta", list(one.items())).operation("POST", GROUPS).eras == []  # type: ignore[union-attr]


def test_a_field_in_answers_of_both_times_makes_no_moment() -> None:
    assert moment([(1.0, "a", {"x"}), (2.0, "b", {"x"}), (3.0, "c", {"x", "y"}), (4.0, "d", {"x"})]) is None
    assert moment([(1.0, "a", {"x"}), (2.0, "b", {"x"}), (3.0, "c", {"x", "y"}), (4.0, "d", {"y"})]) == 3.0


async def test_a_create_answers_as_the_vendor_did_at_the_tenants_time(tmp_path: Path) -> None:
    app = app_of(generated(tmp_path, "okta", sessions()))
    try:
        async for client in client_for(app, "SSWS"):
            for at, owners in ((BEFORE, False), (AFTER, True), (BEFORE, False)):
                assert (await client.post("/_twin/clock", json={"at": at})).status_code == 200
                body = (await client.post(GROUPS, json={"profile": {"name": "mine"}})).json()
                assert ("owners" in body["_links"]) is owners
                assert body["profile"]["name"] == "mine"
                if owners:
                    assert body["_links"]["owners"]["href"].endswith(f"{body['id']}/owners")
    finally:
        app.state.twin.store.stop()


APPS = "/api/v1/apps"


def app(n: int, mode: str, ts: str, relay: Any) -> list[Exchange]:
    """An app created; later apps answer `universalLogout`, and an empty relay state as null."""
    aid = f"0oa{n}abcdEFGH{n}ijklm{n}"
    sent = {"label": f"app {n}", "signOnMode": mode, "settings": {"relay": ""}}
    body: dict[str, Any] = {
        "id": aid,
        "label": sent["label"],
        "signOnMode": mode,
        "settings": {"relay": relay},
    }
    if ts >= NEW[0]:
        body["universalLogout"] = {"status": "DISABLED"}
    return [
        exchange(ORG, "POST", APPS, 200, body, sent).model_copy(update={"ts": ts}),
        exchange(ORG, "GET", f"{APPS}/{aid}", 200, body).model_copy(update={"ts": ts}),
    ]


def apps() -> dict[str, list[Exchange]]:
    old = {f"old{n}": app(n, "SAML_2_0", ts, "") for n, ts in enumerate(OLD)}
    new = {f"new{n}": app(n + 5, "SAML_2_0", ts, None) for n, ts in enumerate(NEW)}
    other = {f"oidc{n}": app(n + 8, "OPENID_CONNECT", ts, None) for n, ts in enumerate(NEW)}
    return {**old, **new, **other}


async def test_a_create_answered_per_kind_of_request_answers_as_at_the_tenants_time(tmp_path: Path) -> None:
    op = infer("okta", list(apps().items())).operation("POST", APPS)
    assert op is not None and op.variants and op.era is not None
    app_ = app_of(generated(tmp_path, "okta", apps()))
    sent = {"label": "mine", "signOnMode": "SAML_2_0", "settings": {"relay": ""}}
    try:
        async for client in client_for(app_, "SSWS"):
            for at, relay in ((BEFORE, ""), (AFTER, None)):
                assert (await client.post("/_twin/clock", json={"at": at})).status_code == 200
                body = (await client.post(APPS, json=sent)).json()
                assert body["settings"]["relay"] == relay and body["label"] == "mine"
                assert ("universalLogout" in body) is (at == AFTER)
    finally:
        app_.state.twin.store.stop()


ORG_DOC = "/api/v1/org"


def org_read(n: int, agent: str, ts: str) -> list[Exchange]:
    """A fixed document read by one kind of client; later answers hold `supportPhone`."""
    body: dict[str, Any] = {"id": "00o1abcdEFGH", "companyName": f"org {agent}"}
    if ts >= NEW[0]:
        body["supportPhone"] = "+1"
    read = exchange(ORG, "GET", ORG_DOC, 200, body)
    request = read.request.model_copy(update={"headers": [*read.request.headers, ("User-Agent", agent)]})
    return [read.model_copy(update={"ts": ts, "request": request})]


def org_reads() -> dict[str, list[Exchange]]:
    old = {f"old{n}": org_read(n, "sdk/1", ts) for n, ts in enumerate(OLD)}
    new = {f"new{n}": org_read(n, "sdk/1", ts) for n, ts in enumerate(NEW)}
    other = {f"cli{n}": org_read(n, "cli/7", ts) for n, ts in enumerate(NEW)}
    return {**old, **new, **other}


def test_a_fixed_documents_answers_per_kind_of_client_are_dated_and_kept_from_both_times() -> None:
    op = infer("okta", list(org_reads().items())).operation("GET", ORG_DOC)
    assert op is not None and op.era is not None and len(op.variants) == 2
    assert all(v.at is not None for v in op.variants)  # each made from answers of known times
    assert len(op.eras) == 1 and op.eras[0].client == op.variants[0].client
    assert op.eras[0].at is not None and op.eras[0].at < op.era  # type: ignore[operator]


async def test_a_fixed_document_answers_a_kind_of_client_as_at_the_tenants_time(tmp_path: Path) -> None:
    app_ = app_of(generated(tmp_path, "okta", org_reads()))
    try:
        async for client in client_for(app_, "SSWS"):
            for at, phone in ((BEFORE, False), (AFTER, True), (BEFORE, False)):
                assert (await client.post("/_twin/clock", json={"at": at})).status_code == 200
                body = (await client.get(ORG_DOC, headers={"User-Agent": "sdk/1"})).json()
                assert ("supportPhone" in body) is phone and body["companyName"] == "org sdk/1"
    finally:
        app_.state.twin.store.stop()
