"""Writes of the knowledge base: articles, their state, categories, votes and views."""

import logging
import re
from collections.abc import Iterable
from datetime import date

from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from itops.audit import acting_as
from itops.errors import Conflict, DomainError, InvalidTransition
from itops.models import User
from servicedesk.knowledge import search
from servicedesk.knowledge.choices import (
    ARTICLE_TRANSITIONS,
    ArticleAudience,
    ArticleState,
    allowed_transitions,
)
from servicedesk.knowledge.rendering import html_to_text, render_markdown
from servicedesk.models.knowledge import (
    Article,
    ArticleCategory,
    ArticleTag,
    ArticleView,
    ArticleVote,
)

logger = logging.getLogger(__name__)

# A size limit for what one article may hold, checked before anything is rendered.
MAX_BODY_CHARS = 100_000
MAX_TAGS = 20
MAX_TAG_CHARS = 50
MAX_RELATED = 20
# How long the cache remembers that a person already read an article today: a little over a
# day, so the gate outlives the day it guards whatever the time zone.
VIEW_GATE_SECONDS = 26 * 3600

UNCHANGED = object()


# --- articles -----------------------------------------------------------------------------------


def _clean_title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise DomainError("An article needs a title.", field="title")
    if len(title) > Article._meta.get_field("title").max_length:
        raise DomainError("The title is longer than 200 characters.", field="title")
    return title


def _clean_summary(summary: str) -> str:
    summary = " ".join((summary or "").split())
    if len(summary) > Article._meta.get_field("summary").max_length:
        raise DomainError("The summary is longer than 300 characters.", field="summary")
    return summary


def _clean_body(body: str) -> str:
    body = (body or "").replace("\r\n", "\n")
    if len(body) > MAX_BODY_CHARS:
        raise DomainError(
            f"The body is longer than {MAX_BODY_CHARS:,} characters.",
            field="body",
            code="too_large",
        )
    return body


def _clean_audience(audience: str) -> str:
    if audience not in ArticleAudience.values:
        raise DomainError(f"Unknown audience {audience!r}.", field="audience")
    return audience


def _unique_slug(text: str, *, exclude_pk: int | None = None) -> str:
    base = slugify(text)[:200].strip("-") or "article"
    taken = set(
        Article.objects.filter(slug__startswith=base)
        .exclude(pk=exclude_pk)
        .values_list("slug", flat=True)
    )
    slug, suffix = base, 2
    while slug in taken:
        slug = f"{base}-{suffix}"
        suffix += 1
    return slug


def _clean_slug(slug: str, *, exclude_pk: int | None = None) -> str:
    cleaned = slugify(slug or "")
    if not cleaned:
        raise DomainError("A slug needs letters or digits.", field="slug")
    if Article.objects.filter(slug=cleaned).exclude(pk=exclude_pk).exists():
        raise DomainError(f"Another article already uses the slug {cleaned!r}.", field="slug")
    return cleaned


def normalise_tag(name: str) -> str:
    return re.sub(r"\s+", " ", (name or "").strip().lower())[:MAX_TAG_CHARS]


def _tags_named(names: Iterable[str]) -> list[ArticleTag]:
    wanted = sorted({normalise_tag(name) for name in names} - {""})
    if len(wanted) > MAX_TAGS:
        raise DomainError(f"An article takes at most {MAX_TAGS} tags.", field="tags")
    return [ArticleTag.objects.get_or_create(name=name)[0] for name in wanted]


def _related_of(article: Article, related: Iterable[Article]) -> list[Article]:
    others = {other.pk: other for other in related if other.pk != article.pk}
    if len(others) > MAX_RELATED:
        raise DomainError(f"An article links at most {MAX_RELATED} related ones.", field="related")
    return list(others.values())


def _render_into(article: Article) -> None:
    article.body_html = render_markdown(article.body)
    article.body_text = html_to_text(article.body_html)


