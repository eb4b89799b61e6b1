"""Site-wide operations: server info, the caller, people, fields and the site's issue settings."""

from __future__ import annotations

from typing import Any

from twins._runtime.collection import Row
from twins.jira import config, render
from twins.jira.auth import READ, USERS, registry
from twins.jira.render import Site, stamp
from twins.kit import Anonymous, Call, OffsetTotal

site_ops = registry("site")


def site_of(call: Call) -> Site:
    return Site(call.base_url, call.url_path, call.caller.subject)


@site_ops.operation("GET", "/serverInfo", auth=Anonymous(), scope=())
def server_info(call: Call) -> dict[str, Any]:
    """What the `jira` client reads on construction: a Cloud deployment and its version numbers."""
    return {
        "baseUrl": call.base_url.rstrip("/"),
        "displayUrl": call.base_url.rstrip("/"),
        "displayUrlServicedeskHelpCenter": call.base_url.rstrip("/"),
        "displayUrlConfluence": call.base_url.rstrip("/"),
        "version": "1001.0.0-SNAPSHOT",
        "versionNumbers": [1001, 0, 0],
        "deploymentType": "Cloud",
        "buildNumber": 100282,
        "buildDate": "2026-12-01T00:00:00.000+0000",
        "serverTime": stamp(call.now()),
        "scmInfo": "twin",
        "serverTitle": "Jira",
        "defaultLocale": {"locale": "en_US"},
        "serverTimeZone": "Etc/UTC",
        "displayUrlCSMHelpSeeker": call.base_url.rstrip("/"),
    }


@site_ops.operation("GET", "/myself", scope=USERS)
def myself(call: Call) -> dict[str, Any] | None:
    out = render.user_of(site_of(call), call.state, call.caller.subject)
    if out is not None:
        out["locale"] = "en_US"
        out["groups"] = {"size": 0, "items": []}
        out["applicationRoles"] = {"size": 1, "items": []}
        out["expand"] = "groups,applicationRoles"
    return out


@site_ops.operation("GET", "/user", scope=USERS)
def get_user(call: Call) -> dict[str, Any] | None:
    account = call.args.text("accountId")
    if not account:
        raise call.error("bad_request", "The query parameter 'accountId' is required.")
    row = call.state["jira_users"].get(account)
    if row is None:
        raise call.error("not_found", "Specified user does not exist or you do not have required permissions")
    return render.user(site_of(call), row)


def _people(call: Call) -> list[dict[str, Any]]:
    query = (call.args.text("query") or call.args.text("username")).lower()
    active = call.args.flag("includeActive", True)
    inactive = call.args.flag("includeInactive", False)
    out = []
    for row in call.state["jira_users"]:
        if (row["active"] and not active) or (not row["active"] and not inactive):
            continue
        names = (row["email"].lower(), row["display_name"].lower(), row["account_id"].lower())
        if not query or any(n.startswith(query) or f" {query}" in n for n in names):
            out.append(row)
    start = call.args.integer("startAt", 0, low=0)
    most = call.args.integer("maxResults", 50, low=0, high=1000)
    return [render.user(site_of(call), r) for r in out[start : start + most]]  # type: ignore[misc]


@site_ops.operation("GET", "/user/search", scope=USERS)
def user_search(call: Call) -> list[dict[str, Any]]:
    """People whose e-mail, name or account id starts with `query` (a JSON array, as Jira sends)."""
    return _people(call)


@site_ops.operation("GET", "/users/search", scope=USERS)
def users_search(call: Call) -> list[dict[str, Any]]:
    return _people(call)


@site_ops.operation("GET", "/field", scope=READ)
def fields(call: Call) -> list[dict[str, Any]]:
    """System and custom fields, each with the `clauseNames` JQL knows it by."""
    out: list[dict[str, Any]] = []
    for f in config.SYSTEM_FIELDS:
        entry: dict[str, Any] = {
            "id": f.id,
            "key": f.id,
            "name": f.name,
            "custom": False,
            "orderable": f.orderable,
            "navigable": f.navigable,
            "searchable": f.searchable,
            "clauseNames": list(f.clause_names),
        }
        if f.listed_schema:
            entry["schema"] = {
                "type": f.schema_type,
                **({"items": f.items} if f.items else {}),
                "system": f.id,
            }
        out.append(entry)
    for ident, name, custom, schema_type, _options in config.CUSTOM_FIELDS:
        number = ident.rsplit("_", 1)[1]
        out.append(
            {
                "id": ident,
                "key": ident,
                "name": name,
                "custom": True,
                "orderable": True,
                "navigable": True,
                "searchable": True,
                "clauseNames": [f"cf[{number}]", name],
                "schema": {"type": schema_type, "custom": custom, "customId": int(number)},
            }
        )
    return out


