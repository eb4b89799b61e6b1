"""Twin-hosted response URLs: where an app answers a click, shortcut or slash command, for up to
30 minutes and five times, by posting, replacing or deleting the original, or showing an
ephemeral message to the person."""

from __future__ import annotations

import json
import secrets
from collections import deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response

from twins._runtime import untrusted
from twins._runtime.collection import TenantState
from twins._runtime.context import TwinContext, context_of
from twins._runtime.errors import AdminError
from twins.kit.twin import runtime_of
from twins.slack import humans
from twins.slack.apps import app_row
from twins.slack.call import Call
from twins.slack.methods import chat
from twins.slack.methods.chat_content import read_content
from twins.slack.schemas import team_id

HOOK_TTL = 30 * 60  # a response_url works for 30 minutes...
HOOK_USES = 5  # ...and up to five times
MAX_HOOKS = 50_000


@dataclass
class Hook:
    """A response_url: which app may answer whom, where, about which message."""

    key: str
    tenant: str
    app_id: str
    user_id: str
    channel: str | None
    message_ts: str | None
    created: float
    uses: int = 0
    ephemeral_id: int | None = None


@dataclass
class Interactions:
    """An extension of the Slack twin (built when it starts): live response URLs and the
    ephemeral messages shown."""

    hooks: dict[str, Hook] = field(default_factory=dict)
    ephemeral: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=10_000))
    seq: int = 0

    def new_hook(self, state: TenantState, kind: str, base_url: str, **fields: Any) -> tuple[Hook, str]:
        """A new response_url (`kind` is actions or commands) and its hook."""
        key = f"{secrets.randbelow(10**13):013d}/{secrets.token_urlsafe(18)}"
        while len(self.hooks) >= MAX_HOOKS:  # the oldest are long expired
            del self.hooks[next(iter(self.hooks))]
        hook = self.hooks[key] = Hook(key, state.id, created=state.clock.now(), **fields)
        return hook, f"{base_url}/{kind}/{team_id(state)}/{key}"

    def show(self, hook: Hook, message: dict[str, Any], now: float) -> dict[str, Any]:
        """Record an ephemeral message shown to the hook's user (never stored in history)."""
        self.seq += 1
        entry = {
            "id": self.seq,
            "tenant": hook.tenant,
            "app_id": hook.app_id,
            "user": hook.user_id,
            "channel": hook.channel,
            "message_ts": f"{now:.6f}",
            "text": message.get("text", ""),
            "blocks": message.get("blocks") or [],
            "attachments": message.get("attachments") or [],
            "thread_ts": message.get("thread_ts"),
            "deleted": False,
        }
        self.ephemeral.append(entry)
        hook.ephemeral_id = entry["id"]
        return entry

    def forget(self, tenant: str) -> None:
        """A reset tenant: its response URLs stop working and its ephemeral messages are gone."""
        self.hooks = {k: h for k, h in self.hooks.items() if h.tenant != tenant}
        kept = [e for e in self.ephemeral if e["tenant"] != tenant]
        self.ephemeral.clear()
        self.ephemeral.extend(kept)

    def find_ephemeral(self, entry_id: int | None) -> dict[str, Any] | None:
        return next((e for e in self.ephemeral if e["id"] == entry_id), None)

    @classmethod
    def build(cls, _ctx: TwinContext) -> Interactions:
        return cls()


def install(ctx: TwinContext) -> Interactions:
    """The running twin's registry (its extensions are built on first use)."""
    runtime = runtime_of(ctx)
    runtime.start()
    return runtime.extensions.get(Interactions)


def forget(ctx: TwinContext, tenant_id: str) -> None:
    """A reset tenant's response URLs and ephemeral messages: the twin keeps them outside the store
    (the kit's runtime forgets its event deliveries, queues and rate-limit windows)."""
    install(ctx).forget(tenant_id)


