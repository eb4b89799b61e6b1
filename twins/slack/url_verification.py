"""Slack's url_verification handshake: an app's request URL gets events only once it has echoed
a challenge, when the app is registered and whenever the URL changes."""

from __future__ import annotations

import contextlib
import json
import secrets
from typing import Any
from urllib.parse import parse_qsl

import httpx

from twins._runtime.collection import Row, TenantState
from twins._runtime.context import TwinContext
from twins.slack import outbox
from twins.slack.envelopes import JSON_CONTENT, dumps, verification_token


def echoed(response: httpx.Response, challenge: str) -> bool:
    """The app answered the challenge: as JSON {"challenge": …}, as plain text, or form-encoded."""
    text = response.text.strip()
    if text == challenge:
        return True
    with contextlib.suppress(ValueError, RecursionError):
        data = json.loads(text)
        if isinstance(data, dict) and data.get("challenge") == challenge:
            return True
    return dict(parse_qsl(text)).get("challenge") == challenge


async def handshake(ctx: TwinContext, state: TenantState, app: Row) -> dict[str, Any]:
    """Send the challenge to the app's request URL; whether the app echoed it."""
    challenge = secrets.token_urlsafe(39)
    payload = {"token": verification_token(app), "challenge": challenge, "type": "url_verification"}
    body = dumps(payload).encode()
    outcome = await outbox.send(
        ctx,
        state.id,
        app["id"],
        "url_verification",
        app["event_url"],
        app["signing_secret"],
        body,
        JSON_CONTENT,
    )
    verified = outcome.ok and outcome.response is not None and echoed(outcome.response, challenge)
    error = outcome.record["error"] or (None if verified else "challenge_mismatch")
    return {
        "verified": verified,
        "error": error,
        "http_status": outcome.record["http_status"],
        "delivery_id": outcome.record["id"],
    }


async def verify(ctx: TwinContext, state: TenantState, app_id: str) -> dict[str, Any] | None:
    """Run url_verification for an app with a request URL and store the outcome."""
    app = state["apps"].get(app_id)
    if app is None or not app["event_url"]:
        return None
    result = await handshake(ctx, state, app)
    await ctx.store.run(state.id, lambda st: st["apps"].update(app_id, url_verified=result["verified"]))
    return result
