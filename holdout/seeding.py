"""A trial's initial state: people bound to seeded Slack humans, channels made by them, Okta users and
groups made through the Okta API with the tenant's token; what the steps and assertions look up."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import httpx

from holdout.scenario import Scenario
from holdout.twinset import Twin, TwinsError, TwinSet

# The twins seed people with one faker sequence; offsets keep Slack's and Okta's strangers apart.
TWIN_SEED_OFFSET = {"slack": 0, "okta": 7_777, "jira": 15_551}
STIMULUS_RETRIES = 5
RETRY_STATUSES = (429, 500, 502, 503, 504)
OKTA_LIFECYCLE = {"SUSPENDED": ["suspend"], "DEPROVISIONED": ["deactivate"]}


@dataclass
class Person:
    alias: str
    email: str
    first: str
    last: str
    slack_id: str = ""
    okta_id: str = ""
    jira_id: str = ""  # account id of the person's Jira user (seed.jira.users)


@dataclass
class World:
    """Everything a trial knows about its tenant: credentials, people, channel and group ids."""

    tenant: str
    seed: int
    creds: dict[str, dict[str, Any]] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)
    channels: dict[str, str] = field(default_factory=dict)  # name -> Slack conversation id
    groups: dict[str, str] = field(default_factory=dict)  # name -> Okta group id
    issues: dict[str, str] = field(default_factory=dict)  # ref -> Jira issue key
    cursors: dict[str, int] = field(default_factory=dict)  # journal seq when the app started

    def person(self, alias: str) -> Person:
        return self.people[alias]

    def okta_auth(self) -> str:
        return f"SSWS {self.creds['okta']['api_token']}"

    def env(self) -> dict[str, str]:
        """What the app under test is given: URLs and credentials of the trial's tenant."""
        out: dict[str, str] = {}
        if "slack" in self.creds:
            c = self.creds["slack"]
            out |= {
                "SLACK_API_URL": c["api_url"],
                "SLACK_BOT_TOKEN": c["bot_token"],
                "SLACK_SIGNING_SECRET": c["signing_secret"],
            }
        if "okta" in self.creds:
            c = self.creds["okta"]
            out |= {
                "OKTA_ORG_URL": c["org_url"],
                "OKTA_API_TOKEN": c["api_token"],
                "OKTA_CLIENT_ORGURL": c["org_url"],
                "OKTA_CLIENT_TOKEN": c["api_token"],
                "OKTA_TESTING_TESTINGDISABLEHTTPSCHECK": "true",
            }
        if "jira" in self.creds:
            c = self.creds["jira"]
            out |= {
                "JIRA_URL": str(c.get("site_url", "")),
                "JIRA_EMAIL": str(c.get("email", "")),
                "JIRA_API_TOKEN": str(c.get("api_token", "")),
            }
        for p in self.people.values():
            out[f"PERSON_{p.alias.upper()}_SLACK_ID"] = p.slack_id
            out[f"PERSON_{p.alias.upper()}_EMAIL"] = p.email
            if p.jira_id:
                out[f"PERSON_{p.alias.upper()}_JIRA_ID"] = p.jira_id
        return out


async def build_world(twins: TwinSet, scenario: Scenario, tenant: str, seed: int) -> World:
    """Create the trial's tenant on each twin (reset and seeded) and apply the scenario's seed."""
    world = World(tenant, seed)
    for name in scenario.twins:
        twin = twins[name]
        await twin.create_tenant(tenant, seed + TWIN_SEED_OFFSET.get(name, 0))
        world.creds[name] = await twin.admin("GET", "/credentials", tenant)
    await bind_people(twins, scenario, world)
    seed_data = scenario.data.get("seed") or {}
    if "slack" in scenario.twins:
        await seed_slack(twins, seed_data.get("slack") or {}, world)
    if "okta" in scenario.twins:
        await seed_okta(twins, seed_data.get("okta") or {}, world)
    if "jira" in scenario.twins:
        from holdout.jira_driver import seed_jira

        await seed_jira(twins, seed_data.get("jira") or {}, world)
    return world


async def bind_people(twins: TwinSet, scenario: Scenario, world: World) -> None:
    """Each alias becomes one of the seeded Slack humans, in order (their email is kept)."""
    declared = scenario.data.get("people") or {}
    if "slack" not in scenario.twins:
        for alias, info in declared.items():
            email = (info or {}).get("email") or f"{alias}@example.com"
            world.people[alias] = Person(alias, email, alias.capitalize(), "Holdout")
        return
    users = await twins["slack"].rows(world.tenant, "users")
    humans = [
        u
        for u in users
        if not u["is_bot"] and not u["deleted"] and not u.get("is_restricted") and u["id"] != "USLACKBOT"
    ]
    if len(declared) > len(humans):
        raise TwinsError(f"the scenario declares {len(declared)} people; the workspace has {len(humans)}")
    for alias, user in zip(declared, humans, strict=False):
        first, _, last = str(user.get("real_name") or alias).partition(" ")
        world.people[alias] = Person(alias, user["email"], first, last or "Holdout", slack_id=user["id"])


