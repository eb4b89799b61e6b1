"""ADF to the HTML Jira returns in `renderedFields`."""

from __future__ import annotations

from html import escape
from typing import Any

from twins.jira.markup.adf import Node

TAGS = {"strong": "b", "em": "em", "code": "tt", "strike": "del", "underline": "ins"}
INLINE = {"text", "hardBreak", "mention", "emoji", "inlineCard"}
CODE = (
    '<div class="code panel" style="border-width: 1px;"><div class="codeContent panelContent">'
    "\n{}\n</div></div>"
)
PANEL = '<div class="panel" style="border-width: 1px;"><div class="panelContent">\n{}\n</div></div>'
TABLE = "<div class='table-wrap'>\n<table class='confluenceTable'><tbody>\n{}</tbody></table>\n</div>"
EXTERNAL = '<a href="{}" class="external-link" rel="nofollow noreferrer">{}</a>'
MENTION = '<a href="/secure/ViewProfile.jspa?accountId={0}" class="user-hover" rel="{0}">{1}</a>'


def to_html(doc: Any) -> str:
    """The rendered HTML of a document (`""` for anything that is not one)."""
    if not isinstance(doc, dict):
        return ""
    return "\n".join(_node(n) for n in doc.get("content", []))


def _inside(node: Node) -> str:
    """A node's children; a paragraph directly in a list item or a cell adds no <p>."""
    parts = node.get("content", [])
    return "".join(_inside(c) if c.get("type") == "paragraph" else _node(c) for c in parts)


def _children(node: Node) -> str:
    return "".join(_node(n) for n in node.get("content", []))


def _node(node: Node) -> str:
    kind = node.get("type")
    attrs = node.get("attrs", {})
    if kind in INLINE:
        return _inline(node)
    if kind == "paragraph":
        return f"<p>{_children(node)}</p>"
    if kind == "heading":
        level = int(attrs.get("level", 1))
        anchor = "".join(str(n.get("text", "")) for n in node.get("content", [])).replace(" ", "")
        return f'<h{level}><a name="{escape(anchor)}"></a>{_children(node)}</h{level}>'
    if kind == "rule":
        return "<hr />"
    if kind == "codeBlock":
        body = escape("".join(str(n.get("text", "")) for n in node.get("content", [])))
        language = escape(str(attrs.get("language") or "java"))
        return CODE.format(f'<pre class="code-{language}">{body}</pre>')
    if kind == "blockquote":
        return f"<blockquote>{_children(node)}</blockquote>"
    if kind == "panel":
        return PANEL.format(_children(node))
    if kind == "bulletList":
        return f'<ul class="alternate" type="disc">{_children(node)}</ul>'
    if kind == "orderedList":
        return f"<ol>{_children(node)}</ol>"
    if kind == "listItem":
        return f"<li>{_inside(node)}</li>"
    if kind == "table":
        return TABLE.format(_children(node))
    if kind == "tableRow":
        return f"<tr>\n{_children(node)}</tr>\n"
    if kind in ("tableHeader", "tableCell"):
        tag, css = ("th", "confluenceTh") if kind == "tableHeader" else ("td", "confluenceTd")
        return f"<{tag} class='{css}'>{_inside(node)}</{tag}>\n"
    return _children(node)


def _inline(node: Node) -> str:
    kind = node.get("type")
    attrs = node.get("attrs", {})
    if kind == "hardBreak":
        return "<br/>\n"
    if kind == "mention":
        return MENTION.format(escape(str(attrs.get("id", ""))), escape(str(attrs.get("text", ""))))
    if kind == "emoji":
        return escape(str(attrs.get("text") or attrs.get("shortName", "")))
    if kind == "inlineCard":
        url = escape(str(attrs.get("url", "")))
        return EXTERNAL.format(url, url)
    out = escape(str(node.get("text", "")))
    for mark in node.get("marks", []):
        name = mark.get("type")
        mark_attrs = mark.get("attrs", {})
        if name in TAGS:
            out = f"<{TAGS[name]}>{out}</{TAGS[name]}>"
        elif name == "subsup":
            tag = "sup" if mark_attrs.get("type") == "sup" else "sub"
            out = f"<{tag}>{out}</{tag}>"
        elif name == "textColor":
            out = f'<font color="{escape(str(mark_attrs.get("color", "")))}">{out}</font>'
        elif name == "link":
            out = EXTERNAL.format(escape(str(mark_attrs.get("href", ""))), out)
    return out
