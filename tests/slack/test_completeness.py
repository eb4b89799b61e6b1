"""Response completeness against Slack's official spec (2021): every Web API method the twin has is
called once with valid arguments, and every property the spec's success schema or example defines
must be in the twin's answer, or be declared in LIMITATIONS.md ("Response completeness") with the
reason. A method the twin gains is toured too, so it cannot drop properties unnoticed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.slack.conftest import make_app
from tests.support.completeness import declared, report, success_paths
from tests.support.servers import serve_app
from twins.slack.methods import load_all

pytestmark = pytest.mark.reference

ROOT = Path(__file__).resolve().parents[2]
SPEC = (
    ROOT.parent
    / "shared"
    / "reference"
    / "slack"
    / "slack-api-specs"
    / "web-api"
    / "slack_web_openapi_v2.json"
)
if not SPEC.is_file():
    pytest.skip(f"{SPEC} is not here", allow_module_level=True)

from tests.slack.test_conformance import PER_METHOD, RAW, arrange, token_for  # noqa: E402

LIMITATIONS = ROOT / "twins" / "slack" / "LIMITATIONS.md"
# Methods called last, in this order: they delete, close or revoke what the others use.
LAST = [
    "reactions.remove", "pins.remove", "chat.deleteScheduledMessage", "files.delete", "chat.delete",
    "usergroups.disable", "usergroups.enable", "conversations.kick", "conversations.archive",
    "conversations.unarchive", "conversations.leave", "auth.revoke",
]  # fmt: skip
# Arguments a method needs on top of those `arrange` finds (and PER_METHOD of the conformance test).
EXTRA: dict[str, dict[str, str]] = {
    "conversations.join": {"channel": "{random}"},
    "conversations.invite": {"users": "{outsider}"},
    "conversations.kick": {"user": "{member}"},
    "conversations.open": {"users": "{member}"},
    "conversations.replies": {"ts": "{thread}"},
    "chat.postEphemeral": {"user": "{member}"},
    "usergroups.list": {"include_users": "true", "include_count": "true"},
    **{
        m: {"include_count": "true"}
        for m in ("usergroups.create", "usergroups.update", "usergroups.enable", "usergroups.disable")
    },
    "usergroups.users.update": {"include_count": "true"},
}
# Arguments `arrange` finds that a method must not get (reactions and pins of the message, not the file).
DROP = {
    "reactions.get": {"file"},
    "reactions.remove": {"file"},
    "reactions.list": {"user"},  # the bot's own reactions
    "pins.add": {"file"},
    "pins.remove": {"file"},
    "files.list": {"user"},  # the bot uploaded the file
    "users.getPresence": {"user"},  # the caller's own presence has every field
}
# Methods the tour cannot answer with ok, and why (their properties are then not checked).
NOT_TOURED = {
    "oauth.v2.access": "needs an authorization code from the /oauth/v2/authorize redirect",
    "views.open": "needs a trigger_id from an interaction",
    "views.push": "needs a trigger_id from an interaction and an open modal",
    "views.update": "needs an open view",
}


def spec_operation(method: str) -> dict[str, Any]:
    item = RAW["paths"][f"/{method}"]
    return dict(item.get("post") or item.get("get"))


def order(methods: list[str]) -> list[str]:
    return sorted(methods, key=lambda m: (LAST.index(m) if m in LAST else -1, m))


def arguments(method: str, values: dict[str, str]) -> dict[str, str]:
    """Valid values for the parameters the spec declares, then the method's own extras."""
    declared_names = {p["name"] for p in spec_operation(method).get("parameters", []) if "name" in p}
    out = {k: v for k, v in values.items() if k in declared_names - DROP.get(method, set())}
    out.update(PER_METHOD.get(method, {}))
    out.update({k: v.format(**values) for k, v in EXTRA.get(method, {}).items()})
    return out


@pytest.fixture(scope="module")
def answers() -> Iterator[dict[str, list[Any]]]:
    """One ok answer per method the twin has (bar NOT_TOURED), from a fresh twin over HTTP."""
    app = make_app()
    ctx = app.state.twin
    creds = dict(ctx.service.credentials(ctx.default_state(), ""))
    out: dict[str, list[Any]] = {}
    with serve_app(app) as url:
        ctx.settings.public_url = url
        values = arrange(url, creds, ctx.default_state().clock.now())
        values.update(people(url, creds, values))
        methods = [m for m in load_all() if f"/{m}" in RAW["paths"]]
        with httpx.Client(base_url=f"{url}/api") as client:
            for method in order(methods):
                headers = {"Authorization": f"Bearer {token_for(method, creds)}"}
                body = client.post(f"/{method}", data=arguments(method, values), headers=headers).json()
                if body.get("ok"):
                    out[method] = [body]
                else:
                    out.setdefault(f"{method} (failed)", []).append(body)
    ctx.store.stop()
    yield out


def people(url: str, creds: dict[str, Any], values: dict[str, str]) -> dict[str, str]:
    """Two members of the channel (one of them then removed), a thread parent there, and a public
    channel the bot is not in."""
    headers = {"Authorization": f"Bearer {creds['bot_token']}"}
    with httpx.Client(base_url=f"{url}/api", headers=headers) as client:
        members = client.post("/conversations.members", data={"channel": values["channel"]}).json()["members"]
        everyone = client.post("/users.list").json()["members"]
        root = client.post("/chat.postMessage", data={"channel": values["channel"], "text": "thread"}).json()
        client.post(
            "/chat.postMessage", data={"channel": values["channel"], "text": "r", "thread_ts": root["ts"]}
        )
        channels = client.post("/conversations.list").json()["channels"]
        humans = [u["id"] for u in everyone if not (u["is_bot"] or u["deleted"] or u["is_restricted"])]
        member, outsider = [m for m in members if m in humans and m != values["user"]][:2]
        kick = {"channel": values["channel"], "user": outsider}
        kicked = client.post("/conversations.kick", data=kick).json()
        assert kicked["ok"], kicked  # conversations.invite brings them back
    random = next(c["id"] for c in channels if c["name"] == "random")
    return {"member": member, "outsider": outsider, "thread": root["ts"], "random": random}


def test_every_method_is_toured(answers: dict[str, list[Any]]) -> None:
    failed = {k: v for k, v in answers.items() if k.endswith("(failed)")}
    untoured = {k.removesuffix(" (failed)") for k in failed}
    assert untoured - set(NOT_TOURED) == set(), json.dumps(failed, indent=1)[:3000]
    assert set(NOT_TOURED) - untoured == set(), "NOT_TOURED lists methods the tour now answers"


def test_no_property_is_dropped_undeclared(answers: dict[str, list[Any]]) -> None:
    toured = [m for m in answers if not m.endswith("(failed)")]
    defined = {m: success_paths(RAW, spec_operation(m)) for m in toured}
    rows = declared(LIMITATIONS)
    found = report(defined, answers, rows)
    assert not any(found.undeclared.values()), "not returned and not in LIMITATIONS.md:\n" + found.text()
    assert not found.unused, f"LIMITATIONS.md declares properties the twin now returns: {found.unused}"
    assert all(r.reason.strip() for r in rows), "every declared difference needs its reason"
