"""Markdown written by people (descriptions, comments) turned into HTML that is safe to show."""

import markdown
import nh3

_EXTENSIONS = ["fenced_code", "tables", "sane_lists"]


def render_markdown(text: str) -> str:
    if not text:
        return ""
    html = markdown.markdown(text, extensions=_EXTENSIONS, output_format="html")
    return nh3.clean(html, link_rel="noopener noreferrer nofollow")
