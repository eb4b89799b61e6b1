"""`expand=renderedFields`: every field an issue answers with, as Jira renders it for display.

Text (description, environment, comment bodies, worklog comments) is HTML; dates are relative to
now as Jira writes them (`Today 9:31 AM`, `Yesterday 12:19 PM`, `4 days ago 1:51 PM`, else
`04/Apr/19 9:31 AM`), due dates `18/Mar/26`; durations are spelled out (`1 hour`, `2 days, 3
hours`); text custom fields are shown as they are. Every other field renders as null, as in Jira.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from twins._runtime.collection import Row, TenantState
from twins.jira import config, issue_json
from twins.jira.markup import to_html
from twins.jira.render import Site

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
TEXT_CUSTOM = {c[0] for c in config.CUSTOM_FIELDS if c[3] == "string"}
DATES = {
    "created": "created",
    "updated": "updated",
    "resolutiondate": "resolved",
    "statuscategorychangedate": "status_changed",
}
DURATIONS = ("timespent", "aggregatetimespent", "timeoriginalestimate", "aggregatetimeoriginalestimate")
DURATIONS_LEFT = ("timeestimate", "aggregatetimeestimate")
UNITS = (("week", 5 * 8 * 3600), ("day", 8 * 3600), ("hour", 3600), ("minute", 60))


def absolute(moment: datetime) -> str:
    """`04/Apr/19 9:31 AM`: Jira's complete date and time."""
    return f"{moment.day:02d}/{MONTHS[moment.month - 1]}/{moment.year % 100:02d} {clock(moment)}"


def clock(moment: datetime) -> str:
    return f"{(moment.hour % 12) or 12}:{moment.minute:02d} {'AM' if moment.hour < 12 else 'PM'}"


def relative(seconds: float | None, now: float) -> str | None:
    """A moment as Jira shows it: today, yesterday, some days ago within a week, else in full."""
    if seconds is None:
        return None
    moment, today = datetime.fromtimestamp(seconds, UTC), datetime.fromtimestamp(now, UTC)
    days = (today.date() - moment.date()).days
    if seconds > now or days >= 7:
        return absolute(moment)
    if days == 0:
        return f"Today {clock(moment)}"
    if days == 1:
        return f"Yesterday {clock(moment)}"
    return f"{days} days ago {clock(moment)}"


def due(value: str | None) -> str | None:
    """`18/Mar/26`: a due date (a day, no time)."""
    if not value:
        return None
    day = date.fromisoformat(value)
    return f"{day.day:02d}/{MONTHS[day.month - 1]}/{day.year % 100:02d}"


def duration(seconds: int | None) -> str | None:
    """`1 hour`, `2 days, 3 hours`, `0 minutes`: a duration as Jira spells it (8-hour days)."""
    if seconds is None:
        return None
    parts = []
    for unit, size in UNITS:
        if seconds >= size:
            count, seconds = divmod(seconds, size)
            parts.append(f"{count} {unit}{'s' if count != 1 else ''}")
    return ", ".join(parts) or "0 minutes"


def html(doc: dict[str, Any] | None) -> str:
    return to_html(doc) if doc else ""


def rendered_fields(site: Site, state: TenantState, row: Row, fields: dict[str, Any]) -> dict[str, Any]:
    """The `renderedFields` of an issue answering with `fields` (the same keys, in that order)."""
    now = state.clock.now()
    out: dict[str, Any] = {}
    for name, value in fields.items():
        maker = RENDERERS.get(name)
        if maker is not None:
            out[name] = maker(site, state, row, value, now)
        elif name in TEXT_CUSTOM and isinstance(value, str):
            out[name] = value
        else:
            out[name] = None
    return out


Renderer = Callable[[Site, TenantState, Row, Any, float], Any]


def _date(column: str) -> Renderer:
    return lambda site, state, row, value, now: relative(row[column], now)


def _duration(site: Site, state: TenantState, row: Row, value: Any, now: float) -> str | None:
    return duration(value) if isinstance(value, int) else None


def _tracking(site: Site, state: TenantState, row: Row, value: Any, now: float) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, seconds in (value or {}).items():
        if key.endswith("Seconds"):
            out[key[: -len("Seconds")]] = duration(seconds)
    return {**out, **{k: v for k, v in (value or {}).items() if k.endswith("Seconds")}}


def comment(site: Site, state: TenantState, row: Row, now: float) -> dict[str, Any]:
    """A comment as `renderedFields.comment` lists it: its body in HTML, its dates relative."""
    out = issue_json.comment(site, state, row)
    out["body"] = html(row["body"])
    out["created"], out["updated"] = relative(row["created"], now), relative(row["updated"], now)
    return out


def _comments(site: Site, state: TenantState, row: Row, value: Any, now: float) -> dict[str, Any]:
    found = [comment(site, state, c, now) for c in state["jira_comments"].where("issue_id", row["id"])]
    return {"comments": found, "maxResults": len(found), "total": len(found), "startAt": 0}


def worklog(site: Site, state: TenantState, row: Row, now: float) -> dict[str, Any]:
    """A worklog as `renderedFields.worklog` lists it: comment in HTML, dates relative, time spelled."""
    out = issue_json.worklog(site, state, row)
    out["comment"] = html(row["comment"])
    for key in ("created", "updated", "started"):
        out[key] = relative(row[key], now)
    out["timeSpent"] = duration(row["seconds"])
    del out["timeSpentSeconds"]
    return out


def _worklogs(site: Site, state: TenantState, row: Row, value: Any, now: float) -> dict[str, Any]:
    logs = [worklog(site, state, w, now) for w in state["jira_worklogs"].where("issue_id", row["id"])]
    return {"startAt": 0, "maxResults": 20, "total": len(logs), "worklogs": logs[:20]}


def _attachments(site: Site, state: TenantState, row: Row, value: Any, now: float) -> list[dict[str, Any]]:
    out = []
    for a in state["jira_attachments"].where("issue_id", row["id"]):
        shown = issue_json.attachment(site, state, a)
        shown["created"], shown["size"] = relative(a["created"], now), size(a["size"])
        out.append(shown)
    return out


def size(count: int) -> str:
    """`0.5 kB`, `22 kB`, `1.2 MB`: an attachment's size as Jira shows it."""
    if count < 1024 * 1024:
        kb = count / 1024
        return f"{kb:.1f} kB" if kb < 10 else f"{kb:.0f} kB"
    return f"{count / 1024 / 1024:.1f} MB"


RENDERERS: dict[str, Renderer] = {
    **{name: _date(column) for name, column in DATES.items()},
    "lastViewed": lambda site, state, row, value, now: None,
    "duedate": lambda site, state, row, value, now: due(row["duedate"]),
    "description": lambda site, state, row, value, now: html(row["description"]),
    "environment": lambda site, state, row, value, now: html(row["environment"]),
    **{name: _duration for name in (*DURATIONS, *DURATIONS_LEFT)},
    "timetracking": _tracking,
    "comment": _comments,
    "worklog": _worklogs,
    "attachment": _attachments,
}

__all__ = ["absolute", "duration", "relative", "rendered_fields"]
