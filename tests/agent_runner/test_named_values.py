"""Answers that name an item by a value its create sent (`twins.kit.named`): a link to the item by
the name the client chose, a value built around a sent one (a DNS record of a sent domain, as the
vendor lowercased it), each made from this request's value rather than the recorded one's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from recorder.trace import Exchange
from tests.agent_runner.conftest import app_of, client_for, generated
from tests.agent_runner.traffic import ORG, exchange
from twins.kit.named import named_links

PATH = "/api/v1/meta/links"


def definition(name: str) -> dict[str, Any]:
    return {
        "primary": {"name": name, "title": "Manager"},
        "_links": {"self": {"href": f"{ORG}{PATH}/{name}"}},
    }


def session(n: int) -> list[Exchange]:
    name = f"testAcc_{n}81537_{n}"
    sent = {"primary": {"name": name, "title": "Manager"}}
    return [
        exchange(ORG, "POST", PATH, 201, definition(name), sent),
        exchange(ORG, "GET", f"{PATH}/{name}", 200, definition(name)),
        exchange(ORG, "DELETE", f"{PATH}/{name}", 204),
    ]


def test_a_sent_value_in_the_recorded_answer_takes_this_requests_value() -> None:
    recorded = {"domain": "testAcc-12345.example.com", "secret": "hush-1234"}
    given = {"domain": "mine.example.com", "secret": "other-999"}
    body = {
        "records": [
            {"fqdn": "_verify.testacc-12345.example.com"},
            {"fqdn": "testacc-12345.example.com", "note": "xtestacc-12345.example.com"},
        ],
        "link": "https://h.test/items/testAcc-12345.example.com?x=1",
        "kept": "hush-1234",
    }
    assert named_links(body, recorded, given) == {
        "records": [
            {"fqdn": "_verify.mine.example.com"},  # written in lower case, as the vendor did
            {"fqdn": "mine.example.com", "note": "xtestacc-12345.example.com"},  # inside a name: kept
        ],
        "link": "https://h.test/items/mine.example.com?x=1",
        "kept": "hush-1234",  # a secret is never answered: nothing to follow
    }
    # a plain word is as likely a fixed part of the vendor's paths: left alone
    assert named_links({"u": "https://h.test/groups/1"}, {"k": "groups"}, {"k": "others"}) == {
        "u": "https://h.test/groups/1"
    }
    # one recorded value sent in two places, now two different values: neither is followed
    same = {"a": "abcd1234", "b": "abcd1234"}
    assert named_links({"u": "x/abcd1234"}, same, {"a": "zzzz9999", "b": "yyyy9999"}) == {"u": "x/abcd1234"}


async def test_a_created_item_links_to_itself_by_the_name_sent(tmp_path: Path) -> None:
    app = app_of(generated(tmp_path, "okta", {f"s{n}": session(n) for n in range(3)}))
    mine = "testAcc_mine_one"
    try:
        async for client in client_for(app, "SSWS"):
            made = (await client.post(PATH, json={"primary": {"name": mine, "title": "Manager"}})).json()
            assert made["_links"]["self"]["href"].endswith(f"{PATH}/{mine}")
            read = await client.get(f"{PATH}/{mine}")
            assert read.status_code == 200 and read.json()["primary"]["name"] == mine
            assert (await client.delete(f"{PATH}/{mine}")).status_code == 204
    finally:
        app.state.twin.store.stop()
