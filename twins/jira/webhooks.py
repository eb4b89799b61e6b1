"""Webhooks: admin webhooks (`/rest/webhooks/1.0/webhook`) and apps' dynamic ones (`/webhook`),
filtered by JQL on the issue as the write left it, signed when they have a secret, retried on
Jira's schedule, delivered once the write is durable."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from twins._runtime.collection import Row, TenantState
from twins.jira import issue_json, render
from twins.jira.auth import BASIC, registry
from twins.jira.jql import JqlError, search
from twins.jira.jql.memory import MemorySite
from twins.jira.models import next_id
from twins.jira.ops_site import site_of
from twins.jira.search_site import document, refresh_refs
from twins.kit import JIRA_RETRY, Call, Delivery, Event, HubSignature, OffsetTotal, Outbox, Registry

EVENTS = (
    "jira:issue_created", "jira:issue_updated", "jira:issue_deleted",
    "comment_created", "comment_updated", "comment_deleted",
)  # fmt: skip
EVENT_NAMES = {"jira:issue_created": "issue_created", "jira:issue_deleted": "issue_deleted"}
MANAGE = "manage:jira-webhook"
admin = Registry(auth=BASIC, tags=("webhooks",), prefixes=("/rest/webhooks/1.0",), rate="api")
dynamic = registry("webhooks")


def issue_event(call: Call, kind: str, row: Row, *, change: str | None = None, comment: Row | None = None,
                name: str | None = None) -> None:  # fmt: skip
    """Emit an event for the webhooks that listen to `kind` (nothing is rendered when none do)."""
    if not any(h["enabled"] and kind in h["events"] for h in call.state["jira_webhooks"]):
        return
    site = render.Site(call.base_url, "/rest/api/2")
    fields = issue_json.wanted_fields(["*all"])
    payload: dict[str, Any] = {
        "timestamp": int(call.now() * 1000),
        "webhookEvent": kind,
        "user": render.user_of(site, call.state, call.caller.subject),
    }
    if kind.startswith("comment_") and comment is not None:
        payload["comment"] = issue_json.comment(site, call.state, comment)
        payload["issue"] = issue_json.brief(site, row)
    else:
        payload["issue_event_type_name"] = name or EVENT_NAMES.get(kind, "issue_updated")
        payload["issue"] = issue_json.issue(site, call.state, row, fields, set())
    if change is not None:
        entry = call.state["jira_changes"].get(change)
        if entry is not None:
            payload["changelog"] = {"id": entry["id"], "items": entry["items"]}
    call.emit(kind, {"body": payload, "doc": document(call.state, row), "actor": call.caller.subject})


def matches(state: TenantState, jql: str, doc: dict[str, Any], actor: str) -> bool:
    """Whether one issue (its search document) meets a webhook's JQL filter."""
    if not jql.strip():
        return True
    site = MemorySite(now=datetime.fromtimestamp(state.clock.now(), UTC), current_user=actor)
    refresh_refs(site, state)
    site.put("0", doc)
    try:
        return bool(search(jql, site))
    except JqlError:
        return False


def route(state: TenantState, event: Event) -> list[Delivery]:
    out = []
    for hook in state["jira_webhooks"]:
        if not hook["enabled"] or event.type not in hook["events"]:
            continue
        if not matches(state, hook["jql"], event.payload["doc"], event.payload["actor"]):
            continue
        body = dict(event.payload["body"])
        if hook["kind"] == "dynamic":
            body["matchedWebhookIds"] = [int(hook["id"])]
        if hook["exclude_body"]:
            body = {}
        out.append(Delivery.json(hook["id"], hook["url"], body, secret=hook["secret"], event_id=event.type))
    return out


def outbox() -> Outbox:
    return Outbox(route, HubSignature(), JIRA_RETRY)


def _admin_json(call: Call, row: Row) -> dict[str, Any]:
    return {
        "name": row["name"],
        "url": row["url"],
        "events": row["events"],
        "filters": {"issue-related-events-section": row["jql"]},
        "excludeBody": row["exclude_body"],
        "enabled": row["enabled"],
        "self": f"{call.base_url.rstrip('/')}/rest/webhooks/1.0/webhook/{row['id']}",
        "lastUpdatedUser": call.caller.subject,
        "lastUpdated": int(row["created"] * 1000),
    }


