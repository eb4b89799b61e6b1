"""Issue text in the forms Jira speaks: Atlassian Document Format (v3, the stored form), wiki
markup (v2) and rendered HTML (`renderedFields`)."""

from typing import Any

from twins.jira.markup.adf import check_document, document, from_plain, plain_text
from twins.jira.markup.html import to_html
from twins.jira.markup.wiki_parse import from_wiki
from twins.jira.markup.wiki_render import to_wiki

# Wiki text written through v2 is kept beside the document parsed from it: Jira gives a v2 reader
# back the text it was sent, byte for byte (blank lines, escapes), until a v3 write replaces it.
WIKI_SOURCE = "wikiSource"


def with_source(doc: dict[str, Any], wiki: str) -> dict[str, Any]:
    """The document parsed from `wiki`, remembering the text itself."""
    return {**doc, WIKI_SOURCE: wiki}


def as_wiki(doc: dict[str, Any]) -> str:
    """The document as v2 gives it: the wiki text it was written as, else rendered from ADF."""
    source = doc.get(WIKI_SOURCE)
    return source if isinstance(source, str) else to_wiki(doc)


def as_adf(doc: dict[str, Any]) -> dict[str, Any]:
    """The document as v3 gives it (without the remembered wiki text)."""
    return {k: v for k, v in doc.items() if k != WIKI_SOURCE} if WIKI_SOURCE in doc else doc


__all__ = [
    "WIKI_SOURCE",
    "as_adf",
    "as_wiki",
    "check_document",
    "document",
    "from_plain",
    "from_wiki",
    "plain_text",
    "to_html",
    "to_wiki",
    "with_source",
]
