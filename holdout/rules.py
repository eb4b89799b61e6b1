"""Rule assertions on twin state and on the journal: memberships, statuses, messages, ephemeral
messages, request counts, 'no other change', ordering. No model is needed for any of them."""

from __future__ import annotations

import fnmatch
import itertools
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from holdout.seeding import World, okta_group_id
from holdout.twinset import TwinSet

READS = ("GET", "HEAD", "OPTIONS")


@dataclass
class Outcome:
    """One expectation's verdict; `detail` may quote expected values, so it goes to private reports only."""

    kind: str
    passed: bool
    detail: str
    skipped: bool = False


Check = Callable[[TwinSet, World, dict[str, Any]], Awaitable[Outcome]]


def counted(kind: str, n: int, spec: dict[str, Any], what: str) -> Outcome:
    """Compare a count with `count` (exact), `min` and `max`; with none of them, at least one."""
    if "count" in spec:
        ok, want = n == spec["count"], f"exactly {spec['count']}"
    elif "min" in spec or "max" in spec:
        lo, hi = spec.get("min", 0), spec.get("max")
        ok = n >= lo and (hi is None or n <= hi)
        want = f"between {lo} and {hi if hi is not None else 'any'}"
    else:
        ok, want = n >= 1, "at least 1"
    return Outcome(kind, ok, f"{what}: found {n}, wanted {want}")


async def _membership(twins: TwinSet, world: World, spec: dict[str, Any]) -> bool:
    person = world.person(spec["user"])
    group = await okta_group_id(twins, world, spec["group"])
    if group is None or not person.okta_id:
        return False
    return bool(await twins["okta"].rows(world.tenant, "memberships", id=f"{group}:{person.okta_id}"))


async def okta_member(twins: TwinSet, world: World, spec: dict[str, Any]) -> Outcome:
    ok = await _membership(twins, world, spec)
    return Outcome("okta.member", ok, f"{spec['user']} in Okta group {spec['group']}: {ok}")


async def okta_not_member(twins: TwinSet, world: World, spec: dict[str, Any]) -> Outcome:
    ok = not await _membership(twins, world, spec)
    return Outcome("okta.not_member", ok, f"{spec['user']} not in Okta group {spec['group']}: {ok}")


async def okta_user_status(twins: TwinSet, world: World, spec: dict[str, Any]) -> Outcome:
    person = world.person(spec["user"])
    rows = await twins["okta"].rows(world.tenant, "users", id=person.okta_id) if person.okta_id else []
    status = rows[0]["status"] if rows else "(no user)"
    return Outcome("okta.user_status", status == spec["status"], f"{spec['user']} status {status}")


def path_of(exchange: dict[str, Any]) -> str:
    return str(urlsplit(exchange["request"]["url"]).path)


def glob_match(pattern: str, path: str) -> bool:
    """`*` stands for one path segment, `**` for any number of them."""
    if "**" in pattern:
        return fnmatch.fnmatchcase(path, pattern.replace("**", "*"))
    parts, want = path.strip("/").split("/"), pattern.strip("/").split("/")
    return len(parts) == len(want) and all(
        fnmatch.fnmatchcase(p, w) for p, w in zip(parts, want, strict=True)
    )


def body_text(exchange: dict[str, Any]) -> str:
    body = exchange["request"].get("body")
    if isinstance(body, dict):
        return str(body.get("text") or body.get("base64") or "")
    return "" if body is None else json.dumps(body)


def journal_matches(exchange: dict[str, Any], spec: dict[str, Any]) -> bool:
    request = exchange["request"]
    if "method" in spec and request["method"].upper() != spec["method"].upper():
        return False
    if "path" in spec and not glob_match(spec["path"], path_of(exchange)):
        return False
    if "status" in spec and exchange["response"]["status"] != spec["status"]:
        return False
    return not ("body_contains" in spec and spec["body_contains"] not in body_text(exchange))


async def app_journal(twins: TwinSet, world: World, twin: str) -> list[dict[str, Any]]:
    """What the app (not the engine) sent the twin since it started."""
    return await twins[twin].journal(world.tenant, after=world.cursors.get(twin, 0))


async def journal(twins: TwinSet, world: World, spec: dict[str, Any]) -> Outcome:
    found = [e for e in await app_journal(twins, world, spec["twin"]) if journal_matches(e, spec)]
    return counted("journal", len(found), spec, f"{spec['twin']} requests like {spec}")


