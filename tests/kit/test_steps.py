"""What an operation may add to a plain handler: a write kept with an error answer
(`Reply(error=…)`), I/O before the handler (`before=`), a page size of the handler's own
(`call.page(rows, default=…)`) and a cursor shape (`LinkAfter(cursor=…)`)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.kit.conftest import ADMIN_TOKEN
from tests.kit.example_twin import kit
from twins._runtime.app import build_app
from twins._runtime.settings import Settings
from twins.kit import Call, LinkAfter, Registry, Reply, runtime_of

steps = Registry(auth=None, tags=("steps",))
TASK = re.compile(r"T-\d{6}")


@steps.operation("POST", "/steps/refused", write=True, body="none")
def refused(call: Call) -> Reply:
    """Writes a task, then answers an error: the task stays."""
    call.state["example_tasks"].insert(
        {"id": "T-999999", "title": "kept", "owner": "", "created": call.now()}
    )
    return Reply(error=call.error("bad_request", "refused after the write", status=409))


async def fetch(call: Call) -> str:
    """Stands for I/O (a call to a hook): runs before the handler, outside the store."""
    return f"fetched for {call.args.text('who', 'nobody')}"


@steps.operation("GET", "/steps/fetched", before=fetch)
def fetched(call: Call) -> dict[str, Any]:
    return {"fetched": call.fetched}


@steps.operation("GET", "/steps/pages", page=LinkAfter(default=5, most=50, cursor=TASK.fullmatch))
def paged(call: Call) -> list[str]:
    rows = [{"id": f"T-{n:06d}"} for n in range(30)]
    chunk = call.page(rows, default=3 if call.args.get("few") else None)
    return [r["id"] for r in chunk]


@pytest.fixture
def app(tmp_path: Path) -> Iterator[FastAPI]:
    twin = kit()
    twin = replace(twin, registries=[*twin.registries, steps])
    served = build_app(twin.service(), Settings(data_dir=tmp_path, admin_token=ADMIN_TOKEN, seed_size=5))
    yield served
    runtime_of(served.state.twin).stop()
    served.state.twin.store.stop()


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        yield http


async def test_an_error_reply_keeps_the_write(client: httpx.AsyncClient, app: FastAPI) -> None:
    response = await client.post("/steps/refused")
    assert response.status_code == 409
    assert response.json()["errorMessages"] == ["refused after the write"]
    state = app.state.twin.store.get("default")
    assert state is not None and state["example_tasks"].get("T-999999") is not None


async def test_the_before_step_runs_first_and_the_handler_reads_its_result(client: httpx.AsyncClient) -> None:
    response = await client.get("/steps/fetched", params={"who": "ada"})
    assert response.json() == {"fetched": "fetched for ada"}


async def test_a_handler_may_give_its_own_default_page_size(client: httpx.AsyncClient) -> None:
    assert len((await client.get("/steps/pages")).json()) == 5
    assert len((await client.get("/steps/pages", params={"few": "1"})).json()) == 3
    assert len((await client.get("/steps/pages", params={"few": "1", "limit": "7"})).json()) == 7


async def test_a_cursor_of_the_wrong_shape_is_refused_an_unknown_one_ends_the_list(
    client: httpx.AsyncClient,
) -> None:
    first = await client.get("/steps/pages")
    assert 'rel="next"' in first.headers["link"] and "after=T-000004" in first.headers["link"]
    assert (await client.get("/steps/pages", params={"after": "T-000004"})).json()[0] == "T-000005"
    assert (await client.get("/steps/pages", params={"after": "T-123456"})).json() == []
    refused = await client.get("/steps/pages", params={"after": "garbage"})
    assert refused.status_code == 400
    assert refused.json() == {"errorMessages": [], "errors": {"after": "The cursor is not valid"}}
