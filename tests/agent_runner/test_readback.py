"""What a create stores where reads answer more than creates: the read of an item made by the
most alike recorded request (`agent_runner.readback`, `twins.kit.resources.Engine.document`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from agent_runner.fidelity import app_factory
from agent_runner.readback import kind
from recorder.trace import Body, Exchange, Request, Response
from tests.agent_runner.conftest import client_for, generated
from twins.twin_dir import load_service

SITE = "https://acme.atlassian.net"
ISSUES = "/rest/api/2/issue"


def jira(method: str, path: str, status: int, body: Any = None, sent: Any = None) -> Exchange:
    return Exchange(
        service="jira",
        request=Request(
            method=method, url=SITE + path, headers=[], body=Body(text=json.dumps(sent) if sent else "")
        ),
        response=Response(
            status=status,
            headers=[("Content-Type", "application/json")],
            body=Body(text=json.dumps(body) if body is not None else ""),
        ),
    )


def created(project: str, number: int, summary: str) -> list[Exchange]:
    """A create in `project` and the read of what it made; a team-managed project (`TEST`) shows
    `simplified` true and the issue type's `entityId`, a company-managed one neither."""
    sent = {"fields": {"project": {"key": project}, "issuetype": {"name": "Task"}, "summary": summary}}
    iid, key = str(20000 + number), f"{project}-{number}"
    issuetype: dict[str, Any] = {"name": "Task", **({"entityId": "e-1"} if project == "TEST" else {})}
    read = {
        "id": iid,
        "key": key,
        "self": f"{SITE}{ISSUES}/{iid}",
        "fields": {
            "project": {"key": project, "simplified": project == "TEST"},
            "issuetype": issuetype,
            "summary": summary,
        },
    }
    return [
        jira("POST", ISSUES, 201, {"id": iid, "key": key, "self": f"{SITE}{ISSUES}/{iid}"}, sent),
        jira("GET", f"{ISSUES}/{iid}", 200, read),
    ]


async def test_a_create_stores_the_read_of_an_item_made_by_the_most_alike_request(tmp_path: Path) -> None:
    sessions = {
        "a": created("NTEST", 1, "First") + created("NTEST", 2, "Second"),
        "b": created("NTEST", 3, "Third"),
        "c": created("TEST", 4, "Fourth"),
    }
    twin = generated(tmp_path, "jira", sessions)
    app = app_factory(load_service(twin))
    try:
        async for client in client_for(app, "Basic"):
            read = {}
            for project in ("TEST", "NTEST"):
                sent = {
                    "fields": {"project": {"key": project}, "issuetype": {"name": "Task"}, "summary": "New"}
                }
                made = (await client.post(ISSUES, json=sent)).json()
                read[project] = (await client.get(f"{ISSUES}/{made['id']}")).json()["fields"]
    finally:
        app.state.twin.store.stop()
    assert read["TEST"]["project"] == {"key": "TEST", "simplified": True}
    assert read["TEST"]["issuetype"].get("entityId") == "e-1"
    assert read["NTEST"]["project"] == {"key": "NTEST", "simplified": False}
    assert "entityId" not in read["NTEST"]["issuetype"]


def test_the_kind_of_a_request_is_its_word_like_values_however_deep() -> None:
    sent = {"fields": {"project": {"key": "TEST"}, "issuetype": {"name": "Task"}, "summary": "A long one"}}
    assert kind(sent) == (("fields.issuetype.name", "Task"), ("fields.project.key", "TEST"))
    assert kind("text") == ()