async def seed_slack(twins: TwinSet, seed: dict[str, Any], world: World) -> None:
    """Channels created by their first member, the others (and the app's bot) invited."""
    slack = twins["slack"]
    bot = world.creds["slack"]["bot_user_id"]
    fallback = next(iter(world.people.values()), None)
    for channel in seed.get("channels") or []:
        members = [world.person(a).slack_id for a in channel.get("members") or []]
        creator = members[0] if members else (fallback.slack_id if fallback else "")
        if not creator:
            raise TwinsError("a seeded channel needs a person to create it; declare people")
        body = {"name": channel["name"], "is_private": bool(channel.get("private"))}
        made = await slack.admin("POST", f"/slack/humans/{creator}/create_channel", world.tenant, json=body)
        cid = made["response"]["channel"]["id"]
        world.channels[channel["name"]] = cid
        invite = [m for m in members[1:]] + ([bot] if channel.get("bot", True) and bot else [])
        if invite:
            await slack.admin(
                "POST",
                f"/slack/humans/{creator}/invite",
                world.tenant,
                json={"channel": cid, "users": invite},
            )


async def stimulus(twin: Twin, tenant: str, auth: str, method: str, path: str, body: Any) -> httpx.Response:
    """A vendor call by the engine, retried on a 429 or 5xx (a fault meant for the app may hit it)."""
    for attempt in range(STIMULUS_RETRIES + 1):
        resp = await twin.vendor(method, path, tenant, auth, json=body)
        if resp.status_code not in RETRY_STATUSES or attempt == STIMULUS_RETRIES:
            break
        await asyncio.sleep(0.05 * (attempt + 1))
    return resp


async def okta_call(twins: TwinSet, world: World, method: str, path: str, body: Any = None) -> Any:
    """An Okta API call with the tenant's admin token; a non-2xx answer raises with Okta's summary."""
    resp = await stimulus(twins["okta"], world.tenant, world.okta_auth(), method, path, body)
    if resp.status_code >= 300:
        body = resp.json() if resp.content else {}
        causes = "; ".join(c.get("errorSummary", "") for c in body.get("errorCauses") or [])
        summary = f"{body.get('errorSummary', '')} {causes}".strip()
        raise TwinsError(f"okta {method} {path}: {resp.status_code} {summary}")
    return resp.json() if resp.content else None


async def seed_okta(twins: TwinSet, seed: dict[str, Any], world: World) -> None:
    """Users (by person, with a status) and groups with members, through the Okta API."""
    okta = twins["okta"]
    for user in seed.get("users") or []:
        person = world.person(user["person"])
        for clash in await okta.rows(world.tenant, "users", login=person.email.lower()):
            await remove_okta_user(twins, world, clash)
        status = user.get("status", "ACTIVE")
        profile = {
            "firstName": person.first,
            "lastName": person.last,
            "email": person.email,
            "login": person.email,
            "department": user.get("department", ""),
        }
        activate = "false" if status == "STAGED" else "true"
        # With a password an activated user is ACTIVE (without one Okta leaves it PROVISIONED).
        password = {"password": {"value": world.creds["okta"].get("user_password") or "Twin-Passw0rd!"}}
        body = {"profile": profile, "credentials": password}
        made = await okta_call(twins, world, "POST", f"/api/v1/users?activate={activate}", body)
        person.okta_id = made["id"]
        for action in OKTA_LIFECYCLE.get(status, []):
            await okta_call(twins, world, "POST", f"/api/v1/users/{person.okta_id}/lifecycle/{action}")
    for group in seed.get("groups") or []:
        gid = await okta_group_id(twins, world, group["name"])  # a seeded group of that name is reused
        if gid is None:
            body = {"profile": {"name": group["name"], "description": group.get("description", "")}}
            gid = (await okta_call(twins, world, "POST", "/api/v1/groups", body))["id"]
        world.groups[group["name"]] = gid
        for alias in group.get("members") or []:
            person = world.person(alias)
            if not person.okta_id:
                raise TwinsError(f"group member {alias!r} has no Okta user; list it under seed.okta.users")
            await okta_call(twins, world, "PUT", f"/api/v1/groups/{gid}/users/{person.okta_id}")


async def remove_okta_user(twins: TwinSet, world: World, row: dict[str, Any]) -> None:
    """Free a login a seeded stranger holds, so the scenario's person is exactly as declared."""
    if row["status"] != "DEPROVISIONED":
        await okta_call(twins, world, "POST", f"/api/v1/users/{row['id']}/lifecycle/deactivate")
    await okta_call(twins, world, "DELETE", f"/api/v1/users/{row['id']}")


async def okta_group_id(twins: TwinSet, world: World, name: str) -> str | None:
    """A group's id by name: seeded ones are known, others are looked up in the twin's state."""
    if name in world.groups:
        return world.groups[name]
    for row in await twins["okta"].rows(world.tenant, "groups"):
        if str(row.get("name", "")).lower() == name.lower():  # Okta group names are unique regardless of case
            return str(row["id"])
    return None
