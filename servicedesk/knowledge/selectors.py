"""Reads of the knowledge base. `article_scope()` decides who reads what; pages, the API,
search and suggestions all start from it."""

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet

from itops.roles import is_staff_member
from servicedesk.knowledge import search
from servicedesk.knowledge.choices import ArticleAudience, ArticleState
from servicedesk.knowledge.filtersets import ArticleFilterSet
from servicedesk.models.knowledge import Article, ArticleCategory, ArticleTag, ArticleVote

SUGGEST_MIN_CHARS = 3
SUGGEST_DEFAULT_LIMIT = 5
SUGGEST_MAX_LIMIT = 10


def can_author_articles(user) -> bool:
    """Staff write, publish and retire articles and read internal ones."""
    return is_staff_member(user)


def article_scope(*, user) -> QuerySet[Article]:
    """Every article `user` may read: staff read all of them; everyone else reads published
    articles meant for everyone, never drafts, retired or internal ones."""
    if user is None or not user.is_authenticated:
        return Article.objects.none()
    if can_author_articles(user):
        return Article.objects.all()
    return Article.objects.filter(state=ArticleState.PUBLISHED, audience=ArticleAudience.EVERYONE)


def article_list(*, user, filters=None) -> QuerySet[Article]:
    """Articles in `user`'s scope narrowed by `filters` (see ArticleFilterSet): search text,
    category (with its subcategories), tag, state, audience. Search results come best first."""
    articles = (
        article_scope(user=user).select_related("author").prefetch_related("categories", "tags")
    )
    filterset = ArticleFilterSet(filters or {}, queryset=articles)
    return filterset.qs


def published_articles(*, user) -> QuerySet[Article]:
    return article_scope(user=user).filter(state=ArticleState.PUBLISHED)


def article_for_reader(*, user, slug: str) -> Article:
    """One article by slug within `user`'s scope (Article.DoesNotExist otherwise)."""
    tags = Prefetch("tags", queryset=ArticleTag.objects.order_by("name"))
    return (
        article_scope(user=user)
        .select_related("author")
        .prefetch_related("categories__parent", tags)
        .get(slug=slug)
    )


def search_articles(*, user, text: str) -> QuerySet[Article]:
    """Published articles in scope matching `text`, best first (see servicedesk.knowledge.search)."""
    return search.search(published_articles(user=user), text)


def suggest_articles(*, user, text: str, limit: int = SUGGEST_DEFAULT_LIMIT) -> list[Article]:
    """The few published articles in scope that best match a partial text; nothing for text
    shorter than SUGGEST_MIN_CHARS."""
    text = (text or "").strip()
    if len(text) < SUGGEST_MIN_CHARS:
        return []
    limit = max(1, min(limit, SUGGEST_MAX_LIMIT))
    articles = published_articles(user=user).only("id", "title", "slug", "summary", "view_count")
    return list(search.suggest(articles, text)[:limit])


def related_articles(*, article: Article, user) -> QuerySet[Article]:
    """Articles linked to `article` that `user` may read; staff also see unpublished ones."""
    return article_scope(user=user).filter(related=article).order_by("title")


def popular_articles(*, user, limit: int = 6) -> QuerySet[Article]:
    return published_articles(user=user).order_by("-view_count", "title")[:limit]


def recent_articles(*, user, limit: int = 6) -> QuerySet[Article]:
    return published_articles(user=user).order_by("-published_at", "title")[:limit]


@dataclass(frozen=True)
class VoteSummary:
    helpful: int
    not_helpful: int
    mine: bool | None  # the reader's own vote, None before they vote

    @property
    def total(self) -> int:
        return self.helpful + self.not_helpful


def vote_summary(*, article: Article, user) -> VoteSummary:
    counts = ArticleVote.objects.filter(article=article).aggregate(
        helpful_votes=Count("pk", filter=Q(helpful=True)),
        unhelpful_votes=Count("pk", filter=Q(helpful=False)),
    )
    mine = (
        ArticleVote.objects.filter(article=article, user=user)
        .values_list("helpful", flat=True)
        .first()
    )
    return VoteSummary(
        helpful=counts["helpful_votes"], not_helpful=counts["unhelpful_votes"], mine=mine
    )


# --- categories -------------------------------------------------------------------------------


def category_list() -> QuerySet[ArticleCategory]:
    return ArticleCategory.objects.select_related("parent")


@dataclass(frozen=True)
class CategoryNode:
    category: ArticleCategory
    depth: int
    article_count: int  # published articles the reader may see, subcategories included


def category_tree(*, user, hide_empty: bool = False) -> list[CategoryNode]:
    """Categories in tree order with the number of published articles `user` may read in each
    (subcategories included, each article counted once)."""
    children: dict[int | None, list[ArticleCategory]] = {}
    for category in ArticleCategory.objects.all():
        children.setdefault(category.parent_id, []).append(category)
    filed: dict[int, set[int]] = {}
    pairs = published_articles(user=user).filter(categories__isnull=False)
    for article_id, category_id in pairs.values_list("pk", "categories"):
        filed.setdefault(category_id, set()).add(article_id)

    nodes: list[CategoryNode] = []

    def walk(parent_id, depth: int) -> set[int]:
        """Appends the nodes below `parent_id`; returns the articles filed anywhere below it."""
        below: set[int] = set()
        for category in children.get(parent_id, []):
            position = len(nodes)
            nodes.append(None)  # placeholder: the count is known once the subtree is walked
            articles = filed.get(category.pk, set()) | walk(category.pk, depth + 1)
            nodes[position] = CategoryNode(category, depth, len(articles))
            below |= articles
        return below

    walk(None, 0)
    if hide_empty:
        return [node for node in nodes if node.article_count]
    return nodes
