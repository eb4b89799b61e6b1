"""Parity with real Slack: the slack-ruby-client's VCR cassettes replayed against a fresh twin.

Each recorded request goes to the twin with the recorded ids rewritten to the twin's own: learnt
by pairing the recorded and the twin's answers, or chosen by `Workspace.resolve` from what the
recording says about the thing named (a channel the bot is in, a deactivated bot user...). Every
answer must have the recorded HTTP status, the same `ok`/`error`, and every key path of the
recorded body holding a value of the same kind once ids and timestamps are normalised. What
differs is declared in DIFFERENCES with its reason, never edited out of a recording.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

import httpx
import pytest
from fastapi import FastAPI

from recorder.importers import load_recording
from recorder.normalize import parse_json, placeholder
from recorder.replay import ID_IN_TEXT, Replayer, Step
from recorder.trace import Exchange
from tests.parity.conftest import Outcome
from tests.slack.conftest import make_app
from tests.support.state import default_state
from twins._runtime.collection import Row, TenantState

REFERENCE = Path(__file__).resolve().parents[2].parent / "shared" / "reference"
CASSETTES = REFERENCE / "slack" / "slack-ruby-client" / "spec" / "fixtures" / "slack" / "web"
BASE = "http://testserver"

# (method, key path) -> why the twin's answer differs there from the recording. A path listed
# here may be missing from the twin's answer or hold a value of another kind.
DIFFERENCES: dict[tuple[str, str], str] = {
    ("conversations.list", "channels[].members"): (
        "2016-era recording of a legacy mpim: conversations.list no longer lists members "
        "(conversations.members does); the twin follows the current conversation object"
    ),
    ("conversations.info", "channel.members"): "legacy mpim field, as above",
    ("conversations.info", "channel.is_open"): "legacy mpim field (IMs only in the current object)",
    ("conversations.info", "channel.latest"): "legacy mpim field: the twin does not render `latest`",
    ("conversations.info", "channel.unread_count"): "legacy field: no unread counts in the twin",
    ("conversations.info", "channel.unread_count_display"): "legacy field: no unread counts in the twin",
    ("users.list", "members[].is_invited_user"): (
        "present only for people invited but not yet joined; the seeded workspace has none"
    ),
    ("users.list", "members[].profile.image_original"): (
        "only users with an uploaded avatar have it; seeded users have default avatars"
    ),
    ("users.list", "members[].profile.is_custom_image"): "as image_original: no uploaded avatars",
    ("users.list", "members[].profile.image_1024"): "as image_original: no uploaded avatars",
    ("users.info", "user.profile.image_original"): "as image_original: no uploaded avatars",
    ("users.info", "user.profile.is_custom_image"): "as image_original: no uploaded avatars",
}
# Id kinds: a conversation id is C…, G… or D… depending on its age and type; a user id U… or W….
ID_KINDS = {
    **{f"id:{p}": "id:conversation" for p in "CGD"},
    **{f"id:{p}": "id:user" for p in "UW"},
}
# Recorded facts that decide which twin object stands for a recorded id.
CONVERSATION_FACTS = ("is_mpim", "is_im", "is_private", "is_group", "is_member", "is_archived", "is_general")
USER_FACTS = ("deleted", "is_bot", "is_admin", "is_owner", "is_restricted", "is_ultra_restricted")


def cassettes() -> list[Any]:
    """Every cassette; `429_error.yml` holds a plain 200 auth.test (the Ruby spec stubs the 429
    itself), replayed as recorded like the rest."""
    found = sorted(CASSETTES.glob("*.yml")) if CASSETTES.is_dir() else []
    if not found:
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"{CASSETTES} is not here"))]
    return [pytest.param(path, id=path.stem) for path in found]


def method_of(exchange: Exchange) -> str:
    path = exchange.request.url.split("?")[0]
    return path.rsplit("/api/", 1)[-1] if "/api/" in path else "(upload)"


def kind(value: Any) -> str:
    """The kind of a JSON value once volatile parts are normalised: `id:C`, `ts`, `int`, `str`..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return type(value).__name__
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "object"
    if not value:
        return "empty"
    normal = placeholder(value)
    if normal == value:
        return "str"
    name = str(normal).strip("<>")
    return ID_KINDS.get(name, name)


