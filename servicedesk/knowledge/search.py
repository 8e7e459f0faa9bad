"""How articles are searched: PostgreSQL full-text search, or substring matching elsewhere.

On PostgreSQL each article keeps a weighted `search_vector` (title A, summary B, body C) behind a
GIN index; queries rank with ts_rank and quote the body with ts_headline. On SQLite (the
no-configuration install) the same selectors match words with icontains and rank title matches
above summary matches above body matches.
"""

import re

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVector,
)
from django.db import connection
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When

from servicedesk.knowledge.rendering import MARK_END, MARK_START, substring_snippet

SEARCH_CONFIG = "english"
# Longer input is cut: a pasted log must not become a query with hundreds of terms.
MAX_QUERY_CHARS = 200
MAX_QUERY_TERMS = 12
# Words the substring fallback ignores when it matches any of several words (suggestions).
_FALLBACK_STOP_WORDS = frozenset(
    {
        "and", "are", "can", "cannot", "could", "does", "for", "from", "has", "have", "how",
        "its", "not", "our", "please", "the", "was", "what", "when", "where", "which", "why",
        "will", "with", "won't", "you", "your",
    }
)  # fmt: skip
_WORD = re.compile(r"[\w][\w.\-']*", re.UNICODE)


def uses_full_text_search() -> bool:
    return connection.vendor == "postgresql"


def article_search_vector() -> SearchVector:
    return (
        SearchVector("title", weight="A", config=SEARCH_CONFIG)
        + SearchVector("summary", weight="B", config=SEARCH_CONFIG)
        + SearchVector("body_text", weight="C", config=SEARCH_CONFIG)
    )


def refresh_search_vectors(articles: QuerySet) -> None:
    """Recompute the stored vectors of `articles` (a no-op without PostgreSQL)."""
    if uses_full_text_search():
        articles.update(search_vector=article_search_vector())


def query_terms(text: str) -> list[str]:
    """The words of a query, bounded in length and number."""
    words = _WORD.findall((text or "")[:MAX_QUERY_CHARS])
    return [word.strip(".-'") for word in words if word.strip(".-'")][:MAX_QUERY_TERMS]


# --- full search: every word must match ------------------------------------------------------


def search(articles: QuerySet, text: str) -> QuerySet:
    """`articles` matching `text`, best first, each with `rank` and a raw marked `snippet`."""
    if uses_full_text_search():
        query = SearchQuery(
            (text or "")[:MAX_QUERY_CHARS], search_type="websearch", config=SEARCH_CONFIG
        )
        return (
            articles.filter(search_vector=query)
            .annotate(
                rank=SearchRank(F("search_vector"), query),
                snippet=SearchHeadline(
                    "body_text",
                    query,
                    config=SEARCH_CONFIG,
                    start_sel=MARK_START,
                    stop_sel=MARK_END,
                    max_words=40,
                    min_words=20,
                    max_fragments=2,
                    fragment_delimiter=" … ",
                ),
            )
            .order_by("-rank", "-published_at", "title")
        )
    return _substring_search(articles, query_terms(text), match_all=True)


# --- suggestions: any word may match, the last one as a prefix --------------------------------


def suggest(articles: QuerySet, text: str) -> QuerySet:
    """`articles` sharing words with a partial text (a ticket's short description as it is
    typed), best first. The last word may be unfinished, so it matches as a prefix."""
    terms = query_terms(text)
    if not terms:
        return articles.none()
    if uses_full_text_search():
        lexemes = [re.sub(r"[^\w]", "", term) for term in terms]
        lexemes = [lexeme for lexeme in lexemes if lexeme]
        if not lexemes:
            return articles.none()
        lexemes[-1] += ":*"
        query = SearchQuery(" | ".join(lexemes), search_type="raw", config=SEARCH_CONFIG)
        return (
            articles.filter(search_vector=query)
            .annotate(rank=SearchRank(F("search_vector"), query))
            .order_by("-rank", "-view_count", "title")
        )
    words = [term for term in terms if len(term) >= 3 and term.lower() not in _FALLBACK_STOP_WORDS]
    if not words:
        return articles.none()
    return _substring_search(articles, words, match_all=False)


# --- the fallback ------------------------------------------------------------------------------


def _substring_search(articles: QuerySet, terms: list[str], *, match_all: bool) -> QuerySet:
    if not terms:
        return articles.none()
    matches = [
        Q(title__icontains=term) | Q(summary__icontains=term) | Q(body_text__icontains=term)
        for term in terms
    ]
    combined = matches[0]
    for match in matches[1:]:
        combined = (combined & match) if match_all else (combined | match)
    score = Value(0, output_field=IntegerField())
    for term in terms:
        for field, weight in (("title", 4), ("summary", 2), ("body_text", 1)):
            score += Case(
                When(**{f"{field}__icontains": term}, then=Value(weight)),
                default=Value(0),
                output_field=IntegerField(),
            )
    return articles.filter(combined).annotate(rank=score).order_by("-rank", "-view_count", "title")


def snippet_for(article, text: str) -> str:
    """The raw marked snippet of a search hit: PostgreSQL's headline, or a substring window."""
    snippet = getattr(article, "snippet", None)
    if snippet:
        # ts_headline quotes passages without saying they were cut out of a longer text.
        plain = snippet.replace(MARK_START, "").replace(MARK_END, "").strip()
        body = article.body_text
        opening = "" if body.startswith(plain[:40]) else "… "
        closing = "" if body.endswith(plain[-40:]) else " …"
        return f"{opening}{snippet.strip()}{closing}"
    return substring_snippet(article.body_text or article.summary, query_terms(text))
