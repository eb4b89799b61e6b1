"""Jira wiki markup (REST v2 bodies) to an ADF document, the form the twin stores."""

from __future__ import annotations

import re
from collections.abc import Callable

from twins.jira.markup.adf import Node, document, paragraph
from twins.jira.markup.wiki_inline import parse_inline

_HEADING = re.compile(r"^h([1-6])\.\s+(.*)$")
_LIST = re.compile(r"^([*#]+|-)\s+(.*)$")
_BLOCK_MACRO = re.compile(r"^\{(code|noformat|quote|panel)(?::([^}]*))?\}(.*)$", re.DOTALL)


def from_wiki(source: str) -> Node:
    """The ADF document of a wiki-markup string."""
    return document(_blocks(source.replace("\r\n", "\n")))


def _blocks(source: str) -> list[Node]:
    out: list[Node] = []
    lines = source.split("\n")
    para: list[str] = []

    def flush() -> None:
        if para:
            content = parse_inline("\n".join(para))
            if content:
                out.append(paragraph(content))
            para.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        macro = _BLOCK_MACRO.match("\n".join(lines[i:])) if line.startswith("{") else None
        if macro:
            flush()
            node, used = _macro(macro.group(1), macro.group(2), macro.group(3))
            if node is not None:
                out.append(node)
                i += used + 1
                continue
        if not line.strip():
            flush()
        elif heading := _HEADING.match(line):
            flush()
            level = int(heading.group(1))
            out.append(
                {"type": "heading", "attrs": {"level": level}, "content": parse_inline(heading.group(2))}
            )
        elif line.strip() == "----":
            flush()
            out.append({"type": "rule"})
        elif line.startswith("bq. "):
            flush()
            out.append({"type": "blockquote", "content": [paragraph(parse_inline(line[4:]))]})
        elif _LIST.match(line):
            flush()
            taken = _take(lines, i, _same_list(line[0]))
            out.append(_list([m for m in map(_LIST.match, taken) if m], 1))
            i += len(taken)
            continue
        elif line.startswith("|"):
            flush()
            taken = _take(lines, i, lambda s: s.startswith("|"))
            out.append({"type": "table", "content": [_row(s) for s in taken]})
            i += len(taken)
            continue
        else:
            para.append(line)
        i += 1
    flush()
    return out


def _same_list(kind: str) -> Callable[[str], bool]:
    """Lines of one list: a list of the other kind starts where the first marker changes."""
    return lambda line: bool(_LIST.match(line)) and line[0] == kind


def _take(lines: list[str], start: int, keep: Callable[[str], bool]) -> list[str]:
    out = []
    for line in lines[start:]:
        if not keep(line):
            break
        out.append(line)
    return out


def _macro(name: str, param: str | None, rest: str) -> tuple[Node | None, int]:
    """The node of a `{code}`-style block and how many more lines it used; None if unclosed."""
    closing = "{" + name + "}"
    end = rest.find(closing)
    if end < 0:
        return None, 0
    body = rest[:end]
    used = rest[: end + len(closing)].count("\n")
    trailing = rest[end + len(closing) :].split("\n", 1)[0]
    if trailing.strip():
        return None, 0
    if name in ("code", "noformat"):
        attrs = {"language": param} if name == "code" and param else {}
        node: Node = {"type": "codeBlock", "content": [{"type": "text", "text": body}] if body else []}
        if attrs:
            node["attrs"] = attrs
        return node, used
    inner = _blocks(body)
    if name == "quote":
        return {"type": "blockquote", "content": inner}, used
    return {"type": "panel", "attrs": {"panelType": "info"}, "content": inner}, used


def _list(matches: list[re.Match[str]], depth: int) -> Node:
    kind = "orderedList" if matches[0].group(1)[depth - 1] == "#" else "bulletList"
    items: list[Node] = []
    i = 0
    while i < len(matches):
        items.append({"type": "listItem", "content": [paragraph(parse_inline(matches[i].group(2)))]})
        j = i + 1
        while j < len(matches) and len(matches[j].group(1)) > depth:
            j += 1
        if j > i + 1:
            items[-1]["content"].append(_list(matches[i + 1 : j], depth + 1))
        i = j
    return {"type": kind, "content": items}


def _row(line: str) -> Node:
    """A table row: `||` opens a header cell, `|` a plain one; the last bar closes the row."""
    cells: list[Node] = []
    i = 0
    while i < len(line):
        header = line.startswith("||", i)
        i += 2 if header else 1
        end = i
        while end < len(line) and line[end] != "|":
            end += 2 if line[end] == "\\" else 1
        body = line[i:end]
        if end >= len(line) and not body.strip():
            break
        cell = "tableHeader" if header else "tableCell"
        cells.append({"type": cell, "content": [paragraph(parse_inline(body.strip()))]})
        i = end
    return {"type": "tableRow", "content": cells}