def compatible(recorded: set[str], twin: set[str]) -> bool:
    """Same kind somewhere; an empty string stands for any string (an unset topic, no creator)."""
    if recorded & twin:
        return True
    strings = {"str", "empty", "ts", "timestamp", *ID_KINDS.values()}
    return bool(("empty" in recorded and twin & strings) or ("empty" in twin and recorded & strings))


def kinds(value: Any, prefix: str = "", out: dict[str, set[str]] | None = None) -> dict[str, set[str]]:
    """Key path -> the kinds of value found there (list items share `[]`)."""
    out = {} if out is None else out
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            out.setdefault(path, set()).add(kind(item))
            kinds(item, path, out)
    elif isinstance(value, list):
        for item in value:
            kinds(item, f"{prefix}[]", out)
    return out


def recorded_facts(exchanges: list[Exchange]) -> dict[str, dict[str, Any]]:
    """Recorded id -> the flags the recording shows for it (is_member, deleted, is_bot...)."""
    facts: dict[str, dict[str, Any]] = {}

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if isinstance(value.get("id"), str):
                known = facts.setdefault(value["id"], {})
                known.update({k: v for k, v in value.items() if isinstance(v, bool)})
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for exchange in exchanges:
        walk(parse_json(exchange.response.body.text))
    return facts


def request_ids(exchange: Exchange) -> set[str]:
    text = unquote_plus(exchange.request.url + "\n" + exchange.request.body.text)
    return set(ID_IN_TEXT.findall(text))


@dataclass
class Workspace:
    """The twin under test, and what the recording says about the ids it names."""

    app: FastAPI
    facts: dict[str, dict[str, Any]]
    replayer: Replayer | None = None
    used: set[str] = field(default_factory=set)

    @property
    def state(self) -> TenantState:
        return default_state(self.app)

    @property
    def bot_user(self) -> str:
        return str(next(t["user_id"] for t in self.state["tokens"] if t["kind"] == "bot"))

    def fits(self, twin_id: str, recorded_id: str) -> bool:
        """Whether a twin conversation or user is what the recording says the recorded id is."""
        facts = self.facts.get(recorded_id, {})
        conv = self.state["conversations"].get(twin_id)
        if conv is not None:
            return self._conversation_fits(conv, facts)
        user = self.state["users"].get(twin_id)
        if user is not None:
            return all(bool(user[k]) == facts[k] for k in USER_FACTS if k in facts)
        return True

    def _conversation_fits(self, conv: Row, facts: dict[str, Any]) -> bool:
        wanted_kind = (
            "mpim" if facts.get("is_mpim")
            else "im" if facts.get("is_im")
            else "private" if facts.get("is_private") or facts.get("is_group")
            else "public" if any(k in facts for k in CONVERSATION_FACTS)
            else None
        )  # fmt: skip
        return (
            (wanted_kind is None or conv["kind"] == wanted_kind)
            and (self.bot_user in conv["members"]) == facts.get("is_member", True)
            and bool(conv["is_archived"]) == facts.get("is_archived", False)
            and ("is_general" not in facts or bool(conv["is_general"]) == facts["is_general"])
        )

    def resolve(self, recorded_id: str, exchange: Exchange) -> str | None:
        """The twin id to use for a recorded id first seen in a request (Replayer fallback)."""
        if recorded_id not in request_ids(exchange):
            return None  # a fragment of a twin URL or token, not a recorded id
        taken = set(self.replayer.ids.values()) if self.replayer else set()
        pool: list[Row]
        if recorded_id[0] in "CGD":
            pool = list(self.state["conversations"])
        elif recorded_id[0] in "UW":
            pool = list(self.state["users"])
        else:
            return None
        fitting = [row["id"] for row in pool if self.fits(row["id"], recorded_id)]
        fresh = [i for i in fitting if i not in taken]
        choice = (fresh or fitting or [None])[0]
        return str(choice) if choice else None

    def before(self, exchange: Exchange) -> None:
        """Forget a pairing learnt by position when the recording says the id is something else."""
        assert self.replayer is not None
        for recorded_id in request_ids(exchange):
            twin_id = self.replayer.ids.get(recorded_id)
            if twin_id is not None and not self.fits(twin_id, recorded_id):
                del self.replayer.ids[recorded_id]


