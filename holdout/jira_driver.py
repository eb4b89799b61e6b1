"""Jira in a trial: users, projects and issues seeded through the Jira REST API with the site admin's
token; stimuli (a person creates, comments on, transitions, assigns an issue); expectations on an
issue's status, assignee, labels and comments, JQL counts, and "no other Jira change"."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import quote

from holdout.rules import Outcome, counted, other_writes
from holdout.seeding import World, stimulus
from holdout.twinset import TwinsError, TwinSet

API = "/rest/api/3"


def jira_auth(world: World) -> str:
    creds = world.creds["jira"]
    return "Basic " + base64.b64encode(f"{creds['email']}:{creds['api_token']}".encode()).decode()


async def jira_call(twins: TwinSet, world: World, method: str, path: str, body: Any = None) -> Any:
    """A Jira REST call as the site admin; a non-2xx answer raises with Jira's messages."""
    resp = await stimulus(twins["jira"], world.tenant, jira_auth(world), method, f"{API}{path}", body)
    if resp.status_code >= 300:
        data = resp.json() if resp.content else {}
        messages = [*(data.get("errorMessages") or []), *(data.get("errors") or {}).values()]
        raise TwinsError(f"jira {method} {path}: {resp.status_code} {'; '.join(map(str, messages))}")
    return resp.json() if resp.content else None


def doc(text: str) -> dict[str, Any]:
    """Plain text as an Atlassian document (what API v3 takes for descriptions and comments)."""
    lines = text.split("\n")
    paragraphs = [{"type": "paragraph", "content": [{"type": "text", "text": line}]} for line in lines]
    return {"type": "doc", "version": 1, "content": paragraphs}


