"""Rich text of campaigns (presentation, rules): a small HTML subset, cleaned with nh3 (ammonia).

The HTML is cleaned when it is saved and cleaned again when it is rendered (``richtext`` filter), so a row written
by another path (shell, import) can never inject a script into a page or a PDF.
"""

import nh3

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "ul",
    "ol",
    "li",
    "h2",
    "h3",
    "h4",
    "blockquote",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"scope"}}


def sanitize_html(html: str) -> str:
    """Keep headings, paragraphs, emphasis, lists, tables and links (http, https, mailto only)."""
    if not html:
        return ""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    ).strip()
