"""Markdown written by people (descriptions, comments, articles) turned into HTML that is safe
to show to anyone: an allow-list sanitiser removes scripts, event handlers, `javascript:` links
and inline styles beyond table cell alignment, whatever raw HTML the Markdown contains."""

import markdown
import nh3

MARKDOWN_EXTENSIONS = ["tables", "fenced_code", "sane_lists"]

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6",
    "strong", "em", "b", "i", "u", "s", "del", "ins", "sub", "sup", "mark", "small", "kbd",
    "code", "pre", "blockquote", "ul", "ol", "li", "dl", "dt", "dd",
    "a", "img", "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"style", "colspan", "rowspan"},
    "td": {"style", "colspan", "rowspan"},
    "ol": {"start"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto", "tel"}
# Tags removed together with their content (the rest lose the tag but keep their text).
DROPPED_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "template", "noscript"}


def render_markdown(text: str) -> str:
    """Markdown as sanitised HTML."""
    rendered = markdown.markdown(text or "", extensions=MARKDOWN_EXTENSIONS, output_format="html")
    return nh3.clean(
        rendered,
        tags=ALLOWED_TAGS,
        clean_content_tags=DROPPED_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        filter_style_properties={"text-align"},
        link_rel="noopener noreferrer",
    )