def doc_text(value: Any) -> str:
    """Every text node of an Atlassian document (or a plain string), joined."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        own = [value["text"]] if isinstance(value.get("text"), str) else []
        return " ".join(own + [doc_text(v) for v in value.get("content") or []]).strip()
    return ""


def account(world: World, alias: str | None) -> str | None:
    if alias is None:
        return None
    person = world.person(alias)
    if not person.jira_id:
        raise TwinsError(f"{alias!r} has no Jira user; list it under seed.jira.users")
    return person.jira_id


def issue_key(world: World, ref: str) -> str:
    """A ref given to an issue in the seed or a step, or an issue key as it is."""
    return world.issues.get(ref, ref)


async def seed_jira(twins: TwinSet, seed: dict[str, Any], world: World) -> None:
    """Users for people (by e-mail), projects (an existing key is reused) and their issues."""
    for user in seed.get("users") or []:
        person = world.person(user["person"])
        found = await jira_call(twins, world, "GET", f"/user/search?query={quote(person.email)}")
        match = [u for u in found if str(u.get("emailAddress", "")).lower() == person.email.lower()]
        if match:
            person.jira_id = match[0]["accountId"]
        else:
            body = {"emailAddress": person.email, "displayName": f"{person.first} {person.last}".strip()}
            person.jira_id = (await jira_call(twins, world, "POST", "/user", body))["accountId"]
    for project in seed.get("projects") or []:
        listed = await jira_call(twins, world, "GET", "/project")
        if not any(p["key"] == project["key"] for p in listed):
            lead = account(world, project.get("lead")) or world.creds["jira"]["account_id"]
            body = {
                "key": project["key"],
                "name": project.get("name") or project["key"],
                "projectTypeKey": project.get("type", "software"),
                "leadAccountId": lead,
            }
            await jira_call(twins, world, "POST", "/project", body)
        for issue in project.get("issues") or []:
            await create_issue(twins, world, {**issue, "project": project["key"]})


async def create_issue(twins: TwinSet, world: World, spec: dict[str, Any]) -> str:
    """A new issue (`as` reports it), moved to `status` and commented as asked; its key."""
    fields: dict[str, Any] = {
        "project": {"key": spec["project"]},
        "summary": spec["summary"],
        "issuetype": {"name": spec.get("type", "Task")},
        "labels": list(spec.get("labels") or []),
    }
    if spec.get("description"):
        fields["description"] = doc(spec["description"])
    reporter = account(world, spec.get("as") or spec.get("reporter"))
    if reporter:
        fields["reporter"] = {"accountId": reporter}
    if spec.get("assignee"):
        fields["assignee"] = {"accountId": account(world, spec["assignee"])}
    key = str((await jira_call(twins, world, "POST", "/issue", {"fields": fields}))["key"])
    if spec.get("ref"):
        world.issues[spec["ref"]] = key
    for text in spec.get("comments") or []:
        await jira_call(twins, world, "POST", f"/issue/{key}/comment", {"body": doc(text)})
    if spec.get("status"):
        await transition(twins, world, {"issue": key, "status": spec["status"]})
    return key


async def comment(twins: TwinSet, world: World, spec: dict[str, Any]) -> None:
    key = issue_key(world, spec["issue"])
    await jira_call(twins, world, "POST", f"/issue/{key}/comment", {"body": doc(spec["body"])})


async def transition(twins: TwinSet, world: World, spec: dict[str, Any]) -> None:
    """Take the transition into `status` (or the transition of that name) the workflow offers."""
    key = issue_key(world, spec["issue"])
    offered = (await jira_call(twins, world, "GET", f"/issue/{key}/transitions"))["transitions"]
    want = str(spec["status"]).lower()
    move = next((t for t in offered if t["to"]["name"].lower() == want or t["name"].lower() == want), None)
    if move is None:
        names = ", ".join(t["to"]["name"] for t in offered)
        raise TwinsError(f"issue {key} cannot move to {spec['status']!r} (it can move to: {names})")
    await jira_call(twins, world, "POST", f"/issue/{key}/transitions", {"transition": {"id": move["id"]}})


async def assign(twins: TwinSet, world: World, spec: dict[str, Any]) -> None:
    key = issue_key(world, spec["issue"])
    body = {"accountId": account(world, spec.get("to"))}
    await jira_call(twins, world, "PUT", f"/issue/{key}/assignee", body)


async def create_step(twins: TwinSet, world: World, spec: dict[str, Any]) -> None:
    await create_issue(twins, world, spec)


STEPS = {
    "jira.create_issue": create_step,
    "jira.comment": comment,
    "jira.transition": transition,
    "jira.assign": assign,
}


async def search(twins: TwinSet, world: World, jql: str) -> list[dict[str, Any]]:
    """Every issue the JQL finds, as the REST search gives them (status, assignee, labels)."""
    out: list[dict[str, Any]] = []
    body: dict[str, Any] = {"jql": jql, "fields": ["status", "assignee", "labels"], "maxResults": 5000}
    while True:
        page = await jira_call(twins, world, "POST", "/search/jql", body)
        out += page.get("issues") or []
        if page.get("isLast", True) or not page.get("nextPageToken"):
            return out
        body["nextPageToken"] = page["nextPageToken"]


async def jira_issue(twins: TwinSet, world: World, spec: dict[str, Any]) -> Outcome:
    """An issue (by ref or key, or the newest the JQL finds) has the status, assignee, labels and
    comments asked for."""
    if "jql" in spec:
        try:
            found = await search(twins, world, f"{spec['jql']} ORDER BY created DESC")
        except TwinsError as exc:  # a JQL error is the scenario's, and a verdict
            return Outcome("jira.issue", False, str(exc))
        if not found:
            return Outcome("jira.issue", False, f"no issue matches {spec['jql']!r}")
        key = found[0]["key"]
    else:
        key = issue_key(world, spec["issue"])
    resp = await stimulus(twins["jira"], world.tenant, jira_auth(world), "GET", f"{API}/issue/{key}", None)
    if resp.status_code != 200:
        return Outcome("jira.issue", False, f"issue {key}: {resp.status_code}")
    fields = resp.json()["fields"]
    problems = []
    status = fields["status"]["name"]
    if "status" in spec and status.lower() != str(spec["status"]).lower():
        problems.append(f"status {status!r}")
    if "assignee" in spec:
        have = (fields.get("assignee") or {}).get("accountId")
        if have != account(world, spec["assignee"]):
            problems.append(f"assignee {have!r}")
    missing = [label for label in spec.get("labels") or [] if label not in fields.get("labels", [])]
    if missing:
        problems.append(f"labels {fields.get('labels')} lack {missing}")
    texts = [doc_text(c["body"]) for c in (fields.get("comment") or {}).get("comments") or []]
    if "comment_contains" in spec:
        wanted = str(spec["comment_contains"]).lower()
        texts = [t for t in texts if wanted in t.lower()]
        if not texts:
            problems.append(f"no comment contains {spec['comment_contains']!r}")
    if "comments" in spec and len(texts) != spec["comments"]:
        problems.append(f"{len(texts)} comments, wanted {spec['comments']}")
    return Outcome("jira.issue", not problems, f"issue {key}: {'; '.join(problems) or 'as expected'}")


async def jira_count(twins: TwinSet, world: World, spec: dict[str, Any]) -> Outcome:
    try:
        found = await search(twins, world, spec["jql"])
    except TwinsError as exc:
        return Outcome("jira.count", False, str(exc))
    return counted("jira.count", len(found), spec, f"issues matching {spec['jql']!r}")


# The JQL searches are POSTs that change nothing.
SEARCHES = [
    {"method": "POST", "path": "/rest/api/*/search"},
    {"method": "POST", "path": "/rest/api/*/search/*"},
]


async def jira_no_other_changes(twins: TwinSet, world: World, spec: dict[str, Any]) -> Outcome:
    """No successful Jira write by the app except the allowed ones (method and path glob)."""
    other = await other_writes(twins, world, "jira", [*(spec.get("allow") or []), *SEARCHES])
    return Outcome("jira.no_other_changes", not other, f"other Jira writes: {other}")


CHECKS = {"jira.issue": jira_issue, "jira.count": jira_count, "jira.no_other_changes": jira_no_other_changes}
