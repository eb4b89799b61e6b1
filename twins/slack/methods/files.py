"""Files v2: files.getUploadURLExternal, files.completeUploadExternal, files.info, files.list,
files.delete; the bytes go to the twin-hosted upload URL (see side_routes)."""

from __future__ import annotations

import base64
import math
from typing import Any

from twins._runtime.collection import Row, TenantState
from twins.slack import lookup, schemas
from twins.slack.call import Call
from twins.slack.errors import SlackError
from twins.slack.methods import chat, method
from twins.slack.seed import slack_id

MAX_TEXT = 40_000
# extension -> (Slack filetype, mimetype); anything else is "binary".
FILETYPES: dict[str, tuple[str, str]] = {
    "txt": ("text", "text/plain"),
    "log": ("text", "text/plain"),
    "csv": ("csv", "text/csv"),
    "tsv": ("tsv", "text/tab-separated-values"),
    "json": ("json", "application/json"),
    "md": ("markdown", "text/plain"),
    "py": ("python", "text/plain"),
    "js": ("javascript", "text/plain"),
    "ts": ("typescript", "text/plain"),
    "sh": ("shell", "text/plain"),
    "yaml": ("yaml", "text/plain"),
    "yml": ("yaml", "text/plain"),
    "xml": ("xml", "text/xml"),
    "html": ("html", "text/html"),
    "png": ("png", "image/png"),
    "jpg": ("jpg", "image/jpeg"),
    "jpeg": ("jpg", "image/jpeg"),
    "gif": ("gif", "image/gif"),
    "webp": ("webp", "image/webp"),
    "svg": ("svg", "image/svg+xml"),
    "pdf": ("pdf", "application/pdf"),
    "zip": ("zip", "application/zip"),
    "gz": ("gzip", "application/x-gzip"),
    "mp3": ("mp3", "audio/mpeg"),
    "mp4": ("mp4", "video/mp4"),
    "docx": ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}
LIST_TYPES = {"all", "spaces", "snippets", "images", "gdocs", "zips", "pdfs"}


def invalid(message: str) -> SlackError:
    return SlackError(code="invalid_arguments", messages=[f"[ERROR] {message}"])


def kind_of(filename: str, snippet_type: str = "") -> tuple[str, str]:
    if snippet_type:
        return snippet_type, "text/plain"
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return FILETYPES.get(ext, ("binary", "application/octet-stream"))


