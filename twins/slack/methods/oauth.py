"""OAuth v2: the authorize step (codes, served by side_routes) and oauth.v2.access (tokens)."""

from __future__ import annotations

import hmac
from typing import Any

from fastapi import Request

from twins._runtime.collection import Row, TenantState
from twins._runtime.context import TwinContext
from twins.slack import lookup, scopes
from twins.slack.auth import ClientApp, tenant_of_client
from twins.slack.call import Call
from twins.slack.errors import SlackError
from twins.slack.methods import method
from twins.slack.seed import DIGITS, new_webhook

CODE_TTL = 600  # seconds an authorization code stays valid
WEBHOOK_SCOPE = "incoming-webhook"
# Scope names Slack knows beyond those the method table mentions.
EXTRA_SCOPES = {
    "admin",
    "calls:read",
    "calls:write",
    "canvases:read",
    "canvases:write",
    "channels:write.invites",
    "channels:write.topic",
    "chat:write.public",
    "dnd:read",
    "dnd:write",
    "email",
    "emoji:read",
    "groups:write.invites",
    "groups:write.topic",
    "identify",
    "im:write.topic",
    "links.embed:write",
    "links:read",
    "links:write",
    "metadata.message:read",
    "mpim:write.topic",
    "openid",
    "profile",
    "reminders:read",
    "reminders:write",
    "remote_files:read",
    "remote_files:share",
    "remote_files:write",
    "search:read",
    "stars:read",
    "stars:write",
    "team.billing:read",
    "team.preferences:read",
    "usergroups:write",
    "users:write",
}
KNOWN_SCOPES = (
    set(scopes.BOT_SCOPES)
    | set(scopes.USER_SCOPES)
    | {s for accepted, _ in scopes.METHODS.values() for s in accepted}
    | EXTRA_SCOPES
)


def find_tenant(ctx: TwinContext, request: Request, client_id: str) -> str | None:
    """The tenant whose app has `client_id`: the request's own tenant first, then any other."""
    return tenant_of_client(ctx.store, ctx.tenant_id(request), client_id)


def split_scopes(value: str) -> list[str]:
    return sorted({s.strip() for s in value.replace(" ", ",").split(",") if s.strip()})


def _redirect_ok(app: Row, uri: str) -> bool:
    configured = [u.rstrip("/") for u in app["redirect_urls"]]
    if not configured:
        return uri.startswith(("http://", "https://"))
    return any(uri == u or uri.startswith(u + "/") or uri.startswith(u + "?") for u in configured)


def _installer(state: TenantState, hint: str) -> Row:
    users = state["users"]
    if hint:
        row = users.get(hint) or users.by("email", hint)
        if row is None or row["deleted"] or row["is_bot"]:
            raise SlackError(code="user_not_found")
        return row
    admins = [u for u in users if u["is_admin"] and not u["deleted"] and not u["is_bot"]]
    if not admins:
        raise SlackError(code="user_not_found")
    return admins[0]


def issue_code(state: TenantState, query: dict[str, str]) -> tuple[str, str]:
    """The authorize step for a seeded user: a code row, and the redirect URI to send it to."""
    app = state["apps"].by("client_id", query.get("client_id", "").strip())
    if app is None:
        raise SlackError(code="invalid_client_id")
    bot_scopes = split_scopes(query.get("scope", ""))
    user_scopes = split_scopes(query.get("user_scope", ""))
    if not bot_scopes and not user_scopes:
        raise SlackError(code="invalid_scope")
    unknown = [s for s in [*bot_scopes, *user_scopes] if s not in KNOWN_SCOPES]
    if unknown:
        raise SlackError(code="invalid_scope", scope=",".join(unknown))
    redirect = query.get("redirect_uri", "").strip()
    if not redirect and app["redirect_urls"]:
        redirect = str(app["redirect_urls"][0])
    if not redirect or not _redirect_ok(app, redirect):
        raise SlackError(code="bad_redirect_uri")
    user = _installer(state, query.get("login_hint", "").strip())
    channel = None
    if WEBHOOK_SCOPE in bot_scopes:
        ref = query.get("channel", "").strip()
        convs = state["conversations"]
        chan = lookup.find_conversation(state, ref) if ref else None
        if chan is None:
            chan = next((c for c in convs if c["is_general"]), None)
        if chan is None or chan["is_archived"]:
            raise SlackError(code="channel_not_found")
        channel = chan["id"]
    code = (
        f"{state.ids.chars('oauth_code', 12, DIGITS)}.{state.ids.chars('oauth_code', 13, DIGITS)}."
        f"{state.ids.hex('oauth_code', 64)}"
    )
    state["oauth_codes"].insert(
        {
            "id": code,
            "app_id": app["id"],
            "user_id": user["id"],
            "bot_scopes": bot_scopes,
            "user_scopes": user_scopes,
            "redirect_uri": query.get("redirect_uri", "").strip(),
            "expires": int(state.clock.now()) + CODE_TTL,
            "webhook_channel": channel,
        }
    )
    return code, redirect


