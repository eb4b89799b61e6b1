"""Tasks, served three ways: a Jira-like REST API under three prefixes (Basic or bearer auth,
startAt/total and nextPageToken paging) and a Slack-like RPC flavour (`/api/tasks.list`)."""

from __future__ import annotations

from typing import Any

from twins._runtime.collection import Row
from twins.kit import (
    SLACK,
    BasicOrBearer,
    BodyCursor,
    Call,
    OffsetTotal,
    Registry,
    Reply,
    SlackTokens,
    TokenPages,
)

SCOPES = frozenset({"read:tasks", "write:tasks", "manage:webhooks"})
BASIC = BasicOrBearer(collection="example_tokens", subject="user_id", vocabulary=SCOPES)
TOKENS = SlackTokens(collection="example_tokens", revoked_field=None, vocabulary=SCOPES)
PREFIXES = ("/rest/api/2", "/rest/api/3", "/rest/api/latest")

rest = Registry(auth=BASIC, tags=("tasks",), prefixes=PREFIXES)
rpc = Registry(auth=TOKENS, tags=("rpc",), style=SLACK)


def render(row: Row) -> dict[str, Any]:
    return {"id": row["id"], "title": row["title"], "done": row["done"], "owner": row["owner"]}


def find(call: Call, task_id: str) -> Row:
    row = call.state["example_tasks"].get(task_id)
    if row is None:
        raise call.error("not_found", f"Task {task_id} does not exist.")
    return row


@rest.operation("GET", "/myself", scope=())
def myself(call: Call) -> dict[str, Any]:
    """The calling user and how they signed in."""
    user = call.state["example_users"].get(call.caller.subject) or {}
    return {"accountId": call.caller.subject, "emailAddress": user.get("email"), "auth": call.caller.kind}


@rest.operation("GET", "/task", scope="read:tasks", page=OffsetTotal(items="values", default=2, most=50))
def list_tasks(call: Call) -> list[dict[str, Any]]:
    """Tasks in creation order; `?done=true|false` filters."""
    rows = list(call.state["example_tasks"])
    if "done" in call.args:
        wanted = call.args.flag("done")
        rows = [r for r in rows if r["done"] is wanted]
    return [render(r) for r in call.page(rows)]


@rest.operation("POST", "/task", scope="write:tasks", write=True, status=201)
def create_task(call: Call) -> dict[str, Any]:
    """A new task of the caller's; emits `task_created`."""
    body = call.require_body()
    title = body.text("title", required=True)
    task_id = call.ids.next("task", prefix="T-", length=6)
    row = call.state["example_tasks"].insert(
        {"id": task_id, "title": title, "owner": call.caller.subject, "created": call.now()}
    )
    call.emit("task_created", {"task": render(row)})
    return render(row)


@rest.operation("GET", "/task/{taskId}", scope="read:tasks")
def get_task(call: Call) -> dict[str, Any]:
    """One task."""
    return render(find(call, call.path["taskId"]))


@rest.operation("PUT", "/task/{taskId}", scope="write:tasks", write=True)
def update_task(call: Call) -> dict[str, Any]:
    """Change the title or `done`; emits `task_updated`."""
    row = find(call, call.path["taskId"])
    body = call.require_body()
    changes = {"title": body.text("title", row["title"]), "done": body.flag("done", row["done"])}
    row = call.state["example_tasks"].update(row["id"], **changes)
    call.emit("task_updated", {"task": render(row)})
    return render(row)


@rest.operation("DELETE", "/task/{taskId}", scope="write:tasks", write=True, status=204)
def delete_task(call: Call) -> None:
    """Delete a task."""
    call.state["example_tasks"].delete(find(call, call.path["taskId"])["id"])


@rest.operation(
    "GET", "/search", scope="read:tasks", page=TokenPages(items="tasks", default=2), rate="search"
)
def search(call: Call) -> list[dict[str, Any]]:
    """Tasks whose title holds `q`, by `orderBy` (created or title); rate limited."""
    q = call.args.text("q").lower()
    order = call.args.enum("orderBy", ("created", "title"), "created")
    rows = sorted((r for r in call.state["example_tasks"] if q in r["title"].lower()), key=lambda r: r[order])
    return [render(r) for r in call.page(rows)]


@rpc.rpc("tasks.list", scope=("read:tasks", "write:tasks"), page=BodyCursor(kind="tasks", default=2))
def rpc_list(call: Call) -> dict[str, Any]:
    """Tasks, by Slack-style cursor."""
    return {"tasks": [render(r) for r in call.page(list(call.state["example_tasks"]))]}


@rpc.rpc("tasks.complete", scope="write:tasks", write=True)
def rpc_complete(call: Call) -> Reply:
    """Mark a task done; emits `task_updated`."""
    task_id = call.args.text("task", required=True)
    row = call.state["example_tasks"].get(task_id)
    if row is None:
        raise call.error("task_not_found")
    row = call.state["example_tasks"].update(task_id, done=True)
    call.emit("task_updated", {"task": render(row)})
    return Reply({"task": render(row)}, headers={"X-Example": "completed"})
