"""ADF to Jira wiki markup, as REST v2 answers a field the twin stores as a document."""

from __future__ import annotations

import re
from typing import Any

from twins.jira.markup.adf import Node

# Mark -> (opening, closing) in wiki markup, innermost first when a text has several.
WRAPS = {
    "code": ("{{", "}}"),
    "strong": ("*", "*"),
    "em": ("_", "_"),
    "strike": ("-", "-"),
    "underline": ("+", "+"),
}
ORDER = ("code", "subsup", "strike", "underline", "em", "strong", "textColor", "link")
MARK_CHARS = "*_-+^~"
_ALWAYS = "{[|"
BACKSLASH = "&#92;"
_LINE_START = re.compile(r"^(h[1-6]\.\s|bq\.\s|([*#]+|-)\s|----|\|)")


def to_wiki(doc: Any) -> str:
    """The wiki markup of a document (`""` for anything that is not one)."""
    if not isinstance(doc, dict):
        return ""
    return "\n\n".join(b for b in (_block(n, "") for n in doc.get("content", [])) if b is not None)


def _block(node: Node, list_prefix: str) -> str | None:
    kind = node.get("type")
    content = node.get("content", [])
    attrs = node.get("attrs", {})
    if kind == "paragraph":
        body = inline(content)
        if not _LINE_START.match(body):
            return body
        if content and content[0].get("marks"):  # keep the span's opening mark: break the look-alike after it
            return body[0] + "\\" + body[1:]
        return "\\" + body
    if kind == "heading":
        return f"h{int(attrs.get('level', 1))}. {inline(content)}"
    if kind == "rule":
        return "----"
    if kind == "codeBlock":
        body = "".join(str(n.get("text", "")) for n in content)
        language = attrs.get("language")
        return f"{{code:{language}}}{body}{{code}}" if language else f"{{noformat}}{body}{{noformat}}"
    if kind == "blockquote":
        inner = "\n\n".join(b for b in (_block(n, "") for n in content) if b is not None)
        return f"{{quote}}{inner}{{quote}}"
    if kind == "panel":
        inner = "\n\n".join(b for b in (_block(n, "") for n in content) if b is not None)
        return f"{{panel}}{inner}{{panel}}"
    if kind in ("bulletList", "orderedList"):
        return "\n".join(_list(node, list_prefix))
    if kind == "table":
        return "\n".join(_row(row) for row in content)
    if kind in ("mediaSingle", "mediaGroup"):
        names = [str(m.get("attrs", {}).get("alt") or m.get("attrs", {}).get("id", "")) for m in content]
        return " ".join(f"!{name}!" for name in names if name) or None
    return inline(content) if content else None


def _list(node: Node, prefix: str) -> list[str]:
    marker = prefix + ("*" if node.get("type") == "bulletList" else "#")
    lines: list[str] = []
    for item in node.get("content", []):
        first = True
        for child in item.get("content", []):
            if child.get("type") in ("bulletList", "orderedList"):
                lines.extend(_list(child, marker))
            elif first:
                lines.append(f"{marker} {_block(child, marker) or ''}")
                first = False
            else:
                lines.append(_block(child, marker) or "")
    return lines


def _row(row: Node) -> str:
    cells = row.get("content", [])
    parts: list[str] = []
    for cell in cells:
        bar = "||" if cell.get("type") == "tableHeader" else "|"
        body = " ".join(b for b in (_block(n, "") for n in cell.get("content", [])) if b)
        parts.append(bar + body)
    closing = "||" if cells and cells[-1].get("type") == "tableHeader" else "|"
    return "".join(parts) + closing


def inline(nodes: list[Node]) -> str:
    return "".join(_inline(n) for n in nodes)


def _inline(node: Node) -> str:
    kind = node.get("type")
    attrs = node.get("attrs", {})
    if kind == "hardBreak":
        return "\n"
    if kind == "mention":
        return f"[~accountid:{attrs.get('id', '')}]"
    if kind == "emoji":
        return str(attrs.get("text") or attrs.get("shortName", ""))
    if kind == "inlineCard":
        return f"[{attrs.get('url', '')}|{attrs.get('url', '')}|smart-link]"
    if kind != "text":
        return ""
    marks = {m.get("type"): m for m in node.get("marks", [])}
    out = str(node.get("text", ""))
    wrapped_in = "".join(WRAPS[m][0] for m in marks if m in WRAPS and m != "code")
    if "subsup" in marks:
        wrapped_in += "^~"
    out = out if "code" in marks else escape(out, wrapped_in)
    for name in ORDER:
        mark = marks.get(name)
        if mark is None:
            continue
        if name in WRAPS:
            opening, closing = WRAPS[name]
            out = f"{opening}{out}{closing}"
        elif name == "subsup":
            sign = "^" if mark.get("attrs", {}).get("type") == "sup" else "~"
            out = f"{sign}{out}{sign}"
        elif name == "textColor":
            out = f"{{color:{mark.get('attrs', {}).get('color', '')}}}{out}{{color}}"
        elif name == "link":
            href = str(mark.get("attrs", {}).get("href", ""))
            out = f"[{href}]" if out == escape(href) else f"[{out}|{href}]"
    return out


def escape(value: str, wrapped_in: str = "") -> str:
    """Plain text with a backslash before each character wiki markup could read as markup;
    inside a span, the span's own mark characters (`wrapped_in`) always."""
    out: list[str] = []
    last = len(value) - 1
    for i, ch in enumerate(value):
        before, after = value[i - 1] if i else "", value[i + 1] if i < last else ""
        if ch == "\\":  # two backslashes are a line break in wiki markup: an entity instead
            out.append(BACKSLASH)
        elif ch in _ALWAYS or ch in wrapped_in or (ch in MARK_CHARS and could_be_mark(before, after)):
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def boundary(ch: str) -> bool:
    """Whether a mark may open after, or close before, `ch` ("" is the edge of the text)."""
    return not ch or not ch.isalnum()


def could_be_mark(before: str, after: str) -> bool:
    """Whether a mark character between these two could open or close a span."""
    opens = boundary(before) and bool(after) and not after.isspace()
    closes = bool(before) and not before.isspace() and boundary(after)
    return opens or closes