async def respond(
    ctx: TwinContext, hook: Hook, data: dict[str, Any], *, count: bool = True
) -> dict[str, Any]:
    """Apply a message sent to a response_url: delete or replace the original, post, or show."""
    state = ctx.store.get(hook.tenant)
    if state is None:
        raise LookupError(hook.tenant)
    app = app_row(state, hook.app_id)
    hooks = install(ctx)
    if count:
        hook.uses += 1
    content = {k: data[k] for k in ("text", "blocks", "attachments", "thread_ts") if data.get(k) is not None}
    if data.get("delete_original") or data.get("replace_original"):
        verb = "delete" if data.get("delete_original") else "replace"
        if hook.message_ts and hook.channel:
            name = "chat.delete" if verb == "delete" else "chat.update"
            params = {"channel": hook.channel, "ts": hook.message_ts, **content}
            token = humans.bot_token(state, app)
            answer, _ = await humans.run_as(ctx, state.id, token, humans.handler(name), params, name=name)
            return {"action": "deleted" if verb == "delete" else "replaced", "ts": answer.get("ts")}
        shown = hooks.find_ephemeral(hook.ephemeral_id)
        if shown is not None:
            if verb == "delete":
                shown["deleted"] = True
            else:
                shown.update(
                    text=content.get("text", ""),
                    blocks=content.get("blocks") or [],
                    attachments=content.get("attachments") or [],
                )
            return {"action": "deleted" if verb == "delete" else "replaced", "ephemeral": shown}
    if data.get("response_type") == "in_channel" and hook.channel:
        token = humans.bot_token(state, app)
        params = {"channel": hook.channel, **content}

        def post(call: Call) -> dict[str, Any]:
            chan = call.state["conversations"].get(hook.channel or "")
            if chan is None:
                raise AdminError(404, "channel_not_found", f"{hook.channel} is gone")
            author = {"user": app["bot_user_id"], "bot_id": app["bot_id"], "app_id": app["id"]}
            fields = {**read_content(call), **author, **chat.read_thread(call)}
            return {"ts": chat.post(call.state, chan, fields, call.events)["ts"]}

        answer, _ = await humans.run_as(ctx, state.id, token, post, params, name="response_url")
        return {"action": "posted", "channel": hook.channel, "ts": answer["ts"]}
    return {"action": "ephemeral", "ephemeral": hooks.show(hook, content, state.clock.now())}


def _error(status: int, code: str) -> Response:
    return JSONResponse({"ok": False, "error": code}, status_code=status)


def add_hook_routes(router: APIRouter) -> None:
    """Twin-hosted response URLs: /actions/T…/n/secret and /commands/T…/n/secret."""

    @router.post("/actions/{team}/{number}/{secret}", include_in_schema=False)
    @router.post("/commands/{team}/{number}/{secret}", include_in_schema=False)
    async def response_url(team: str, number: str, secret: str, request: Request) -> Response:
        ctx = context_of(request)
        hook = install(ctx).hooks.get(f"{number}/{secret}")
        state = ctx.store.get(hook.tenant) if hook else None
        if hook is None or state is None or team_id(state) != team:
            return _error(404, "no_active_hooks")
        ctx.use_tenant(request, hook.tenant)  # journaled under the hook's workspace
        if state.clock.now() - hook.created > HOOK_TTL:
            return _error(404, "expired_url")
        if hook.uses >= HOOK_USES:
            return _error(404, "used_url")
        raw = await request.body()
        try:
            data = (
                json.loads(raw)
                if raw.strip().startswith(b"{")
                else json.loads(dict(parse_qsl(raw.decode())).get("payload", "{}"))
            )
            problem = untrusted.unstorable(raw, data)
        except (ValueError, UnicodeDecodeError, RecursionError):
            return _error(400, "invalid_payload")
        if not isinstance(data, dict) or problem is not None:
            return _error(400, "invalid_payload")
        if not (
            data.get("delete_original") or data.get("text") or data.get("blocks") or data.get("attachments")
        ):
            return _error(400, "no_text")
        try:
            await respond(ctx, hook, data)
        except AdminError as error:
            return _error(400 if error.status < 500 else error.status, error.code)
        return JSONResponse({"ok": True})