async def arrange(client: httpx.AsyncClient, workspace: Workspace, token: str) -> None:
    """What the recordings talk about beyond the seed: an mpim with the bot, a deactivated bot."""
    humans = [u["id"] for u in workspace.state["users"] if not u["is_bot"] and not u["deleted"]]
    opened = await client.post(
        "/api/conversations.open",
        data={"users": ",".join(humans[1:3])},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert opened.json()["ok"], opened.text
    registered = await client.post("/_twin/slack/apps", json={"name": "Retired Bot"})
    assert registered.status_code == 201, registered.text
    bot_user = registered.json()["bot_user_id"]
    ctx = workspace.app.state.twin
    await ctx.store.run(ctx.settings.default_tenant, lambda st: st["users"].update(bot_user, deleted=True))


def differences(step: Step) -> tuple[list[str], list[str]]:
    """(undeclared, declared) differences of one replayed exchange."""
    method = method_of(step.exchange)
    found: list[str] = []
    if not step.same_status:
        found.append(f"status {step.status[0]} recorded, {step.status[1]} from the twin")
    for key, (recorded, twin) in step.outcome.items():
        if recorded != twin:
            found.append(f"{key}: {recorded!r} recorded, {twin!r} from the twin")
    recorded_body = parse_json(step.exchange.response.body.text)
    twin_body = parse_json(step.response_text)
    recorded_text = step.exchange.response.body.text
    if recorded_body is None and recorded_text.strip() != step.response_text.strip():
        found.append(f"body {recorded_text!r} recorded, {step.response_text!r} from the twin")
    r_kinds, t_kinds = kinds(recorded_body), kinds(twin_body)
    for path in sorted(r_kinds):
        if path not in t_kinds:
            found.append(f"{path}: missing")
        elif not compatible(r_kinds[path], t_kinds[path]):
            found.append(f"{path}: {sorted(r_kinds[path])} recorded, {sorted(t_kinds[path])} from the twin")
    undeclared = [d for d in found if (method, d.split(":")[0]) not in DIFFERENCES]
    declared = [d for d in found if d not in undeclared]
    return undeclared, declared


@pytest.fixture
def twin() -> Iterator[FastAPI]:
    app = make_app()
    yield app
    app.state.twin.store.stop()


@pytest.fixture
async def http(twin: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=twin), base_url=BASE) as client:
        yield client


@pytest.mark.reference
@pytest.mark.parametrize("cassette", cassettes())
async def test_recording_replays_like_slack(
    cassette: Path, twin: FastAPI, http: httpx.AsyncClient, parity_log: list[Outcome]
) -> None:
    exchanges = load_recording(cassette)
    workspace = Workspace(twin, recorded_facts(exchanges))
    token = twin.state.twin.service.credentials(workspace.state, BASE)["bot_token"]
    await arrange(http, workspace, token)
    replayer = Replayer(http, headers={"Authorization": f"Bearer {token}"}, fallback=workspace.resolve)
    workspace.replayer = replayer
    steps = await replayer.run(exchanges, before=workspace.before)

    report = []
    for step in steps:
        undeclared, declared = differences(step)
        exact = not (undeclared or declared)
        parity_log.append(Outcome("slack", cassette.stem, method_of(step.exchange), exact, not undeclared))
        if undeclared:
            report.append(f"#{step.exchange.seq} {method_of(step.exchange)}: " + "; ".join(undeclared))
    assert not report, "differences from the recording that are not declared:\n" + "\n".join(report)


def test_every_declared_difference_has_a_reason() -> None:
    assert all(reason.strip() for reason in DIFFERENCES.values())
