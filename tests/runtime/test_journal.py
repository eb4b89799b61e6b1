"""The request journal: every vendor exchange per tenant, in the trace format, paged."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from recorder.trace import Exchange
from tests.runtime.conftest import Twin


async def journal(twin: Twin, **params: Any) -> dict[str, Any]:
    result: dict[str, Any] = await twin.admin_json("GET", "/journal", params=params)
    return result


async def test_exchanges_are_in_the_trace_format(twin: Twin) -> None:
    auth = await twin.auth()
    created = await twin.create_note("journaled", auth, tags=["j"])
    await twin.http.get("/v1/notes", headers=auth, params={"limit": 1})

    page = await journal(twin)
    assert page["tenant"] == "default"
    assert page["next_after"] is None
    exchanges = [Exchange.model_validate(item) for item in page["exchanges"]]
    assert len(exchanges) == 2
    post, get = exchanges
    assert post.v == 1
    assert post.service == "sample"
    assert post.session == "default"
    assert post.seq < get.seq
    assert post.ts.endswith("Z")
    assert post.duration_ms >= 0
    assert post.request.method == "POST"
    assert post.request.url == "http://testserver/v1/notes"
    assert json.loads(post.request.body.text) == {"title": "journaled", "tags": ["j"]}
    assert post.header("request", "authorization") == "Bearer REDACTED"  # stored masked
    assert post.response.status == 201
    assert json.loads(post.response.body.text) == created.json()
    assert post.header("response", "content-type") == "application/json"
    assert get.request.method == "GET"
    assert get.request.url == "http://testserver/v1/notes?limit=1"
    assert get.response.status == 200
    # The stored form round-trips through a JSONL line.
    assert Exchange.model_validate_json(post.json_line()) == post


async def test_admin_calls_are_not_journaled(twin: Twin) -> None:
    await twin.admin("GET", "/state")
    await twin.http.get("/_twin/health")
    await twin.admin("GET", "/nope")
    assert (await journal(twin))["exchanges"] == []


async def test_errors_and_unauthenticated_calls_are_journaled(twin: Twin) -> None:
    await twin.http.get("/v1/notes")  # no credential: served by the default tenant
    await twin.http.get("/nowhere")
    await twin.http.post("/v1/notes", json={})
    statuses = [e["response"]["status"] for e in (await journal(twin))["exchanges"]]
    assert statuses == [401, 404, 422]


async def test_binary_bodies_are_base64(twin: Twin) -> None:
    await twin.http.post("/v1/notes", content=b"\xff\xfe\x00", headers=await twin.auth())
    [entry] = (await journal(twin))["exchanges"]
    assert entry["request"]["body"] == {"text": "//4A", "encoding": "base64"}


async def test_paging(twin: Twin) -> None:
    auth = await twin.auth()
    for i in range(7):
        await twin.create_note(f"p{i}", auth)
    seen: list[str] = []
    after = 0
    pages = 0
    while True:
        page = await journal(twin, after=after, limit=3)
        pages += 1
        seen += [json.loads(e["request"]["body"]["text"])["title"] for e in page["exchanges"]]
        if page["next_after"] is None:
            break
        assert page["next_after"] == page["exchanges"][-1]["seq"]
        after = page["next_after"]
    assert seen == [f"p{i}" for i in range(7)]
    assert pages == 3
    # Past the end there is nothing, and no cursor.
    last_seq = (await journal(twin))["exchanges"][-1]["seq"]
    assert await journal(twin, after=last_seq) == {"tenant": "default", "exchanges": [], "next_after": None}


async def test_filters_by_method_and_path(twin: Twin) -> None:
    auth = await twin.auth()
    note = (await twin.create_note("f", auth)).json()
    await twin.http.get(f"/v1/notes/{note['id']}", headers=auth)
    await twin.http.get("/v1/notes", headers=auth)
    await twin.http.delete(f"/v1/notes/{note['id']}", headers=auth)

    gets = (await journal(twin, method="get"))["exchanges"]
    assert [e["request"]["method"] for e in gets] == ["GET", "GET"]
    by_id = (await journal(twin, path=note["id"]))["exchanges"]
    assert [e["request"]["method"] for e in by_id] == ["GET", "DELETE"]
    both = (await journal(twin, method="DELETE", path=note["id"]))["exchanges"]
    assert len(both) == 1 and both[0]["response"]["status"] == 204
    filtered_page = await journal(twin, method="GET", limit=1)
    assert len(filtered_page["exchanges"]) == 1 and filtered_page["next_after"] is not None


async def test_journal_is_per_tenant(twin: Twin) -> None:
    await twin.new_tenant("acme")
    await twin.create_note("for acme", await twin.auth("acme"))
    await twin.create_note("for default", await twin.auth())
    acme = (await journal(twin, tenant="acme"))["exchanges"]
    default = (await journal(twin))["exchanges"]
    assert [json.loads(e["request"]["body"]["text"])["title"] for e in acme] == ["for acme"]
    assert [json.loads(e["request"]["body"]["text"])["title"] for e in default] == ["for default"]
    assert {e["session"] for e in acme} == {"acme"}
    # Deleting a tenant forgets its journal.
    await twin.admin_json("DELETE", "/tenants/acme")
    await twin.new_tenant("acme")
    assert (await journal(twin, tenant="acme"))["exchanges"] == []


async def test_journal_keeps_the_newest_entries(make_twin: Callable[..., Twin]) -> None:
    twin = make_twin(journal_limit=3)
    auth = await twin.auth()
    for i in range(5):
        await twin.create_note(f"n{i}", auth)
    titles = [json.loads(e["request"]["body"]["text"])["title"] for e in (await journal(twin))["exchanges"]]
    assert titles == ["n2", "n3", "n4"]


async def test_journal_keeps_within_its_byte_budget(make_twin: Callable[..., Twin]) -> None:
    twin = make_twin(journal_bytes=1_000)
    auth = await twin.auth()
    for i in range(5):
        await twin.create_note(f"n{i}-" + "x" * 150, auth)  # ~170 bytes in, ~220 out
    entries = (await journal(twin))["exchanges"]
    titles = [json.loads(e["request"]["body"]["text"])["title"][:2] for e in entries]
    assert titles == ["n3", "n4"]
    await twin.create_note("y" * 5_000, auth)  # alone over the budget: still kept, alone
    entries = (await journal(twin))["exchanges"]
    assert [len(json.loads(e["request"]["body"]["text"])["title"]) for e in entries] == [5_000]


async def test_journal_can_be_off(make_twin: Callable[..., Twin]) -> None:
    twin = make_twin(journal=False)
    await twin.create_note("unrecorded", await twin.auth())
    assert (await journal(twin))["exchanges"] == []


async def test_reset_and_seed_clear_the_journal(twin: Twin) -> None:
    auth = await twin.auth()
    await twin.create_note("x", auth)
    await twin.admin_json("POST", "/reset")
    assert (await journal(twin))["exchanges"] == []
    await twin.create_note("y", auth)
    await twin.admin_json("POST", "/seed")
    assert (await journal(twin))["exchanges"] == []
