"""Builders for knowledge base tests: articles go through the services, like real ones."""

import itertools

from itops.choices import Role
from itops.models import User
from servicedesk.knowledge import services
from servicedesk.knowledge.choices import ArticleAudience, ArticleState
from servicedesk.models.knowledge import Article, ArticleCategory
from tests.factories import make_user

_sequence = itertools.count(1)


def knowledge_writer() -> User:
    """The staff member who writes articles when a test does not say who."""
    writer = User.objects.filter(username="kb-writer").first()
    return writer or make_user("kb-writer", role=Role.AGENT)


def make_category(name: str | None = None, *, parent: ArticleCategory | None = None):
    return services.create_category(
        by=knowledge_writer(), name=name or f"Category {next(_sequence)}", parent=parent
    )


def make_article(
    title: str | None = None,
    *,
    body: str = "Restart the application and try again.",
    summary: str = "",
    state: str = ArticleState.PUBLISHED,
    audience: str = ArticleAudience.EVERYONE,
    categories=(),
    tags=(),
    related=(),
    author: User | None = None,
) -> Article:
    """An article in `state` (published unless told otherwise)."""
    author = author or knowledge_writer()
    article = services.create_article(
        by=author,
        title=title or f"Article {next(_sequence)}",
        body=body,
        summary=summary,
        audience=audience,
        categories=categories,
        tags=tags,
        related=related,
    )
    path = {
        ArticleState.DRAFT: [],
        ArticleState.PUBLISHED: [ArticleState.PUBLISHED],
        ArticleState.RETIRED: [ArticleState.PUBLISHED, ArticleState.RETIRED],
    }[state]
    for target in path:
        article = services.transition_article(article=article, by=author, to_state=target)
    return article
