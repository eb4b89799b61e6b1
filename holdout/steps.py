"""Stimuli through the twins' admin APIs: a person posts, runs a slash command or clicks a button in
Slack; an Okta admin changes a group or a user's lifecycle; faults, the clock, waits."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from holdout import jira_driver, rules
from holdout.seeding import World, okta_call, okta_group_id
from holdout.twinset import TwinsError, TwinSet

DEFAULT_WAIT = 10.0
POLL = 0.05

Step = Callable[[TwinSet, World, Any], Awaitable[None]]


class StepFailed(RuntimeError):
    """A stimulus could not be applied (the app may be at fault, e.g. it never posted the button)."""


def channel_ref(world: World, name: str) -> str:
    return world.channels.get(name.lstrip("#"), name.lstrip("#"))


async def slack_human(twins: TwinSet, world: World, alias: str, action: str, body: dict[str, Any]) -> Any:
    user = world.person(alias).slack_id
    return await twins["slack"].admin("POST", f"/slack/humans/{user}/{action}", world.tenant, json=body)


async def slack_post(twins: TwinSet, world: World, spec: dict[str, Any]) -> None:
    text = spec["text"]
    if spec.get("mention_bot"):
        text = f"<@{world.creds['slack']['bot_user_id']}> {text}"
    body = {"channel": channel_ref(world, spec["channel"]), "text": text}
    await slack_human(twins, world, spec["as"], "post", body)


async def slack_command(twins: TwinSet, world: World, spec: dict[str, Any]) -> None:
    body = {
        "command": spec["command"],
        "text": spec.get("text", ""),
        "channel": channel_ref(world, spec["channel"]),
    }
    await slack_human(twins, world, spec["as"], "command", body)


def has_action(message: dict[str, Any], action_id: str) -> bool:
    return any(
        isinstance(e, dict) and e.get("action_id") == action_id
        for block in message.get("blocks") or []
        for e in (block.get("elements") or []) + ([block["accessory"]] if block.get("accessory") else [])
    )


async def slack_click(twins: TwinSet, world: World, spec: dict[str, Any]) -> None:
    """Click the newest message's button with `action_id` (waiting for it to appear)."""
    match = {"channel": spec["channel"]}
    if "message_contains" in spec:
        match["contains"] = spec["message_contains"]
    deadline = time.monotonic() + float(spec.get("timeout", DEFAULT_WAIT))
    while True:
        found = [
            m for m in await rules.slack_messages(twins, world, match) if has_action(m, spec["action_id"])
        ]
        if found:
            break
        if time.monotonic() > deadline:
            raise StepFailed(f"no message in #{spec['channel']} has a {spec['action_id']!r} element")
        await asyncio.sleep(POLL)
    message = found[-1]
    body = {"channel": message["channel"], "message_ts": message["ts"], "action_id": spec["action_id"]}
    await slack_human(twins, world, spec["as"], "click", body)


async def okta_membership(twins: TwinSet, world: World, spec: dict[str, Any], method: str) -> None:
    group = await okta_group_id(twins, world, spec["group"])
    person = world.person(spec["user"])
    if group is None or not person.okta_id:
        raise StepFailed(f"no Okta group {spec['group']!r} or no Okta user for {spec['user']!r}")
    await okta_call(twins, world, method, f"/api/v1/groups/{group}/users/{person.okta_id}")


async def okta_add(twins: TwinSet, world: World, spec: dict[str, Any]) -> None:
    await okta_membership(twins, world, spec, "PUT")


async def okta_remove(twins: TwinSet, world: World, spec: dict[str, Any]) -> None:
    await okta_membership(twins, world, spec, "DELETE")


async def okta_lifecycle(twins: TwinSet, world: World, spec: dict[str, Any]) -> None:
    person = world.person(spec["user"])
    await okta_call(twins, world, "POST", f"/api/v1/users/{person.okta_id}/lifecycle/{spec['action']}")


def fault_rule(spec: dict[str, Any]) -> dict[str, Any]:
    """A scenario fault as the admin API takes it; 429s say retry after 1 s unless told otherwise."""
    rule = {k: v for k, v in spec.items() if k != "twin"}
    if rule["action"] == "rate_limit":
        rule.setdefault("retry_after", 1)
    return rule


async def add_fault(twins: TwinSet, world: World, spec: dict[str, Any]) -> None:
    await twins[spec["twin"]].admin(
        "POST", "/faults", world.tenant, json=fault_rule(spec), params={"tenant": world.tenant}
    )


async def clear_faults(twins: TwinSet, world: World, twin: str) -> None:
    await twins[twin].admin("DELETE", "/faults", world.tenant, params={"tenant": world.tenant})


async def clock(twins: TwinSet, world: World, spec: dict[str, Any]) -> None:
    await twins[spec["twin"]].admin("POST", "/clock", world.tenant, json={"advance": spec.get("advance", 0)})


async def wait(twins: TwinSet, world: World, spec: dict[str, Any]) -> None:
    """Poll an expectation until it holds; past the timeout the step fails with its last verdict."""
    deadline = time.monotonic() + float(spec.get("timeout", DEFAULT_WAIT))
    while True:
        outcome = await rules.evaluate(twins, world, spec["until"])
        if outcome.passed:
            return
        if time.monotonic() > deadline:
            raise StepFailed(f"timed out waiting: {outcome.detail}")
        await asyncio.sleep(POLL)


async def sleep(_twins: TwinSet, _world: World, seconds: float) -> None:
    await asyncio.sleep(float(seconds))


STEPS: dict[str, Step] = {
    "slack.post": slack_post,
    "slack.command": slack_command,
    "slack.click": slack_click,
    "okta.add_to_group": okta_add,
    "okta.remove_from_group": okta_remove,
    "okta.lifecycle": okta_lifecycle,
    "fault": add_fault,
    "clear_faults": clear_faults,
    "clock": clock,
    "wait": wait,
    "sleep": sleep,
    **jira_driver.STEPS,
}


async def run_step(twins: TwinSet, world: World, step: dict[str, Any]) -> None:
    """Apply one step (a one-key mapping); a twin refusing it becomes StepFailed."""
    ((kind, spec),) = step.items()
    action = STEPS.get(kind)
    if action is None:
        raise StepFailed(f"step {kind} needs a twin this engine does not drive yet")
    try:
        await action(twins, world, spec)
    except TwinsError as exc:
        raise StepFailed(str(exc)) from None
