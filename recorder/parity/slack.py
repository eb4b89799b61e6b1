"""Slack's parity profile: C/G/D/U/W ids, bot tokens by credential class, `next_cursor` paging."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote_plus, urlsplit

from recorder.normalize import parse_json
from recorder.parity.profile import Credential, Profile, body_cursors
from recorder.parity.replay import Replay
from recorder.parity.session import Session
from recorder.trace import Exchange

SLACK_ID = re.compile(r"^[CGDUWFBTAVSE][A-Z0-9]{8,12}$")
ID_IN_TEXT = re.compile(r"\b[CGDUWFBTAV][A-Z0-9]{8,12}\b")
# A conversation id is C…, G… or D… depending on its age and type; a user id U… or W….
ID_KINDS = {**dict.fromkeys("CGD", "conversation"), **dict.fromkeys("UW", "user")}
INVALID = ("invalid_auth", "token_revoked", "token_expired", "account_inactive")
INVALID_TOKEN = "xoxb-0000000000-0000000000000-ParityInvalidToken00000"
CONVERSATION_FACTS = ("is_mpim", "is_im", "is_private", "is_group", "is_member", "is_archived", "is_general")
USER_FACTS = ("deleted", "is_bot", "is_admin", "is_owner", "is_restricted", "is_ultra_restricted")


def endpoint(exchange: Exchange) -> str:
    """The Web API method (`conversations.info`); `(upload)` for a file upload URL."""
    path = urlsplit(exchange.request.url).path
    if "/api/" in path:
        return path.rsplit("/api/", 1)[-1]
    return "(upload)" if "/upload/" in path else f"{exchange.request.method} {path}"


def credential_class(exchange: Exchange) -> Credential:
    """From the recorded answer: `not_authed` had none, `invalid_auth` a bad token, `missing_scope`
    too few scopes; a request with neither header nor `token` field had none."""
    body = parse_json(exchange.response.body.text)
    error = body.get("error") if isinstance(body, dict) else None
    sent = exchange.header("request", "authorization") or "token=" in exchange.request.body.text
    if error == "not_authed" or not sent:
        return Credential.NONE
    if error in INVALID:
        return Credential.INVALID
    return Credential.UNDER_SCOPED if error == "missing_scope" else Credential.VALID


async def credentials(session: Session, needed: set[Credential]) -> dict[Credential, dict[str, str]]:
    """The bot token, a well-formed token Slack never issued, none, and (only when a recording
    needs it, since it adds an app) the bot token of an app installed without any scope."""
    token = (await session.credentials())["bot_token"]
    out = {
        Credential.VALID: {"Authorization": f"Bearer {token}"},
        Credential.INVALID: {"Authorization": f"Bearer {INVALID_TOKEN}"},
        Credential.NONE: {},
    }
    if Credential.UNDER_SCOPED in needed:
        app = await session.admin("POST", "/slack/apps", json={"name": "Parity No Scopes", "scopes": []})
        out[Credential.UNDER_SCOPED] = {"Authorization": f"Bearer {app['bot_token']}"}
    return out


def request_ids(exchange: Exchange) -> set[str]:
    text = unquote_plus(exchange.request.url + "\n" + exchange.request.body.text)
    return set(ID_IN_TEXT.findall(text))


def fits(replay: Replay, row: dict[str, Any], recorded_id: str, bot_user: str) -> bool:
    """Whether a twin conversation or user row is what the recording says the recorded id is."""
    facts = replay.facts.get(recorded_id, {})
    if "members" in row:
        return conversation_fits(row, facts, bot_user)
    return all(bool(row.get(k)) == facts[k] for k in USER_FACTS if k in facts)


def conversation_fits(conv: dict[str, Any], facts: dict[str, Any], bot_user: str) -> bool:
    wanted_kind = (
        "mpim" if facts.get("is_mpim")
        else "im" if facts.get("is_im")
        else "private" if facts.get("is_private") or facts.get("is_group")
        else "public" if any(k in facts for k in CONVERSATION_FACTS)
        else None
    )  # fmt: skip
    return (
        (wanted_kind is None or conv["kind"] == wanted_kind)
        and (bot_user in conv["members"]) == facts.get("is_member", True)
        and bool(conv["is_archived"]) == facts.get("is_archived", False)
        and ("is_general" not in facts or bool(conv["is_general"]) == facts["is_general"])
    )


async def _pool(replay: Replay, recorded_id: str) -> list[dict[str, Any]]:
    kind = ID_KINDS.get(recorded_id[0])
    if kind is None:
        return []
    return await replay.session.rows("conversations" if kind == "conversation" else "users")


async def resolve(replay: Replay, recorded_id: str, exchange: Exchange) -> str | None:
    """The twin conversation or user that fits what the recording shows of a recorded id."""
    if recorded_id not in request_ids(exchange):
        return None  # a fragment of a twin URL or token, not a recorded id
    bot_user = str((await replay.session.credentials())["bot_user_id"])
    taken = set(replay.ids.values())
    pool = await _pool(replay, recorded_id)
    fitting = [str(r["id"]) for r in pool if fits(replay, r, recorded_id, bot_user)]
    fresh = [i for i in fitting if i not in taken]
    return (fresh or fitting)[0] if fitting else None


async def before(replay: Replay, exchange: Exchange) -> None:
    """Forget a pairing learnt by position when the recording says the id is something else."""
    bot_user = str((await replay.session.credentials())["bot_user_id"])
    for recorded_id in request_ids(exchange):
        twin_id = replay.ids.get(recorded_id)
        if twin_id is None or ID_KINDS.get(twin_id[0]) is None:
            continue
        rows = [r for r in await _pool(replay, twin_id) if r["id"] == twin_id]
        if rows and not fits(replay, rows[0], recorded_id, bot_user):
            del replay.ids[recorded_id]


async def prepare(replay: Replay) -> None:
    """What recordings talk about beyond the seed: a group DM (mpim) the bot is in, and (in
    process, since no Web API method deactivates one) a deactivated bot user."""
    session = replay.session
    users = await session.rows("users")
    humans = [str(u["id"]) for u in users if not u["is_bot"] and not u["deleted"]]
    token = (await session.credentials())["bot_token"]
    opened = await session.client.post(
        "/api/conversations.open",
        data={"users": ",".join(humans[1:3])},
        headers={"Authorization": f"Bearer {token}", **session.tenant_headers()},
    )
    if not opened.json().get("ok"):
        raise RuntimeError(f"conversations.open failed on the fresh workspace: {opened.text}")
    if session.app is not None:
        registered = await session.admin("POST", "/slack/apps", json={"name": "Retired Bot"})
        bot_user = registered["bot_user_id"]
        ctx = session.app.state.twin
        await ctx.store.run(
            ctx.settings.default_tenant, lambda st: st["users"].update(bot_user, deleted=True)
        )


# (method, key path) -> why the twin's answer differs there from the recording.
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
    ("conversations.info", "channel.is_group"): (
        "legacy mpim field: 2016-era group DMs were private groups (`is_group: true`); current mpims are not"
    ),
    ("conversations.list", "channels"): (
        "the recorded workspace holds other (and over 100) conversations; a fresh twin holds its seeded few"
    ),
    ("conversations.list", "(next page)"): "as above: more than one page of conversations was recorded",
    ("users.list", "members"): "the recorded workspace holds other people than the seeded one",
    **{
        ("files.completeUploadExternal", f"files[].{key}"): (
            "Slack shares an uploaded file asynchronously: its answer still shows the file unshared; "
            "the twin shares it before answering"
        )
        for key in ("is_public", "shares", "channels", "groups", "ims")
    },
}

PROFILE = Profile(
    name="slack",
    is_id=lambda value: bool(SLACK_ID.match(value)),
    id_kind=lambda value: ID_KINDS.get(value[0], value[0]),
    id_in_text=ID_IN_TEXT,
    endpoint=endpoint,
    credential_class=credential_class,
    credentials=credentials,
    cursors=body_cursors("response_metadata.next_cursor"),
    resolve=resolve,
    before=before,
    prepare=prepare,
    declared=DIFFERENCES,
)
