"""Jira's parity profile: numeric ids and issue keys, Basic e-mail:token credentials, `nextPageToken`
and `startAt` paging; the projects and issues a recording assumes are made on the fresh site.

Only the vendor API (and `/_twin/credentials`) is used, so any Jira twin, hand-built or generated,
can be checked with it. Recorded Jira traffic has its credentials stripped: a request's class is
read from its answer (401: a credential Jira refused).
"""

from __future__ import annotations

import base64
import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from recorder.normalize import parse_json
from recorder.parity.profile import Credential, Headers, Profile
from recorder.parity.replay import Replay
from recorder.parity.session import Session
from recorder.trace import Exchange

API = "/rest/api/2"
# Jira's ids are decimal strings from per-kind sequences starting at 10000; smaller numbers (status
# "3", priority "1") are fixed configuration, the same on every site, and compared as values.
NUMERIC_ID = r"[1-9][0-9]{4,}"
ISSUE_KEY = r"[A-Z][A-Z0-9_]{0,9}-[1-9][0-9]*"
# A Cloud account id: 24 hex digits, or `712020:` and a UUID.
ACCOUNT_ID = r"[0-9a-f]{24}|[0-9]{6}:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
JIRA_ID = re.compile(rf"^(?:{NUMERIC_ID}|{ISSUE_KEY}|{ACCOUNT_ID})$")
ID_IN_TEXT = re.compile(rf"(?<![\w.:-])(?:{ISSUE_KEY}|{NUMERIC_ID})(?![\w.:-])")
ID_SEGMENT = re.compile(rf"^(?:{NUMERIC_ID}|{ISSUE_KEY}|[0-9]+)$")
INVALID_TOKEN = "ATATT3xParityInvalidToken0000000000000000000000"


def jira_traffic(exchanges: list[Exchange]) -> list[Exchange]:
    """The exchanges with the Jira site: those on a host that served a `/rest/` or `/plugins/` path
    (a recording also holds the recording app's own calls, a webhook receiver for one)."""
    hosts = {
        urlsplit(e.request.url).netloc
        for e in exchanges
        if urlsplit(e.request.url).path.startswith(("/rest/", "/plugins/"))
    }
    return [e for e in exchanges if urlsplit(e.request.url).netloc in hosts]


def is_id(value: str) -> bool:
    return bool(JIRA_ID.match(value))


def id_kind(value: str) -> str:
    """Issue keys pair with keys, account ids with account ids, numeric ids with numeric ids."""
    if re.fullmatch(ISSUE_KEY, value):
        return "key"
    return "number" if value.isdigit() else "account"


def endpoint(exchange: Exchange) -> str:
    """`GET /rest/api/2/issue/{id}`: the method and path, ids and issue keys templated, the API
    version kept (v2 and v3 answer in different text formats)."""
    parts = urlsplit(exchange.request.url).path.split("/")
    # `/rest/api/2/…`: the first three segments name the API and its version, never an object
    keep = 4 if len(parts) > 3 and parts[1] == "rest" else 1
    path = "/".join(p if i < keep or not ID_SEGMENT.match(p) else "{id}" for i, p in enumerate(parts))
    return f"{exchange.request.method} {path}"


def credential_class(exchange: Exchange) -> Credential:
    """A 401 was a credential Jira refused (an absent one on Cloud, a bad OAuth or API token);
    anything else, 403 included (a permission, not a credential), was a valid one."""
    if exchange.response.status == 401:
        return Credential.INVALID
    return Credential.VALID