def upload_key(state: TenantState, file_id: str) -> str:
    """An opaque key naming the tenant and the file, so an unauthenticated upload finds both."""
    secret = state.ids.chars("upload_key", 24)
    raw = f"{state.id}:{file_id}:{secret}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def parse_upload_key(key: str) -> tuple[str, str] | None:
    """(tenant id, file id) of an upload key, or None when it is not one."""
    try:
        raw = base64.urlsafe_b64decode(key + "=" * (-len(key) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    parts = raw.rsplit(":", 2)
    if len(parts) != 3 or not all(parts):
        return None
    return parts[0], parts[1]


def can_see(state: TenantState, user_id: str, row: Row) -> bool:
    """Owners see their files; others once the file is shared where they can read."""
    if row["user"] == user_id:
        return True
    if row["state"] not in ("complete", "deleted"):
        return False
    for conv_id in row["channels"]:
        conv = state["conversations"].get(conv_id)
        if conv is not None and (conv["kind"] == "public" or user_id in conv["members"]):
            return True
    return False


def event_ts(call: Call) -> str:
    return f"{call.now:.6f}"


def visible_file(call: Call, param: str = "file") -> Row:
    file_id = call.params.required(param)
    row = call.state["files"].get(file_id)
    if row is None or not can_see(call.state, call.user_id, row):
        raise SlackError(code="file_not_found")
    if row["state"] == "deleted":
        raise SlackError(code="file_deleted")
    return row


@method("files.getUploadURLExternal", write=True)
def get_upload_url(call: Call) -> dict[str, Any]:
    filename = call.params.required("filename")
    raw_length = call.params.text("length").strip()
    if not raw_length:
        raise invalid("missing required field: length")
    try:
        length = int(raw_length)
    except ValueError:
        raise invalid("invalid value for field: length") from None
    if length < 0:
        raise invalid("invalid value for field: length")
    alt_txt = call.params.text("alt_txt") or None
    if alt_txt is not None and len(alt_txt) > 1000:
        raise invalid("alt_txt must be no longer than 1000 characters")
    filetype, mimetype = kind_of(filename, call.params.text("snippet_type").strip())
    state = call.state
    file_id = slack_id(state, "F", "file")
    key = upload_key(state, file_id)
    state["files"].insert(
        {
            "id": file_id,
            "name": filename,
            "title": "",
            "mimetype": mimetype,
            "filetype": filetype,
            "size": 0,
            "user": call.user_id,
            "created": int(call.now),
            "state": "pending",
            "alt_txt": alt_txt,
            "upload_key": key,
        }
    )
    return {"upload_url": f"{call.base_url}/upload/v1/{key}", "file_id": file_id}


def _entries(call: Call) -> list[tuple[Row, str]]:
    value = call.params.get("files")
    if value is None or value == "":
        raise invalid("missing required field: files")
    entries = call.params.parsed("files", "invalid_arguments")
    if not isinstance(entries, list) or not entries:
        raise invalid("files must be a non-empty array")
    out: list[tuple[Row, str]] = []
    for entry in entries:
        if not isinstance(entry, dict) or not entry.get("id"):
            raise invalid("each file needs an id")
        row = call.state["files"].get(str(entry["id"]))
        # Only the uploader completes an upload, once, after the bytes arrived.
        if row is None or row["user"] != call.user_id or row["state"] != "uploaded":
            raise SlackError(code="file_not_found")
        if any(r["id"] == row["id"] for r, _ in out):
            raise invalid("duplicate file id")
        out.append((row, str(entry.get("title") or row["name"])))
    return out


def _channels(call: Call) -> list[Row]:
    refs = [call.params.text("channel_id").strip()] if call.params.text("channel_id").strip() else []
    refs += [r for r in call.params.csv("channels") if r not in refs]
    chans: list[Row] = []
    for ref in refs:
        chan = lookup.channel_by_ref(call, ref)
        lookup.require_open(chan)
        lookup.require_member(call, chan)
        if chan["id"] not in {c["id"] for c in chans}:
            chans.append(chan)
    return chans


def _share(call: Call, row: Row, chan: Row, msg: Row) -> Row:
    access = "public" if chan["kind"] == "public" else "private"
    entry: dict[str, Any] = {
        "reply_users": [],
        "reply_users_count": 0,
        "reply_count": 0,
        "ts": msg["ts"],
        "channel_name": chan["name"] or "",
        "team_id": call.team_id,
        "share_user_id": call.user_id,
        "source": "UNKNOWN",
        "is_silent_share": False,
    }
    if msg["thread_ts"]:
        entry["thread_ts"] = msg["thread_ts"]
    shares = {k: dict(v) for k, v in row["shares"].items()}
    bucket = shares.setdefault(access, {})
    bucket[chan["id"]] = [*bucket.get(chan["id"], []), entry]
    channels = [*row["channels"], chan["id"]] if chan["id"] not in row["channels"] else list(row["channels"])
    return call.state["files"].update(row["id"], shares=shares, channels=channels)


@method("files.completeUploadExternal", write=True)
def complete_upload(call: Call) -> dict[str, Any]:
    entries = _entries(call)
    chans = _channels(call)
    thread_ts = call.params.text("thread_ts").strip() or None
    if thread_ts and len(chans) > 1:
        raise invalid("thread_ts can only be used with a single channel")
    comment = call.params.text("initial_comment")
    if len(comment) > MAX_TEXT:
        raise SlackError(code="msg_too_long")
    blocks = None if comment else call.params.parsed("blocks", "invalid_blocks")
    if blocks is not None and (not isinstance(blocks, list) or not all(isinstance(b, dict) for b in blocks)):
        raise SlackError(code="invalid_blocks")
    files = call.state["files"]
    rows = [files.update(row["id"], state="complete", title=title) for row, title in entries]
    for row in rows:
        created = {"file_id": row["id"], "user_id": call.user_id, "file": {"id": row["id"]}}
        call.emit("file_created", {**created, "event_ts": event_ts(call)})
    app = call.app
    author: dict[str, Any] = {"user": call.user_id}
    if call.is_bot and app is not None:
        author.update(bot_id=app["bot_id"], app_id=app["id"])
    for chan in chans:
        msg = chat.post(
            call.state,
            chan,
            {
                **author,
                "subtype": "file_share",
                "text": comment,
                "blocks": blocks or [],
                "files": [r["id"] for r in rows],
                "thread_ts": thread_ts,
            },
            call.events,
            base=call.base_url,
        )
        for done in rows:
            current = files.get(done["id"]) or done
            was_public = schemas.file(current, call.state, call.base_url)["is_public"]
            row = _share(call, current, chan, msg)
            shared = {"file_id": row["id"], "user_id": call.user_id, "file": {"id": row["id"]}}
            call.emit("file_shared", {**shared, "channel_id": chan["id"], "event_ts": event_ts(call)})
            if chan["kind"] == "public" and not was_public:
                call.emit("file_public", {**shared, "event_ts": event_ts(call)})
    return {"files": [schemas.file(files.get(r["id"]) or r, call.state, call.base_url) for r in rows]}


@method("files.info")
def files_info(call: Call) -> dict[str, Any]:
    row = visible_file(call)
    return {
        "file": schemas.file(row, call.state, call.base_url),
        "comments": [],
        "response_metadata": {"next_cursor": ""},
    }


def _type_matches(row: Row, types: set[str]) -> bool:
    if "all" in types:
        return True
    mime, ftype = row["mimetype"], row["filetype"]
    checks = {
        "images": mime.startswith("image/"),
        "pdfs": ftype == "pdf",
        "zips": ftype in ("zip", "gzip"),
        "snippets": mime.startswith("text/") and ftype != "csv",
        "gdocs": ftype.startswith("gdoc"),
        "spaces": ftype in ("space", "post"),
    }
    return any(checks.get(t, False) for t in types)


@method("files.list")
def files_list(call: Call) -> dict[str, Any]:
    state = call.state
    user = call.params.text("user").strip()
    if user and state["users"].get(user) is None:
        raise SlackError(code="user_not_found")
    channel = lookup.channel(call)["id"] if call.params.text("channel").strip() else ""
    types = set(call.params.csv("types")) or {"all"}
    if not types <= LIST_TYPES:
        raise SlackError(code="unknown_type")
    ts_from = call.params.number("ts_from", 0)
    ts_to = call.params.number("ts_to", 0)
    count = call.params.number("count", 100, low=1, high=1000)
    page = call.params.number("page", 1, low=1)

    def wanted(row: Row) -> bool:
        return (
            row["state"] == "complete"
            and can_see(state, call.user_id, row)
            and (not user or row["user"] == user)
            and (not channel or channel in row["channels"])
            and (not ts_from or row["created"] >= ts_from)
            and (not ts_to or row["created"] <= ts_to)
            and _type_matches(row, types)
        )

    rows = sorted(reversed(state["files"].filter(wanted)), key=lambda r: -int(r["created"]))
    chunk = rows[(page - 1) * count : page * count]
    return {
        "files": [schemas.file(r, state, call.base_url) for r in chunk],
        "paging": {"count": count, "total": len(rows), "page": page, "pages": math.ceil(len(rows) / count)},
    }


@method("files.delete", write=True)
def files_delete(call: Call) -> dict[str, Any]:
    row = visible_file(call)
    actor = call.state["users"].get(call.user_id) or {}
    is_admin = not call.is_bot and bool(actor.get("is_admin") or actor.get("is_owner"))
    if row["user"] != call.user_id and not is_admin:
        raise SlackError(code="cant_delete_file")
    call.state["files"].update(row["id"], state="deleted", content="")
    call.emit(
        "file_deleted",
        {"file_id": row["id"], "channel_ids": list(row["channels"]), "event_ts": event_ts(call)},
    )
    return {}
