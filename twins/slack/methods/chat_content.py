"""What a new or edited message carries: text, Block Kit blocks, attachments, metadata, checked
as Slack checks them."""

from __future__ import annotations

from typing import Any

from twins.slack.call import Call
from twins.slack.errors import SlackError

MAX_TEXT = 40_000
MAX_BLOCKS = 50
MAX_ATTACHMENTS = 100
BLOCK_TYPES = frozenset(
    {"actions", "call", "context", "divider", "file", "header", "image", "input", "markdown"}
    | {"rich_text", "section", "table", "video"}
)


def _text_object_ok(obj: Any, *, plain_only: bool = False) -> bool:
    if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
        return False
    allowed = ("plain_text",) if plain_only else ("plain_text", "mrkdwn")
    return obj.get("type") in allowed


def _block_ok(block: Any) -> bool:
    if not isinstance(block, dict) or block.get("type") not in BLOCK_TYPES:
        return False
    kind = block["type"]
    if "block_id" in block and (not isinstance(block["block_id"], str) or len(block["block_id"]) > 255):
        return False
    if kind == "section":
        fields = block.get("fields")
        if "text" in block and not _text_object_ok(block["text"]):
            return False
        return "text" in block or (isinstance(fields, list) and bool(fields))
    if kind == "header":
        return _text_object_ok(block.get("text"), plain_only=True)
    if kind in ("actions", "context", "rich_text"):
        return isinstance(block.get("elements"), list)
    if kind == "image":
        return isinstance(block.get("alt_text"), str) and ("image_url" in block or "slack_file" in block)
    return True


def read_blocks(call: Call) -> list[Any] | None:
    """`blocks` as given (None when absent), each with a block_id as Slack stores them."""
    blocks = call.params.parsed("blocks", "invalid_blocks")
    if blocks is None:
        return None
    if not isinstance(blocks, list):
        raise SlackError(
            code="invalid_blocks", messages=["[ERROR] must provide an array [json-pointer:/blocks]"]
        )
    if len(blocks) > MAX_BLOCKS:
        raise SlackError(
            code="invalid_blocks", messages=["[ERROR] no more than 50 items allowed [json-pointer:/blocks]"]
        )
    seen: set[str] = set()
    out = []
    for i, block in enumerate(blocks):
        if not _block_ok(block):
            raise SlackError(
                code="invalid_blocks",
                messages=[f"[ERROR] failed to match all allowed schemas [json-pointer:/blocks/{i}]"],
            )
        block_id = block.get("block_id") or call.state.ids.chars("block_id", 5)
        if block_id in seen:
            raise SlackError(
                code="invalid_blocks", messages=[f"[ERROR] duplicate block_id [json-pointer:/blocks/{i}]"]
            )
        seen.add(block_id)
        out.append({**block, "block_id": block_id})
    return out


def read_attachments(call: Call) -> list[Any] | None:
    attachments = call.params.parsed("attachments", "invalid_attachments")
    if attachments is None:
        return None
    if not isinstance(attachments, list) or not all(isinstance(a, dict) for a in attachments):
        raise SlackError(code="invalid_attachments")
    if len(attachments) > MAX_ATTACHMENTS:
        raise SlackError(code="too_many_attachments")
    return [{**a, "id": a.get("id", i + 1)} for i, a in enumerate(attachments)]


def read_metadata(call: Call) -> dict[str, Any]:
    metadata = call.params.parsed("metadata", "invalid_metadata_format")
    if metadata is None:
        return {}
    if (
        not isinstance(metadata, dict)
        or not isinstance(metadata.get("event_type"), str)
        or not isinstance(metadata.get("event_payload", {}), dict)
    ):
        raise SlackError(code="invalid_metadata_format")
    return {"event_type": metadata["event_type"], "event_payload": metadata.get("event_payload", {})}


def fallback_text(blocks: list[Any]) -> str:
    """The text Slack derives from blocks when a message has none."""
    parts = []
    for block in blocks:
        text = block.get("text")
        if isinstance(text, dict) and isinstance(text.get("text"), str):
            parts.append(text["text"])
    return "\n".join(parts) or "This content can't be displayed."


def check_text(text: str) -> None:
    if len(text) > MAX_TEXT:
        raise SlackError(code="msg_too_long")


def read_content(call: Call) -> dict[str, Any]:
    """text, blocks, attachments, metadata of a new message; no_text when there is nothing."""
    text = call.params.text("text")
    blocks = read_blocks(call) or []
    attachments = read_attachments(call) or []
    if not text.strip() and not blocks and not attachments:
        raise SlackError(code="no_text")
    check_text(text)
    if not text.strip() and blocks:
        text = fallback_text(blocks)
    return {"text": text, "blocks": blocks, "attachments": attachments, "metadata_": read_metadata(call)}
