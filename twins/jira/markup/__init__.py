"""Issue text in the forms Jira speaks: Atlassian Document Format (v3, the stored form), wiki
markup (v2) and rendered HTML (`renderedFields`)."""

from twins.jira.markup.adf import check_document, document, from_plain, plain_text
from twins.jira.markup.html import to_html
from twins.jira.markup.wiki_parse import from_wiki
from twins.jira.markup.wiki_render import to_wiki

__all__ = ["check_document", "document", "from_plain", "from_wiki", "plain_text", "to_html", "to_wiki"]