@transaction.atomic
def create_article(
    *,
    by: User,
    title: str,
    body: str = "",
    summary: str = "",
    audience: str = ArticleAudience.EVERYONE,
    categories: Iterable[ArticleCategory] = (),
    tags: Iterable[str] = (),
    related: Iterable[Article] = (),
    slug: str = "",
) -> Article:
    """A new draft written by `by`."""
    title = _clean_title(title)
    article = Article(
        title=title,
        slug=_clean_slug(slug) if slug else _unique_slug(title),
        summary=_clean_summary(summary),
        body=_clean_body(body),
        audience=_clean_audience(audience),
        author=by,
        state=ArticleState.DRAFT,
    )
    _render_into(article)
    with acting_as(by):
        article.save()
        article.categories.set(categories)
        article.tags.set(_tags_named(tags))
        article.related.set(_related_of(article, related))
    search.refresh_search_vectors(Article.objects.filter(pk=article.pk))
    return article


@transaction.atomic
def update_article(
    *,
    article: Article,
    by: User,
    expected_version: int | None = None,
    title=UNCHANGED,
    slug=UNCHANGED,
    summary=UNCHANGED,
    body=UNCHANGED,
    audience=UNCHANGED,
    categories=UNCHANGED,
    tags=UNCHANGED,
    related=UNCHANGED,
) -> Article:
    """Edit an article in any state. A change of title, summary or body raises the version.
    With `expected_version`, an edit based on an older version is refused (409), so two people
    editing at once cannot silently overwrite each other."""
    locked = Article.objects.select_for_update().get(pk=article.pk)
    if expected_version is not None and expected_version != locked.version:
        raise Conflict(
            f"This article changed while you were editing it (now version {locked.version}, "
            f"you edited version {expected_version}). Reload it and apply your changes again.",
            field="version",
            code="stale_version",
        )
    content_changed = False
    changes = {
        "title": _clean_title(title) if title is not UNCHANGED else UNCHANGED,
        "summary": _clean_summary(summary) if summary is not UNCHANGED else UNCHANGED,
        "body": _clean_body(body) if body is not UNCHANGED else UNCHANGED,
    }
    for field, value in changes.items():
        if value is not UNCHANGED and value != getattr(locked, field):
            setattr(locked, field, value)
            content_changed = True
    if slug is not UNCHANGED and slugify(slug or "") != locked.slug:
        locked.slug = _clean_slug(slug, exclude_pk=locked.pk)
    if audience is not UNCHANGED:
        locked.audience = _clean_audience(audience)
    if content_changed:
        locked.version += 1
        _render_into(locked)
    with acting_as(by):
        locked.save()
        if categories is not UNCHANGED:
            locked.categories.set(categories)
        if tags is not UNCHANGED:
            locked.tags.set(_tags_named(tags))
        if related is not UNCHANGED:
            locked.related.set(_related_of(locked, related))
    if content_changed:
        search.refresh_search_vectors(Article.objects.filter(pk=locked.pk))
    return locked


@transaction.atomic
def transition_article(*, article: Article, by: User, to_state: str) -> Article:
    """Move an article along ARTICLE_TRANSITIONS: publish a draft, retire a published article,
    reopen a retired one as a draft. Any other move is refused."""
    if to_state not in ArticleState.values:
        raise DomainError(f"Unknown state {to_state!r}.", field="state")
    locked = Article.objects.select_for_update().get(pk=article.pk)
    if to_state not in ARTICLE_TRANSITIONS[locked.state]:
        raise InvalidTransition(
            model="article",
            current=locked.state,
            target=to_state,
            allowed=allowed_transitions(locked.state),
        )
    if to_state == ArticleState.PUBLISHED and not locked.body.strip():
        raise DomainError("An article needs a body before it is published.", field="body")
    now = timezone.now()
    locked.state = to_state
    if to_state == ArticleState.PUBLISHED:
        locked.published_at = now
        locked.retired_at = None
    elif to_state == ArticleState.RETIRED:
        locked.retired_at = now
    with acting_as(by):
        locked.save()
    return locked


