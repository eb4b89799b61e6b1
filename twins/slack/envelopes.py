"""What the twin sends to an app: the `event_callback` envelope around an event, and the signed
headers every request to an app carries (events, url_verification, interactivity, commands)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from twins._runtime.collection import Row, TenantState
from twins._runtime.ids import ALNUM
from twins.slack.schemas import team_id
from twins.slack.subscriptions import channel_of

USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"
JSON_CONTENT = "application/json"
FORM_CONTENT = "application/x-www-form-urlencoded"


def dumps(value: Any) -> str:
    """JSON as Slack sends it: no spaces."""
    return json.dumps(value, separators=(",", ":"))


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """Slack's request signature: v0=HMAC-SHA256(signing secret, "v0:{ts}:{body}")."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def verification_token(app: Row) -> str:
    """The app's (deprecated) verification token, derived from its signing secret."""
    digest = hmac.new(app["signing_secret"].encode(), b"verification_token", hashlib.sha256).digest()
    value = int.from_bytes(digest, "big")
    out = []
    for _ in range(24):
        value, rem = divmod(value, len(ALNUM))
        out.append(ALNUM[rem])
    return "".join(out)


def signed_headers(
    secret: str,
    timestamp: str,
    body: bytes,
    content_type: str,
    retry: tuple[int, str | None] | None = None,
) -> dict[str, str]:
    """The headers of a request to an app; a retried event says which attempt and why."""
    headers = {
        "Content-Type": content_type,
        "User-Agent": USER_AGENT,
        "Accept": "*/*",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": sign(secret, timestamp, body),
    }
    if retry is not None:
        headers["X-Slack-Retry-Num"] = str(retry[0])
        headers["X-Slack-Retry-Reason"] = retry[1] or "unknown_error"
    return headers


def event_callback(
    state: TenantState, app: Row, event_type: str, event: dict[str, Any], event_id: str
) -> dict[str, Any]:
    """The envelope an app receives around one event, with its authorizations and context."""
    now = state.clock.now()
    event = dict(event)
    event.setdefault("type", event_type)
    event.setdefault("event_ts", event.get("ts") or f"{now:.6f}")
    team = team_id(state)
    context = {"et": event_type, "tid": team, "aid": app["id"]}
    if channel_of(event):
        context["cid"] = str(channel_of(event))
    encoded = base64.urlsafe_b64encode(dumps(context).encode())
    return {
        "token": verification_token(app),
        "team_id": team,
        "context_team_id": team,
        "context_enterprise_id": None,
        "api_app_id": app["id"],
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(now),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team,
                "user_id": app["bot_user_id"],
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": "4-" + encoded.decode().rstrip("="),
    }
