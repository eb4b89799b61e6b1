"""Slack's endpoints outside the Web API: the upload URL of files v2, file downloads (url_private),
incoming webhooks (/services/T…/B…/secret) and the OAuth v2 authorize step."""

from __future__ import annotations

import base64
import html
import json
from email import policy
from email.parser import BytesParser
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from fastapi import APIRouter, Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from twins._runtime import untrusted
from twins._runtime.collection import Row, TenantState
from twins._runtime.context import TwinContext, context_of
from twins._runtime.errors import TwinError
from twins.kit.auth import Credential
from twins.kit.twin import runtime_of
from twins.slack import outbox
from twins.slack.auth import TOKENS
from twins.slack.call import EventList
from twins.slack.methods import chat, files, oauth

MAX_WEBHOOK_TEXT = 40_000
MAX_ATTACHMENTS = 100


class HookError(Exception):
    """An incoming-webhook failure: Slack answers with a plain-text code and an HTTP status."""

    def __init__(self, status: int, code: str) -> None:
        super().__init__(code)
        self.status = status
        self.code = code


def _text(status: int, body: str) -> Response:
    return PlainTextResponse(body, status_code=status)


def _page(status: int, title: str, detail: str) -> Response:
    body = f"<!DOCTYPE html><html><head><title>{html.escape(title)}</title></head><body>"
    body += f"<h1>{html.escape(title)}</h1><p>{html.escape(detail)}</p></body></html>"
    return Response(body, status_code=status, media_type="text/html; charset=utf-8")


# --- files v2 upload URL --------------------------------------------------------------------------
async def _upload_bytes(request: Request) -> bytes | None:
    """The raw body, or the `file` field of a multipart form."""
    header = request.headers.get("content-type", "")
    body = await request.body()
    if header.split(";")[0].strip().lower() != "multipart/form-data":
        return body
    parsed = BytesParser(policy=policy.HTTP).parsebytes(f"Content-Type: {header}\r\n\r\n".encode() + body)
    if not parsed.is_multipart():
        return None
    for part in parsed.iter_parts():
        if part.get_param("name", header="content-disposition") == "file":
            payload = part.get_payload(decode=True)
            return payload if isinstance(payload, bytes) else b""
    return None


async def upload(key: str, request: Request) -> Response:
    ctx = context_of(request)
    found = files.parse_upload_key(key)
    state = ctx.store.get(found[0]) if found else None
    if found is None or state is None:
        return _text(404, "Not Found")
    ctx.use_tenant(request, state.id)
    data = await _upload_bytes(request)
    if data is None:
        return _text(400, "Bad Request")

    def store(st: TenantState) -> int | None:
        row = st["files"].by("upload_key", key)
        if row is None or row["id"] != found[1] or row["state"] not in ("pending", "uploaded"):
            return None
        content = base64.b64encode(data).decode()
        st["files"].update(row["id"], content=content, size=len(data), state="uploaded")
        return len(data)

    size = await ctx.store.run(state.id, store)
    if size is None:
        return _text(404, "Not Found")
    return _text(200, f"OK - {size}")


# --- url_private / url_private_download -----------------------------------------------------------
def _sign_in(ctx: TwinContext, request: Request) -> Response:
    """Slack sends requests without a usable token to the sign-in page (an HTML 200 in the end)."""
    target = f"{ctx.base_url(request)}/signin?redir={quote(request.url.path)}"
    return RedirectResponse(target, status_code=302)


async def download(ref: str, name: str, request: Request, attachment: bool) -> Response:
    ctx = context_of(request)
    if not request.headers.get("authorization", "").lower().startswith("bearer "):
        return _sign_in(ctx, request)
    cred = Credential(request.headers, {}, None, ctx.store, runtime_of(ctx).extensions, request)
    try:
        caller = TOKENS.authenticate(cred)
    except TwinError:
        return _sign_in(ctx, request)
    state, row = ctx.store.get(caller.tenant), caller.token or {}
    if state is None or (row["kind"] == "bot" and "files:read" not in row["scopes"]):
        return _sign_in(ctx, request)
    team_id, _, file_id = ref.partition("-")
    found = state["files"].get(file_id)
    if (
        found is None
        or team_id != state.meta.get("team", {}).get("id")
        or found["state"] != "complete"
        or not files.can_see(state, row["user_id"], found)
    ):
        return _text(404, "Not Found")
    headers = {}
    if attachment:
        headers["Content-Disposition"] = f'attachment; filename="{found["name"]}"'
    body = base64.b64decode(found["content"]) if found["content"] else b""
    return Response(body, media_type=found["mimetype"] or "application/octet-stream", headers=headers)


# --- incoming webhooks ----------------------------------------------------------------------------
def _tenant_by_team(ctx: TwinContext, request: Request, team_id: str) -> TenantState | None:
    picked = ctx.store.get(ctx.tenant_id(request))
    candidates = [picked] if picked is not None else []
    candidates += [s for s in list(ctx.store.tenants.values()) if s is not picked]
    return next((s for s in candidates if s.meta.get("team", {}).get("id") == team_id), None)


