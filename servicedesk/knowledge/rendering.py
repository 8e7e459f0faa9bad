"""Plain text for search and highlighted search snippets of rendered articles."""

import html
import re

import nh3
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from servicedesk.rendering import render_markdown

# Private-use characters mark highlighted words in snippets until they are escaped; they
# cannot come from an article's text in any useful way, and are stripped from it anyway.
MARK_START = "\ue000"
MARK_END = "\ue001"


_WHITESPACE = re.compile(r"\s+")
_BLOCK_END = re.compile(
    r"</(?:p|h[1-6]|li|dt|dd|td|th|tr|pre|blockquote|caption)>|<(?:br|hr)\s*/?>"
)


def html_to_text(fragment: str) -> str:
    """Readable plain text of sanitised HTML: what search indexes and snippets quote."""
    text = nh3.clean(_BLOCK_END.sub(" ", fragment), tags=set())
    text = html.unescape(text).replace(MARK_START, "").replace(MARK_END, "")
    return _WHITESPACE.sub(" ", text).strip()


def marked_snippet_html(snippet: str) -> SafeString:
    """A snippet whose matches are wrapped in MARK_START/MARK_END, as escaped HTML with <mark>."""
    escaped = escape(snippet or "")
    return mark_safe(escaped.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>"))


def substring_snippet(text: str, terms: list[str], *, width: int = 220) -> str:
    """A window of `text` around the first of `terms`, each occurrence marked; for databases
    without full-text search. Returns the raw marked text (see `marked_snippet_html`)."""
    terms = [term for term in terms if term]
    if not text:
        return ""
    lowered = text.lower()
    hits = [lowered.find(term.lower()) for term in terms]
    hits = [hit for hit in hits if hit >= 0]
    start = max(0, min(hits) - width // 3) if hits else 0
    end = min(len(text), start + width)
    # Whole words only: move the cuts outwards to the nearest space.
    if start > 0:
        start = text.rfind(" ", 0, start) + 1
    if end < len(text) and text.rfind(" ", start, end) > start:
        end = text.rfind(" ", start, end)
    window = text[start:end].strip()
    if terms:
        pattern = re.compile("|".join(re.escape(term) for term in terms), re.IGNORECASE)
        window = pattern.sub(lambda match: f"{MARK_START}{match.group(0)}{MARK_END}", window)
    return ("… " if start > 0 else "") + window + (" …" if end < len(text) else "")


__all__ = ["render_markdown", "html_to_text", "marked_snippet_html", "substring_snippet"]