@site_ops.operation("GET", "/issuetype", scope=READ)
def issue_types(call: Call) -> list[dict[str, Any]]:
    """The site's issue types, then each team-managed project's own (with their `scope`)."""
    site = site_of(call)
    out = [render.issue_type(site, t[0]) for t in config.ISSUE_TYPES]
    for p in call.state["jira_projects"]:
        out.extend(scoped_type(site, t) for t in p["issue_types"] if config.type_scope(t))
    return out


def scoped_type(site: Site, ident: str) -> dict[str, Any]:
    """An issue type with its `scope` when a team-managed project owns it, as Jira lists it."""
    out = render.issue_type(site, ident)
    scope = config.type_scope(ident)
    if scope:
        out["scope"] = {"type": "PROJECT", "project": {"id": scope}}
    return out


@site_ops.operation("GET", "/issuetype/{id}", scope=READ)
def issue_type(call: Call) -> dict[str, Any]:
    ident = call.path["id"]
    scope = config.type_scope(ident)
    owner = call.state["jira_projects"].get(scope) if scope else None
    if ident not in render.TYPE and (owner is None or ident not in owner["issue_types"]):
        raise call.error("not_found", f"The issue type with id '{ident}' does not exist.")
    return scoped_type(site_of(call), ident)


@site_ops.operation("GET", "/priority", scope=READ)
def priorities(call: Call) -> list[dict[str, Any] | None]:
    return [render.priority(site_of(call), p[0]) for p in config.PRIORITIES]


@site_ops.operation("GET", "/priority/{id}", scope=READ)
def priority(call: Call) -> dict[str, Any] | None:
    if call.path["id"] not in render.PRIORITY:
        raise call.error("not_found", f"Priority with ID {call.path['id']} not found.")
    return render.priority(site_of(call), call.path["id"])


@site_ops.operation("GET", "/status", scope=READ)
def statuses(call: Call) -> list[dict[str, Any]]:
    return [render.status(site_of(call), s[0]) for s in config.STATUSES]


@site_ops.operation("GET", "/status/{idOrName}", scope=READ)
def status(call: Call) -> dict[str, Any]:
    wanted = call.path["idOrName"].lower()
    for ident, name, *_ in config.STATUSES:
        if wanted in (ident, name.lower()):
            return render.status(site_of(call), ident)
    raise call.error("not_found", f"The status with id or name '{call.path['idOrName']}' does not exist.")


@site_ops.operation("GET", "/statuscategory", scope=READ)
def categories(call: Call) -> list[dict[str, Any]]:
    return [render.category(site_of(call), c[1]) for c in config.CATEGORIES]


@site_ops.operation("GET", "/statuscategory/{idOrKey}", scope=READ)
def status_category(call: Call) -> dict[str, Any]:
    wanted = call.path["idOrKey"].lower()
    for number, key, _color, _name in config.CATEGORIES:
        if wanted in (str(number), key.lower()):
            return render.category(site_of(call), key)
    raise call.error(
        "not_found", f"The status category with id or key '{call.path['idOrKey']}' does not exist."
    )


@site_ops.operation("GET", "/resolution/{id}", scope=READ)
def resolution(call: Call) -> dict[str, Any] | None:
    if call.path["id"] not in render.RESOLUTION:
        raise call.error("not_found", f"The resolution with ID '{call.path['id']}' does not exist.")
    return render.resolution(site_of(call), call.path["id"])


@site_ops.operation("GET", "/resolution", scope=READ)
def resolutions(call: Call) -> list[dict[str, Any] | None]:
    return [render.resolution(site_of(call), r[0]) for r in config.RESOLUTIONS]


@site_ops.operation("GET", "/project", scope=READ)
def projects(call: Call) -> list[dict[str, Any]]:
    site = site_of(call)
    return [render.project(site, call.state, p, set()) for p in call.state["jira_projects"]]


@site_ops.operation(
    "GET", "/project/search", scope=READ, page=OffsetTotal(items="values", default=50, most=100)
)
def project_search(call: Call) -> Any:
    """Projects a page at a time, with `nextPage` (an absolute URL on the twin) until `isLast`."""
    site = site_of(call)
    query = call.args.text("query").lower()
    rows = [
        p
        for p in call.state["jira_projects"]
        if not query or query in p["name"].lower() or query in p["key"].lower()
    ]
    return [render.project(site, call.state, p, set()) for p in call.page(rows)]


def path_project(call: Call) -> Row:
    """The project the path's `projectIdOrKey` names (by id or key), or Jira's 404."""
    wanted = call.path["projectIdOrKey"]
    projects = call.state["jira_projects"]
    row = projects.get(wanted) or projects.by("key", wanted.upper())
    if row is None:
        raise call.error("not_found", f"No project could be found with key '{wanted}'.")
    return row


@site_ops.operation("GET", "/project/{projectIdOrKey}", scope=READ)
def project(call: Call) -> dict[str, Any]:
    row = path_project(call)
    return render.project(site_of(call), call.state, row, set(call.args.text("expand").split(",")))