async def other_writes(twins: TwinSet, world: World, twin: str, allowed: list[dict[str, Any]]) -> list[str]:
    """The app's successful writes to a twin that none of `allowed` (method and path glob) covers."""
    return [
        f"{e['request']['method']} {path_of(e)}"
        for e in await app_journal(twins, world, twin)
        if e["request"]["method"] not in READS
        and e["response"]["status"] < 400
        and not any(journal_matches(e, a) for a in allowed)
    ]


async def okta_no_other_changes(twins: TwinSet, world: World, spec: dict[str, Any]) -> Outcome:
    """No write to Okta by the app except the allowed ones (method and path glob)."""
    other = await other_writes(twins, world, "okta", spec.get("allow") or [])
    return Outcome("okta.no_other_changes", not other, f"other Okta writes: {other}")


async def slack_messages(twins: TwinSet, world: World, spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Messages of a seeded channel that match `contains`, `contains_person` and `from`."""
    channel = world.channels.get(spec["channel"], spec["channel"])
    rows = await twins["slack"].rows(world.tenant, "messages", channel=channel)
    bot = world.creds["slack"].get("bot_user_id", "")
    out = []
    for m in rows:
        if m.get("subtype") in ("channel_join", "channel_purpose", "channel_topic"):
            continue
        text = message_text(m)
        if "contains" in spec and spec["contains"].lower() not in text.lower():
            continue
        if "contains_person" in spec and world.person(spec["contains_person"]).slack_id not in text:
            continue
        sender = spec.get("from")
        if sender == "bot" and not (m.get("bot_id") or m.get("user") == bot):
            continue
        if sender and sender != "bot" and m.get("user") != world.person(sender).slack_id:
            continue
        out.append(m)
    return sorted(out, key=lambda m: float(m["ts"]))


def message_text(message: dict[str, Any]) -> str:
    """The text and every text inside its blocks, as a person reads it."""
    parts = [str(message.get("text") or "")]

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if isinstance(value.get("text"), str):
                parts.append(value["text"])
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(message.get("blocks") or [])
    return "\n".join(parts)


async def slack_message(twins: TwinSet, world: World, spec: dict[str, Any]) -> Outcome:
    found = await slack_messages(twins, world, spec)
    return counted("slack.message", len(found), spec, f"messages in #{spec['channel']} like {spec}")


async def slack_ephemeral(twins: TwinSet, world: World, spec: dict[str, Any]) -> Outcome:
    user = world.person(spec["to"]).slack_id
    shown = await twins["slack"].admin("GET", "/slack/ephemeral", world.tenant, params={"user": user})
    texts = [message_text(m) for m in shown["messages"]]
    found = [t for t in texts if spec.get("contains", "").lower() in t.lower()]
    return counted("slack.ephemeral", len(found), spec, f"ephemeral messages to {spec['to']} like {spec}")


async def first_time(twins: TwinSet, world: World, item: dict[str, Any]) -> float | None:
    """When the first event an `order` item names happened (epoch seconds), or None."""
    if "journal" in item:
        spec = item["journal"]
        for e in await app_journal(twins, world, spec["twin"]):
            if journal_matches(e, spec):
                from datetime import datetime

                return datetime.fromisoformat(e["ts"].replace("Z", "+00:00")).timestamp()
        return None
    found = await slack_messages(twins, world, item["slack.message"])
    return float(found[0]["ts"]) if found else None


async def order(twins: TwinSet, world: World, spec: dict[str, Any]) -> Outcome:
    items: list[dict[str, Any]] = spec["items"]
    times = [await first_time(twins, world, item) for item in items]
    ok = all(t is not None for t in times) and all(
        a is not None and b is not None and a <= b for a, b in itertools.pairwise(times)
    )
    return Outcome("order", ok, f"first times {times} for {items}")


CHECKS: dict[str, Check] = {
    "okta.member": okta_member,
    "okta.not_member": okta_not_member,
    "okta.user_status": okta_user_status,
    "okta.no_other_changes": okta_no_other_changes,
    "slack.message": slack_message,
    "slack.ephemeral": slack_ephemeral,
    "journal": journal,
}


async def evaluate(twins: TwinSet, world: World, expectation: dict[str, Any]) -> Outcome:
    """Run one rule expectation (a one-key mapping as the schema has it)."""
    ((kind, spec),) = expectation.items()
    if kind == "order":
        return await order(twins, world, {"items": spec})
    check = CHECKS.get(kind)
    if check is None and kind.startswith("jira."):
        from holdout import jira_driver  # it builds on this module

        check = jira_driver.CHECKS.get(kind)
    if check is None:
        return Outcome(kind, False, f"{kind} is not supported by this engine")
    return await check(twins, world, spec)