def _check(call: Call, events: Any, url: Any, jql: Any) -> None:
    errors: dict[str, str] = {}
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        errors["url"] = "The webhook URL is invalid."
    if not isinstance(events, list) or not events or any(e not in EVENTS for e in events):
        errors["events"] = f"Events must be a non-empty list of: {', '.join(EVENTS)}."
    if jql:
        site = MemorySite()
        refresh_refs(site, call.state)
        try:
            search(str(jql), site)
        except JqlError as exc:
            errors["jqlFilter"] = exc.message
    if errors:
        raise call.error("bad_request", "", errors=errors)


@admin.operation("POST", "/webhook", scope=MANAGE, write=True, status=201)
def register(call: Call) -> dict[str, Any]:
    """An admin webhook: `name`, `url`, `events`, `filters.issue-related-events-section` (JQL)."""
    body = call.require_body()
    jql = body.obj("filters").get("issue-related-events-section", "") or ""
    _check(call, body.get("events"), body.get("url"), jql)
    row = call.state["jira_webhooks"].insert({
        "id": next_id(call.state, "webhook"), "name": body.text("name"), "url": body["url"],
        "events": list(body["events"]), "jql": jql, "secret": body.text("secret"),
        "enabled": body.flag("enabled", True), "exclude_body": body.flag("excludeBody", False),
        "created": call.now(),
    })  # fmt: skip
    return _admin_json(call, row)


@admin.operation("GET", "/webhook", scope=MANAGE)
def admin_list(call: Call) -> list[dict[str, Any]]:
    return [_admin_json(call, r) for r in call.state["jira_webhooks"] if r["kind"] == "admin"]


def _admin_hook(call: Call) -> Row:
    row = call.state["jira_webhooks"].get(call.path["id"])
    if row is None or row["kind"] != "admin":
        raise call.error("not_found", "Webhook not found.")
    return row


@admin.operation("GET", "/webhook/{id}", scope=MANAGE)
def admin_get(call: Call) -> dict[str, Any]:
    return _admin_json(call, _admin_hook(call))


@admin.operation("DELETE", "/webhook/{id}", scope=MANAGE, write=True, status=204)
def admin_delete(call: Call) -> None:
    call.state["jira_webhooks"].delete(_admin_hook(call)["id"])


@dynamic.operation("POST", "/webhook", scope=MANAGE, write=True)
def register_dynamic(call: Call) -> dict[str, Any]:
    """An app's webhooks: `{"url", "webhooks": [{"events", "jqlFilter"}]}`; one result each."""
    body = call.require_body()
    hooks = body.get("webhooks")
    if not isinstance(hooks, list) or not hooks:
        raise call.style.invalid("webhooks", "must be a non-empty list")
    results: list[dict[str, Any]] = []
    for hook in hooks:
        events, jql = hook.get("events"), hook.get("jqlFilter", "")
        try:
            _check(call, events, body.get("url"), jql)
        except Exception as exc:  # one bad webhook does not stop the others, as in Jira
            results.append({"errors": [getattr(exc, "message", str(exc))]})
            continue
        row = call.state["jira_webhooks"].insert({
            "id": next_id(call.state, "webhook"), "url": body["url"], "events": list(events),
            "jql": jql or "", "kind": "dynamic", "created": call.now(),
        })  # fmt: skip
        results.append({"createdWebhookId": int(row["id"])})
    return {"webhookRegistrationResult": results}


@dynamic.operation("GET", "/webhook", scope=MANAGE, page=OffsetTotal(items="values", default=100, most=100))
def list_dynamic(call: Call) -> list[dict[str, Any]]:
    rows = [r for r in call.state["jira_webhooks"] if r["kind"] == "dynamic"]
    expires = int((time.time() + 30 * 86400) * 1000)
    return [{"id": int(r["id"]), "jqlFilter": r["jql"], "events": r["events"], "expirationDate": expires}
            for r in call.page(rows)]  # fmt: skip


@dynamic.operation("DELETE", "/webhook", scope=MANAGE, write=True, status=202, body="json")
def delete_dynamic(call: Call) -> None:
    ids = call.require_body().get("webhookIds")
    if not isinstance(ids, list):
        raise call.style.invalid("webhookIds", "must be a list")
    for ident in ids:
        row = call.state["jira_webhooks"].get(str(ident))
        if row is not None and row["kind"] == "dynamic":
            call.state["jira_webhooks"].delete(row["id"])


__all__ = ["admin", "dynamic", "issue_event", "outbox", "site_of"]
