"""Inline wiki markup (marks, links, mentions, breaks) to ADF inline nodes."""

from __future__ import annotations

from twins.jira.markup.adf import Node, text
from twins.jira.markup.wiki_render import BACKSLASH, WRAPS, boundary

CLOSERS = {opening: (name, closing) for name, (opening, closing) in WRAPS.items() if name != "code"}
SUBSUP = {"^": "sup", "~": "sub"}


def parse_inline(source: str, marks: tuple[Node, ...] = ()) -> list[Node]:
    """ADF inline nodes for a line (or lines) of wiki markup, each text carrying `marks`."""
    out: list[Node] = []
    buf: list[str] = []

    def flush() -> None:
        if buf:
            _append(out, "".join(buf), marks)
            buf.clear()

    i, n = 0, len(source)
    while i < n:
        ch = source[i]
        if ch == "\\" and i + 1 < n:
            if source[i + 1] == "\\":  # `\\` is a line break in wiki markup
                flush()
                out.append({"type": "hardBreak"})
                i += 2
                continue
            buf.append(source[i + 1])
            i += 2
            continue
        if ch == "&" and source.startswith(BACKSLASH, i):
            buf.append("\\")
            i += len(BACKSLASH)
            continue
        if ch == "\n":
            flush()
            out.append({"type": "hardBreak"})
            i += 1
            continue
        span = _span(source, i, marks)
        if span is None:
            buf.append(ch)
            i += 1
            continue
        nodes, i = span
        flush()
        for node in nodes:
            if node.get("type") == "text":
                _append(out, node["text"], tuple(node.get("marks", ())))
            else:
                out.append(node)
    flush()
    return out


def _span(source: str, i: int, marks: tuple[Node, ...]) -> tuple[list[Node], int] | None:
    """The nodes of a marked span starting at `i` and the index after it, or None."""
    if source.startswith("{{", i):
        end = source.find("}}", i + 2)
        if end > i + 2:
            return [text(source[i + 2 : end], [*marks, {"type": "code"}])], end + 2
        return None
    if source.startswith("{color:", i):
        close = source.find("}", i)
        end = source.find("{color}", close)
        if close > 0 and end > close:
            color = source[i + 7 : close]
            mark = {"type": "textColor", "attrs": {"color": color}}
            return parse_inline(source[close + 1 : end], (*marks, mark)), end + 7
        return None
    if source[i] == "[":
        return _link(source, i, marks)
    ch = source[i]
    if ch in CLOSERS or ch in SUBSUP:
        before = source[i - 1] if i else ""
        if not boundary(before) or i + 1 >= len(source) or source[i + 1].isspace():
            return None
        closes = _closer(source, i + 1, ch)
        if closes is None:
            return None
        mark = {"type": "subsup", "attrs": {"type": SUBSUP[ch]}} if ch in SUBSUP else {"type": CLOSERS[ch][0]}
        return parse_inline(source[i + 1 : closes], (*marks, mark)), closes + 1
    return None


def _closer(source: str, start: int, ch: str) -> int | None:
    """Where the span whose content starts at `start` closes (never empty), or None."""
    j = start
    while j < len(source):
        if source[j] == "\\":
            j += 2
            continue
        if source[j] == "\n":
            return None
        if j > start and source[j] == ch and not source[j - 1].isspace():
            after = source[j + 1] if j + 1 < len(source) else ""
            if boundary(after):
                return j
        j += 1
    return None


def _link(source: str, i: int, marks: tuple[Node, ...]) -> tuple[list[Node], int] | None:
    end = i + 1
    while end < len(source) and source[end] != "]":
        end += 2 if source[end] == "\\" else 1
    if end >= len(source):
        return None
    inner = source[i + 1 : end]
    if inner.startswith("~accountid:"):
        account = inner[len("~accountid:") :]
        return [{"type": "mention", "attrs": {"id": account, "text": f"@{account}"}}], end + 1
    label, bar, rest = _split_bar(inner)
    href = rest.split("|", 1)[0] if bar else label
    if not href:
        return None
    if bar and rest.endswith("|smart-link") and label == href:
        return [{"type": "inlineCard", "attrs": {"url": href}}], end + 1
    link = {"type": "link", "attrs": {"href": _unescape(href)}}
    shown = parse_inline(label, (*marks, link)) if bar else [text(_unescape(href), [*marks, link])]
    return shown, end + 1


def _split_bar(inner: str) -> tuple[str, bool, str]:
    j = 0
    while j < len(inner):
        if inner[j] == "\\":
            j += 2
            continue
        if inner[j] == "|":
            return inner[:j], True, inner[j + 1 :]
        j += 1
    return inner, False, ""


def _unescape(value: str) -> str:
    out, i = [], 0
    while i < len(value):
        if value[i] == "\\" and i + 1 < len(value):
            out.append(value[i + 1])
            i += 2
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def _append(out: list[Node], value: str, marks: tuple[Node, ...]) -> None:
    """Add text, merged into the previous node when it carries the same marks."""
    if not value:
        return
    if out and out[-1].get("type") == "text" and out[-1].get("marks", []) == list(marks):
        out[-1]["text"] += value
        return
    out.append(text(value, list(marks)))