# --- readers: views and votes --------------------------------------------------------------------


def record_article_view(*, article: Article, user: User, on: date | None = None) -> bool:
    """Count a read once per person, article and day; True when this read was counted.

    The cache answers repeat reads of the day without touching the database; the unique
    (article, user, day) row keeps the count right if the cache forgets."""
    day = on or timezone.localdate()
    gate = f"kb:viewed:{article.pk}:{user.pk}:{day.isoformat()}"
    try:
        if not cache.add(gate, 1, timeout=VIEW_GATE_SECONDS):
            return False
    except Exception:  # a cache outage must not stop anyone reading; the database still guards
        logger.warning("view gate unavailable; counting through the database", exc_info=True)
    with transaction.atomic():
        _view, created = ArticleView.objects.get_or_create(article=article, user=user, day=day)
        if created:
            Article.objects.filter(pk=article.pk).update(view_count=F("view_count") + 1)
    return created


@transaction.atomic
def vote_on_article(*, article: Article, user: User, helpful: bool) -> ArticleVote:
    """Record whether `user` found a published article helpful; a second vote replaces the
    first, so each person counts once."""
    if article.state != ArticleState.PUBLISHED:
        raise Conflict("Only published articles take votes.", field="state")
    vote, _created = ArticleVote.objects.update_or_create(
        article=article, user=user, defaults={"helpful": bool(helpful)}
    )
    return vote


# --- categories ---------------------------------------------------------------------------------


def _clean_category_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise DomainError("A category needs a name.", field="name")
    if len(name) > ArticleCategory._meta.get_field("name").max_length:
        raise DomainError("The name is longer than 100 characters.", field="name")
    return name


def _check_parent(category: ArticleCategory | None, parent: ArticleCategory | None) -> None:
    ancestor = parent
    while ancestor is not None:
        if category is not None and ancestor.pk == category.pk:
            raise DomainError("A category cannot be filed under itself.", field="parent")
        ancestor = ancestor.parent


def _check_name_free(name: str, parent, *, exclude_pk: int | None = None) -> None:
    siblings = ArticleCategory.objects.filter(parent=parent, name__iexact=name)
    if siblings.exclude(pk=exclude_pk).exists():
        raise DomainError(f"There already is a category {name!r} here.", field="name")


@transaction.atomic
def create_category(
    *,
    by: User,
    name: str,
    parent: ArticleCategory | None = None,
    description: str = "",
    position: int = 0,
    slug: str = "",
) -> ArticleCategory:
    name = _clean_category_name(name)
    _check_name_free(name, parent)
    slug = slugify(slug or (f"{parent.slug}-{name}" if parent else name))[:100] or "category"
    if ArticleCategory.objects.filter(slug=slug).exists():
        raise DomainError(f"Another category already uses the slug {slug!r}.", field="slug")
    with acting_as(by):
        return ArticleCategory.objects.create(
            name=name, slug=slug, parent=parent, description=description.strip(), position=position
        )


@transaction.atomic
def update_category(
    *,
    category: ArticleCategory,
    by: User,
    name=UNCHANGED,
    parent=UNCHANGED,
    description=UNCHANGED,
    position=UNCHANGED,
) -> ArticleCategory:
    if parent is not UNCHANGED:
        _check_parent(category, parent)
        category.parent = parent
    if name is not UNCHANGED:
        category.name = _clean_category_name(name)
    if name is not UNCHANGED or parent is not UNCHANGED:
        _check_name_free(category.name, category.parent, exclude_pk=category.pk)
    if description is not UNCHANGED:
        category.description = (description or "").strip()
    if position is not UNCHANGED:
        category.position = position
    with acting_as(by):
        category.save()
    return category
