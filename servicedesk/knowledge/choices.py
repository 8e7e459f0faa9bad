"""Choices and the state table of knowledge articles."""

from django.db import models


class ArticleState(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    RETIRED = "retired", "Retired"


class ArticleAudience(models.TextChoices):
    EVERYONE = "everyone", "Everyone"
    STAFF = "staff", "Staff only (internal)"


# Every allowed move of an article; anything not listed is refused. A retired article goes back
# to draft to be reworked before it can be published again, so nothing reappears unreviewed.
ARTICLE_TRANSITIONS: dict[str, frozenset[str]] = {
    ArticleState.DRAFT: frozenset({ArticleState.PUBLISHED}),
    ArticleState.PUBLISHED: frozenset({ArticleState.RETIRED}),
    ArticleState.RETIRED: frozenset({ArticleState.DRAFT}),
}

# The verb a person clicks for each target state.
TRANSITION_VERBS: dict[str, str] = {
    ArticleState.PUBLISHED: "Publish",
    ArticleState.RETIRED: "Retire",
    ArticleState.DRAFT: "Reopen as draft",
}


def allowed_transitions(state: str) -> list[str]:
    """Target states reachable from `state`, in a stable order."""
    return [target for target in ArticleState.values if target in ARTICLE_TRANSITIONS[state]]
