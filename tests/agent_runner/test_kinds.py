"""Kinds of item: a create's word-valued request field (an Okta app's `name`) decides the fields
of an object the request supplies (`settings.app`), and a value sent can be stored otherwise
(`AUTO_LOGIN` sent with a catalog app's `name` is answered `BROWSER_PLUGIN`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agent_runner.infer import infer
from recorder.trace import Exchange
from tests.agent_runner.conftest import app_of, client_for, generated
from tests.agent_runner.traffic import ORG, exchange

APPS = "/api/v1/apps"


def made(n: int, sent: dict[str, Any], mode: str, app: dict[str, Any]) -> list[Exchange]:
    aid = f"0oa{n}abcdEFGH{n}ijklm{n}"
    answer = {
        "id": aid,
        "name": sent.get("name", f"custom_{n}"),
        "label": sent["label"],
        "signOnMode": mode,
        "settings": {"app": app, "notes": {"admin": None}},
    }
    return [
        exchange(ORG, "POST", APPS, 200, answer, sent),
        exchange(ORG, "GET", f"{APPS}/{aid}", 200, answer),
        exchange(ORG, "PUT", f"{APPS}/{aid}", 200, answer, sent),
    ]


def sent(n: int, name: str | None, mode: str, app: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {"label": f"App {n}", "signOnMode": mode, "settings": {"app": app}}
    return {**body, "name": name} if name else body


def sessions() -> dict[str, list[Exchange]]:
    pager = {"baseUrl": "https://example.com", "subdomain": "acme"}
    mark = {"url": "https://example.com"}
    return {
        "s1": made(1, sent(1, "pagerduty", "SAML_2_0", pager), "SAML_2_0", {**pager, "adminUserId": None}),
        "s2": made(2, sent(2, "pagerduty", "SAML_2_0", pager), "SAML_2_0", {**pager, "adminUserId": None}),
        "s3": made(
            3, sent(3, "bookmark", "BOOKMARK", mark), "BOOKMARK", {**mark, "requestIntegration": False}
        ),
        "s4": made(
            4, sent(4, "bookmark", "BOOKMARK", mark), "BOOKMARK", {**mark, "requestIntegration": False}
        ),
        "s5": made(5, sent(5, "office365", "AUTO_LOGIN", {"domain": "x"}), "BROWSER_PLUGIN", {"domain": "x"}),
        "s6": made(6, sent(6, None, "AUTO_LOGIN", {"url": "https://a"}), "AUTO_LOGIN", {"url": "https://a"}),
    }


def test_the_objects_a_kind_decides_and_the_values_it_stores_otherwise_are_learnt() -> None:
    res = infer("okta", list(sessions().items())).resources[APPS]
    assert res.kinds["name"]["objects"] == ["settings.app"]
    assert res.kinds["name"]["of"]["pagerduty"]["settings.app"] == {
        "fields": ["adminUserId", "baseUrl", "subdomain"],
        "values": {"adminUserId": None},
    }
    assert "office365" not in res.kinds["name"]["of"]  # one answer shows no kind
    assert res.rewrites == [
        {"field": "signOnMode", "sent": "AUTO_LOGIN", "answer": "BROWSER_PLUGIN", "with": "name"}
    ]


def test_nothing_is_learnt_where_one_kind_answers_differently() -> None:
    odd = sessions()
    pager = {"baseUrl": "https://example.com", "subdomain": "acme"}
    odd["s2"] = made(2, sent(2, "pagerduty", "SAML_2_0", pager), "SAML_2_0", pager)
    res = infer("okta", list(odd.items())).resources[APPS]
    assert "name" not in res.kinds


async def test_a_create_of_a_recorded_kind_and_of_a_new_one(tmp_path: Path) -> None:
    app = app_of(generated(tmp_path, "okta", sessions()))
    try:
        async for client in client_for(app, "SSWS"):
            pager = {"baseUrl": "https://mine.example.com", "subdomain": "mine"}
            answer = (await client.post(APPS, json=sent(7, "pagerduty", "AUTO_LOGIN", pager))).json()
            assert answer["signOnMode"] == "BROWSER_PLUGIN"
            assert answer["settings"]["app"] == {**pager, "adminUserId": None}
            read = (await client.get(f"{APPS}/{answer['id']}")).json()
            assert read["signOnMode"] == "BROWSER_PLUGIN"
            assert read["settings"]["app"] == {**pager, "adminUserId": None}
            put = await client.put(f"{APPS}/{answer['id']}", json=sent(7, "pagerduty", "AUTO_LOGIN", pager))
            assert put.json()["signOnMode"] == "BROWSER_PLUGIN"
            other = (await client.post(APPS, json=sent(8, "aws_console", "AUTO_LOGIN", {}))).json()
            assert other["signOnMode"] == "BROWSER_PLUGIN"
            assert other["settings"]["app"] == {}  # a kind never recorded: what was sent
            custom = (await client.post(APPS, json=sent(9, None, "AUTO_LOGIN", {"url": "https://b"}))).json()
            assert custom["signOnMode"] == "AUTO_LOGIN"
    finally:
        app.state.twin.store.stop()