def basic(email: str, token: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{email}:{token}".encode()).decode()}


async def credentials(session: Session, _needed: set[Credential]) -> dict[Credential, dict[str, str]]:
    """The admin's e-mail and API token, the same e-mail with a token Jira never issued, and none."""
    creds = await session.credentials()
    email, token = str(creds["email"]), str(creds["api_token"])
    return {
        Credential.VALID: basic(email, token),
        Credential.INVALID: basic(email, INVALID_TOKEN),
        Credential.NONE: {},
    }


def cursors(_headers: Headers, body: Any) -> list[str]:
    """`nextPageToken` (`search/jql`), `nextPage` (`project/search`), and for offset paging
    (`startAt`, `maxResults`, `total`) the next offset, as `startAt=N`."""
    if not isinstance(body, dict):
        return ["", "", ""]
    token = body.get("nextPageToken")
    link = body.get("nextPage")
    offset = ""
    start, size, total = body.get("startAt"), body.get("maxResults"), body.get("total")
    if isinstance(start, int) and isinstance(size, int) and isinstance(total, int) and start + size < total:
        offset = f"startAt={start + size}"
    return [token if isinstance(token, str) else "", link if isinstance(link, str) else "", offset]


async def api(replay: Replay, method: str, path: str, **kwargs: Any) -> Any:
    """Call the twin's Jira API as the admin; the JSON answer, or None when it refused."""
    session = replay.session
    headers = {**session.tenant_headers(), **replay.headers[Credential.VALID], "Accept": "application/json"}
    response = await session.client.request(method, path, headers=headers, **kwargs)
    if response.status_code >= 400 or not response.content:
        return None
    return response.json()


def recorded_projects(exchanges: list[Exchange] | Any) -> dict[str, dict[str, Any]]:
    """Project key -> what the recording shows of it (name, type), for every project it names."""
    found: dict[str, dict[str, Any]] = {}
    for exchange in exchanges:
        query = dict(parse_qsl(urlsplit(exchange.request.url).query))
        for key in filter(None, query.get("projectKeys", "").split(",")):
            found.setdefault(key, {})
        body = parse_json(exchange.request.body.text)
        project = body.get("fields", {}).get("project") if isinstance(body, dict) else None
        if isinstance(project, dict) and isinstance(project.get("key"), str):
            found.setdefault(project["key"], {})
        _shown_projects(parse_json(exchange.response.body.text), found)
    return found


TEAM_MANAGED_TEMPLATE = "com.pyxis.greenhopper.jira:gh-simplified-agility-scrum"


def _shown_projects(value: Any, found: dict[str, dict[str, Any]]) -> None:
    if isinstance(value, dict):
        key = value.get("key")
        if isinstance(key, str) and ("projectTypeKey" in value or "issuetypes" in value):
            found.setdefault(str(key), {}).update(
                {k: value[k] for k in ("name", "projectTypeKey", "simplified") if k in value}
            )
        for item in value.values():
            _shown_projects(item, found)
    elif isinstance(value, list):
        for item in value:
            _shown_projects(item, found)


async def prepare(replay: Replay) -> None:
    """The projects the recording names, made on the fresh site when it lacks them (with the
    recorded name and type, team-managed when the recording shows them `simplified`), so that
    creating and finding issues in them can be replayed."""
    creds = await replay.session.credentials()
    for key, shown in recorded_projects(list(replay.exchanges)).items():
        if await api(replay, "GET", f"{API}/project/{key}") is not None:
            continue
        await api(
            replay,
            "POST",
            f"{API}/project",
            json={
                "key": key,
                "name": shown.get("name") or f"{key} project",
                "projectTypeKey": shown.get("projectTypeKey") or "software",
                "leadAccountId": creds.get("account_id"),
                **({"projectTemplateKey": TEAM_MANAGED_TEMPLATE} if shown.get("simplified") else {}),
            },
        )


def shown_issue(replay: Replay, recorded: str) -> dict[str, Any] | None:
    """What the recording shows of an issue named by its id or key: the first object with that
    `id` or `key` and `fields` in any recorded answer."""
    for exchange in replay.exchanges:
        found = _issue_in(parse_json(exchange.response.body.text), recorded)
        if found is not None:
            return found
    return None


def _issue_in(value: Any, recorded: str) -> dict[str, Any] | None:
    if isinstance(value, dict):
        if recorded in (value.get("id"), value.get("key")) and isinstance(value.get("fields"), dict):
            return value
        value = list(value.values())
    if isinstance(value, list):
        for item in value:
            found = _issue_in(item, recorded)
            if found is not None:
                return found
    return None


async def resolve(replay: Replay, recorded_id: str, exchange: Exchange) -> str | None:
    """A twin id for a recorded id first named in a request: an issue the recording reads but never
    created is made on the twin (its project, type and summary as shown); an issue type is the
    twin's of the same name."""
    if recorded_id not in urlsplit(exchange.request.url).path:
        return None  # a number in a body or query (a timestamp, an offset), not a named object
    shown = shown_issue(replay, recorded_id)
    if shown is not None:
        return await _make_issue(replay, recorded_id, shown)
    about = replay.objects.get(recorded_id, {})
    if "subtask" in about and isinstance(about.get("name"), str):
        types = await api(replay, "GET", f"{API}/issuetype") or []
        named = [t for t in types if isinstance(t, dict) and t.get("name") == about["name"]]
        return str(named[0]["id"]) if named else None
    return None


async def _make_issue(replay: Replay, recorded_id: str, shown: dict[str, Any]) -> str | None:
    fields = shown["fields"]
    project = str(shown.get("key", "")).rpartition("-")[0] or (fields.get("project") or {}).get("key")
    if project and await api(replay, "GET", f"{API}/project/{project}") is None:
        creds = await replay.session.credentials()
        body = {"key": project, "name": f"{project} project", "projectTypeKey": "software"}
        await api(replay, "POST", f"{API}/project", json={**body, "leadAccountId": creds.get("account_id")})
    issuetype = (fields.get("issuetype") or {}).get("name") or "Task"
    made = await api(
        replay,
        "POST",
        f"{API}/issue",
        json={
            "fields": {
                "project": {"key": project},
                "issuetype": {"name": issuetype},
                "summary": fields.get("summary") or "Issue made for a replay",
            }
        },
    )
    if not isinstance(made, dict):
        return None
    # The recorded issue is named by key and by id: pair both, whichever the request used.
    if shown.get("key") and recorded_id != shown["key"]:
        replay.ids.setdefault(str(shown["key"]), str(made["key"]))
    if shown.get("id") and recorded_id != shown["id"]:
        replay.ids.setdefault(str(shown["id"]), str(made["id"]))
    return str(made["key"] if recorded_id == shown.get("key") else made["id"])


PROFILE = Profile(
    name="jira",
    is_id=is_id,
    id_kind=id_kind,
    id_in_text=ID_IN_TEXT,
    endpoint=endpoint,
    credential_class=credential_class,
    credentials=credentials,
    cursors=cursors,
    resolve=resolve,
    prepare=prepare,
)