def _team_num(state: TenantState) -> str:
    for token in state["tokens"]:
        parts = str(token["id"]).split("-")
        if len(parts) > 2 and parts[1].isdigit():
            return parts[1]
    return state.ids.chars("team_num", 12, DIGITS)


def _grant(call: Call, kind: str, app: Row, user_id: str, wanted: list[str]) -> Row:
    """The installation's token of `kind` (kept across re-installs), with the scopes added."""
    tokens = call.state["tokens"]
    found = next(
        (
            t
            for t in tokens.where("user_id", user_id)
            if t["kind"] == kind and t["app_id"] == app["id"] and not t["revoked"]
        ),
        None,
    )
    if found is not None:
        return tokens.update(found["id"], scopes=sorted({*found["scopes"], *wanted}))
    ids, num = call.state.ids, _team_num(call.state)
    if kind == "bot":
        token = f"xoxb-{num}-{ids.chars('tok', 13, DIGITS)}-{ids.chars('tok', 24)}"
    else:
        token = (
            f"xoxp-{num}-{ids.chars('tok', 13, DIGITS)}-{ids.chars('tok', 13, DIGITS)}-{ids.hex('tok', 32)}"
        )
    return tokens.insert(
        {
            "id": token,
            "kind": kind,
            "user_id": user_id,
            "app_id": app["id"],
            "scopes": sorted(set(wanted)),
            "created": int(call.now),
        }
    )


def _code(call: Call, app: Row) -> Row:
    value = call.params.text("code").strip()
    row = call.state["oauth_codes"].get(value) if value else None
    if row is None or row["app_id"] != app["id"] or call.now > row["expires"]:
        raise SlackError(code="invalid_code")
    if row["used"]:
        raise SlackError(code="code_already_used")
    redirect = call.params.text("redirect_uri").strip()
    if row["redirect_uri"] and redirect and redirect != row["redirect_uri"]:
        raise SlackError(code="bad_redirect_uri")
    return row


@method("oauth.v2.access", write=True, auth=ClientApp())
def oauth_v2_access(call: Call) -> dict[str, Any]:
    grant_type = call.params.text("grant_type").strip()
    if grant_type == "refresh_token":
        raise SlackError(code="invalid_refresh_token")
    if grant_type and grant_type != "authorization_code":
        raise SlackError(code="invalid_grant_type")
    app = call.state["apps"].by("client_id", call.params.text("client_id").strip())
    if app is None:
        raise SlackError(code="invalid_client_id")
    given = call.params.text("client_secret").strip()
    if not hmac.compare_digest(given.encode(), str(app["client_secret"]).encode()):
        raise SlackError(code="bad_client_secret")
    code = _code(call, app)
    call.state["oauth_codes"].update(code["id"], used=True)
    team = call.state.meta.get("team", {})
    out: dict[str, Any] = {"app_id": app["id"], "authed_user": {"id": code["user_id"]}}
    if code["bot_scopes"]:
        bot = _grant(call, "bot", app, app["bot_user_id"], code["bot_scopes"])
        out.update(
            scope=",".join(bot["scopes"]),
            token_type="bot",
            access_token=bot["id"],
            bot_user_id=app["bot_user_id"],
        )
    if code["user_scopes"]:
        user = _grant(call, "user", app, code["user_id"], code["user_scopes"])
        out["authed_user"].update(scope=",".join(user["scopes"]), access_token=user["id"], token_type="user")
    out.update(
        team={"id": team.get("id", ""), "name": team.get("name", "")},
        enterprise=None,
        is_enterprise_install=False,
    )
    if code["webhook_channel"]:
        chan = call.state["conversations"].get(code["webhook_channel"])
        if chan is None:
            raise SlackError(code="channel_not_found")
        hook = new_webhook(call.state, app["id"], chan["id"], code["user_id"])
        bot_id = hook["id"].split("/")[0]
        out["incoming_webhook"] = {
            "channel": f"#{chan['name']}" if chan["name"] else chan["id"],
            "channel_id": chan["id"],
            "configuration_url": f"https://{team.get('domain', 'workspace')}.slack.com/services/{bot_id}",
            "url": f"{call.base_url}{hook['url_path']}",
        }
    return out