async def _hook_payload(request: Request) -> dict[str, Any]:
    body = await request.body()
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        text = body.decode("utf-8")
        if ctype == "application/x-www-form-urlencoded" or text.startswith("payload="):
            text = dict(parse_qsl(text, keep_blank_values=True)).get("payload", "")
        payload = json.loads(text)
        if untrusted.unstorable(text.encode("utf-8", "surrogatepass"), payload) is not None:
            raise HookError(400, "invalid_payload")
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise HookError(400, "invalid_payload") from None
    if not isinstance(payload, dict):
        raise HookError(400, "invalid_payload")
    return payload


def _hook_message(payload: dict[str, Any]) -> dict[str, Any]:
    text, blocks, attachments = payload.get("text"), payload.get("blocks"), payload.get("attachments")
    thread_ts = payload.get("thread_ts")
    if text is not None and not isinstance(text, str):
        raise HookError(400, "invalid_payload")
    if thread_ts is not None and not isinstance(thread_ts, str | int | float):
        raise HookError(400, "invalid_payload")
    if blocks is not None and (
        not isinstance(blocks, list) or not all(isinstance(b, dict) and b.get("type") for b in blocks)
    ):
        raise HookError(400, "invalid_blocks")
    if attachments is not None and (
        not isinstance(attachments, list) or not all(isinstance(a, dict) for a in attachments)
    ):
        raise HookError(400, "invalid_attachments")
    if not text and not blocks and not attachments:
        raise HookError(400, "no_text")
    if attachments and len(attachments) > MAX_ATTACHMENTS:
        raise HookError(400, "too_many_attachments")
    if text and len(text) > MAX_WEBHOOK_TEXT:
        raise HookError(400, "msg_too_long")
    return {
        "text": text or "",
        "blocks": blocks or [],
        "attachments": attachments or [],
        "thread_ts": str(thread_ts) if thread_ts else None,
    }


def _hook_target(state: TenantState, service: str, secret: str) -> tuple[Row, Row, Row]:
    """The webhook, its app and its channel, or the error Slack gives."""
    hook = state["webhooks"].get(f"{service}/{secret}")
    if hook is None:
        if any(h["id"].startswith(f"{service}/") for h in state["webhooks"]):
            raise HookError(403, "invalid_token")
        raise HookError(404, "no_service")
    app = state["apps"].get(hook["app_id"])
    if app is None:
        raise HookError(404, "no_service")
    chan = state["conversations"].get(hook["channel"])
    if chan is None:
        raise HookError(404, "channel_not_found")
    if chan["is_archived"]:
        raise HookError(410, "channel_is_archived")
    if chan["kind"] != "public" and hook["user_id"] not in chan["members"]:
        raise HookError(403, "action_prohibited")
    return hook, app, chan


async def incoming_webhook(team: str, service: str, secret: str, request: Request) -> Response:
    ctx = context_of(request)
    state = _tenant_by_team(ctx, request, team)
    if state is None:
        return _text(400, "no_team")
    ctx.use_tenant(request, state.id)
    try:
        payload = await _hook_payload(request)
        _hook_target(state, service, secret)
        fields = _hook_message(payload)
    except HookError as error:
        return _text(error.status, error.code)
    base = ctx.base_url(request)

    def post(st: TenantState, events: EventList) -> None:
        _, app, chan = _hook_target(st, service, secret)
        message = {"subtype": "bot_message", "bot_id": app["bot_id"], "app_id": app["id"], **fields}
        chat.post(st, chan, message, events, base=base)

    try:
        await outbox.write(ctx, state.id, post)
    except HookError as error:
        return _text(error.status, error.code)
    return Response("ok", media_type="text/html")


# --- OAuth v2 authorize ---------------------------------------------------------------------------
def _with_query(url: str, extra: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = [*parse_qsl(parts.query, keep_blank_values=True), *extra.items()]
    return urlunsplit(parts._replace(query=urlencode(query)))


async def authorize(request: Request) -> Response:
    """Approve an install as a seeded user (login_hint: id or email; else the first admin)."""
    ctx = context_of(request)
    query = dict(request.query_params)
    tenant = oauth.find_tenant(ctx, request, query.get("client_id", "").strip())
    if tenant is None:
        return _page(400, "Slack", "invalid_client_id")
    ctx.use_tenant(request, tenant)
    try:
        code, redirect = await ctx.store.run(tenant, lambda st: oauth.issue_code(st, query))
    except TwinError as error:
        return _page(400, "Slack", error.code)
    extra = {"code": code}
    if "state" in query:
        extra["state"] = query["state"]
    return RedirectResponse(_with_query(redirect, extra), status_code=302)


def add_side_routes(router: APIRouter) -> None:
    """Files, webhooks and OAuth pages the twin hosts next to the Web API."""
    router.add_api_route("/upload/v1/{key}", upload, methods=["POST", "PUT"])

    async def private(ref: str, name: str, request: Request) -> Response:
        return await download(ref, name, request, attachment=False)

    async def private_download(ref: str, name: str, request: Request) -> Response:
        return await download(ref, name, request, attachment=True)

    async def sign_in() -> Response:
        return _page(200, "Sign in | Slack", "Sign in to your workspace to continue.")

    router.add_api_route("/files-pri/{ref}/download/{name}", private_download, methods=["GET", "HEAD"])
    router.add_api_route("/files-pri/{ref}/{name}", private, methods=["GET", "HEAD"])
    router.add_api_route("/signin", sign_in, methods=["GET"])
    router.add_api_route("/services/{team}/{service}/{secret}", incoming_webhook, methods=["POST"])
    router.add_api_route("/oauth/v2/authorize", authorize, methods=["GET"])
