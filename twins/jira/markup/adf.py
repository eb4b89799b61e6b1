"""Atlassian Document Format: building, checking and flattening documents."""

from __future__ import annotations

from typing import Any

Node = dict[str, Any]

BLOCKS = {
    "paragraph", "heading", "bulletList", "orderedList", "listItem", "codeBlock", "blockquote",
    "rule", "panel", "table", "tableRow", "tableHeader", "tableCell", "mediaSingle", "mediaGroup",
    "media", "expand", "nestedExpand", "taskList", "taskItem", "decisionList", "decisionItem",
}  # fmt: skip
INLINES = {"text", "hardBreak", "mention", "emoji", "inlineCard", "date", "status", "placeholder"}
MARKS = {"strong", "em", "code", "strike", "underline", "link", "subsup", "textColor", "backgroundColor"}
NOT_A_DOCUMENT = "Operation value must be an Atlassian Document (see the Atlassian Document Format)"


def document(content: list[Node]) -> Node:
    return {"type": "doc", "version": 1, "content": content}


def text(value: str, marks: list[Node] | None = None) -> Node:
    node: Node = {"type": "text", "text": value}
    if marks:
        node["marks"] = marks
    return node


def paragraph(content: list[Node]) -> Node:
    return {"type": "paragraph", "content": content}


def from_plain(value: str) -> Node:
    """A document of paragraphs from plain text: blank lines part paragraphs, newlines break lines."""
    blocks: list[Node] = []
    for chunk in value.replace("\r\n", "\n").split("\n\n"):
        if not chunk.strip():
            continue
        inline: list[Node] = []
        for i, line in enumerate(chunk.split("\n")):
            if i:
                inline.append({"type": "hardBreak"})
            if line:
                inline.append(text(line))
        blocks.append(paragraph(inline))
    return document(blocks)


def check_document(value: Any) -> str | None:
    """None when `value` is a well-formed ADF document, else Jira's message for it."""
    if (
        not isinstance(value, dict)
        or value.get("type") != "doc"
        or not isinstance(value.get("content"), list)
    ):
        return NOT_A_DOCUMENT
    if value.get("version", 1) != 1:
        return NOT_A_DOCUMENT
    return None if all(_valid(n, depth=1) for n in value["content"]) else NOT_A_DOCUMENT


def _valid(node: Any, depth: int) -> bool:
    if depth > 64 or not isinstance(node, dict):
        return False
    kind = node.get("type")
    if kind == "text":
        marks = node.get("marks", [])
        return (
            isinstance(node.get("text"), str)
            and bool(node["text"])
            and isinstance(marks, list)
            and all(isinstance(m, dict) and m.get("type") in MARKS for m in marks)
        )
    if kind not in BLOCKS and kind not in INLINES:
        return False
    content = node.get("content", [])
    if not isinstance(content, list):
        return False
    attrs = node.get("attrs", {})
    return isinstance(attrs, dict) and all(_valid(child, depth + 1) for child in content)


def plain_text(node: Any) -> str:
    """The words of a document (or of any node), blocks on their own lines: for search and e-mails."""
    if not isinstance(node, dict):
        return ""
    kind = node.get("type")
    if kind == "text":
        return str(node.get("text", ""))
    if kind == "hardBreak":
        return "\n"
    if kind == "mention":
        return str(node.get("attrs", {}).get("text", ""))
    if kind == "emoji":
        return str(node.get("attrs", {}).get("text") or node.get("attrs", {}).get("shortName", ""))
    if kind in ("inlineCard",):
        return str(node.get("attrs", {}).get("url", ""))
    parts = [plain_text(child) for child in node.get("content", [])]
    joiner = "" if kind in ("paragraph", "heading") else "\n"
    return joiner.join(p for p in parts if p or joiner == "")
