"""auth.test, auth.revoke, api.test, team.info."""

from __future__ import annotations

from typing import Any

from twins.slack.call import Call
from twins.slack.errors import SlackError
from twins.slack.methods import method
from twins.slack.schemas import team


@method("api.test", auth=None)
def api_test(call: Call) -> dict[str, Any]:
    if call.params.text("error"):
        raise SlackError(code=call.params.text("error"), args=dict(call.params))
    args = {k: v for k, v in call.params.items() if k != "token"}
    return {"args": args} if args else {}


@method("auth.test")
def auth_test(call: Call) -> dict[str, Any]:
    t = team(call.state)
    user = call.state["users"].get(call.user_id) or {}
    out: dict[str, Any] = {
        "url": t.get("url", ""),
        "team": t.get("name", ""),
        "user": user.get("name", ""),
        "team_id": t.get("id", ""),
        "user_id": call.user_id,
    }
    if call.is_bot:
        out["bot_id"] = user.get("bot_id", "")
    out["is_enterprise_install"] = False
    return out


@method("auth.revoke", write=True)
def auth_revoke(call: Call) -> dict[str, Any]:
    if call.params.flag("test"):
        return {"revoked": False}
    assert call.token is not None
    call.state["tokens"].update(call.token["id"], revoked=True)
    return {"revoked": True}


@method("team.info")
def team_info(call: Call) -> dict[str, Any]:
    t = team(call.state)
    wanted = call.params.text("team")
    if wanted and wanted != t.get("id"):
        raise SlackError(code="team_not_found")
    return {"team": {k: v for k, v in t.items() if k != "url"} | {"url": t.get("url", "")}}
