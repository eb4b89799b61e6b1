"""Issue text: wiki markup and ADF both ways, rendered HTML, and what counts as a document."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from twins.jira.markup import check_document, from_plain, from_wiki, plain_text, to_html, to_wiki

WIKI_ROUND_TRIPS = [
    "h1. Title\n\nSome *bold* and _it_ text with {{code}} and a [link|https://x.io].\nNext line",
    "* one\n* two\n** two-a\n\n# num",
    "{code:python}print(1)\n  x{code}",
    "{noformat}raw *text*{noformat}",
    "||h1||h2||\n|a|b|",
    "log-in fails - badly, 3*4 = 12",
    "[~accountid:5b10a0001] please look",
    "----",
    "{quote}inner *q*{quote}",
    "-struck- +under+ ^sup^ ~sub~ {color:#ff0000}red{color}",
    "*_both_*",
    "[https://example.com]",
    "a \\*literal star and \\[bracket",
    "h3. *Bold* heading",
]


@pytest.mark.parametrize("source", WIKI_ROUND_TRIPS)
def test_wiki_round_trips(source: str) -> None:
    assert to_wiki(from_wiki(source)) == source


def test_wiki_to_adf_structure() -> None:
    doc = from_wiki("h2. Plan\n\n*Do* it [now|https://a.b]\n* x\n** y")
    assert doc["type"] == "doc" and doc["version"] == 1
    heading, para, bullets = doc["content"]
    assert heading == {
        "type": "heading",
        "attrs": {"level": 2},
        "content": [{"type": "text", "text": "Plan"}],
    }
    assert para["content"] == [
        {"type": "text", "text": "Do", "marks": [{"type": "strong"}]},
        {"type": "text", "text": " it "},
        {"type": "text", "text": "now", "marks": [{"type": "link", "attrs": {"href": "https://a.b"}}]},
    ]
    assert bullets["type"] == "bulletList"
    nested = bullets["content"][0]["content"][1]
    assert nested["type"] == "bulletList"
    assert nested["content"][0]["content"][0]["content"] == [{"type": "text", "text": "y"}]


def test_quote_shorthand_becomes_a_quote_block() -> None:
    assert to_wiki(from_wiki("bq. quoted")) == "{quote}quoted{quote}"


def test_html_rendering() -> None:
    html = to_html(from_wiki("h1. Title\n\n*b* [l|http://a] <tag>\n* item"))
    assert html == (
        '<h1><a name="Title"></a>Title</h1>\n'
        '<p><b>b</b> <a href="http://a" class="external-link" rel="nofollow noreferrer">l</a>'
        " &lt;tag&gt;</p>\n"
        '<ul class="alternate" type="disc"><li>item</li></ul>'
    )


def test_plain_text_and_documents() -> None:
    doc = from_plain("first line\nsecond\n\nnext paragraph")
    assert plain_text(doc) == "first line\nsecond\nnext paragraph"
    assert check_document(doc) is None
    assert to_wiki(doc) == "first line\nsecond\n\nnext paragraph"
    empty_text = {
        "type": "doc",
        "content": [{"type": "paragraph", "content": [{"type": "text", "text": ""}]}],
    }
    unknown = {"type": "doc", "content": [{"type": "nope"}]}
    for bad in ("text", {"type": "doc"}, {"type": "paragraph", "content": []}, unknown, empty_text):
        assert (
            check_document(bad)
            == "Operation value must be an Atlassian Document (see the Atlassian Document Format)"
        )


# ADF documents that wiki markup can express exactly: words joined by single spaces, one mark a run.
WORD = st.text(alphabet="abcXYZ019.,!?*_-+^~{}[]|\\#", min_size=1, max_size=8).filter(
    lambda w: w.strip() == w
)
MARK = st.sampled_from([None, "strong", "em", "strike", "underline", "code"])


@st.composite
def runs(draw: Any) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    for i in range(draw(st.integers(1, 4))):
        mark = draw(MARK)
        value = draw(WORD)
        if mark == "code" and ("}" in value or "{" in value or value.startswith(("[", "\\"))):
            mark = None
        node: dict[str, Any] = {"type": "text", "text": value}
        if mark:
            node["marks"] = [{"type": mark}]
        if i:
            nodes.append({"type": "text", "text": " "})
        nodes.append(node)
    merged: list[dict[str, Any]] = []
    for node in nodes:  # neighbouring runs with the same marks are one text node in ADF
        if merged and merged[-1].get("marks") == node.get("marks"):
            merged[-1] = {**merged[-1], "text": merged[-1]["text"] + node["text"]}
        else:
            merged.append(node)
    return merged


BLOCK = st.one_of(
    runs().map(lambda c: {"type": "paragraph", "content": c}),
    st.tuples(st.integers(1, 6), runs()).map(
        lambda t: {"type": "heading", "attrs": {"level": t[0]}, "content": t[1]}
    ),
    st.lists(runs(), min_size=1, max_size=3).map(
        lambda items: {
            "type": "bulletList",
            "content": [
                {"type": "listItem", "content": [{"type": "paragraph", "content": c}]} for c in items
            ],
        }
    ),
    st.just({"type": "rule"}),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(BLOCK, min_size=1, max_size=4))
def test_adf_survives_wiki_and_back(blocks: list[dict[str, Any]]) -> None:
    doc = {"type": "doc", "version": 1, "content": blocks}
    assert from_wiki(to_wiki(doc)) == doc
