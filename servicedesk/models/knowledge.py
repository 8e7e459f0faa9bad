"""Knowledge base: articles written in Markdown, filed in categories, voted on and searched."""

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.urls import reverse

from servicedesk.knowledge.choices import ArticleAudience, ArticleState

__all__ = ["Article", "ArticleCategory", "ArticleTag", "ArticleView", "ArticleVote"]


class ArticleCategory(models.Model):
    """A shelf of the knowledge base; categories nest through `parent`."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    description = models.CharField(max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(
        default=0, help_text="Lower comes first among siblings."
    )

    class Meta:
        ordering = ["position", "name"]
        verbose_name = "article category"
        verbose_name_plural = "article categories"
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "name"], name="unique_article_category_name_per_parent"
            ),
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("pk")), name="article_category_not_own_parent"
            ),
        ]

    def __str__(self):
        return self.name


class ArticleTag(models.Model):
    name = models.CharField(max_length=50, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Article(models.Model):
    """A knowledge article. `body` is Markdown; `body_html` is its sanitised rendering and
    `body_text` its plain text (for search and snippets), both written by the services."""

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    summary = models.CharField(max_length=300, blank=True)
    body = models.TextField(blank=True)
    body_html = models.TextField(blank=True, editable=False)
    body_text = models.TextField(blank=True, editable=False)
    state = models.CharField(
        max_length=20, choices=ArticleState.choices, default=ArticleState.DRAFT
    )
    audience = models.CharField(
        max_length=20, choices=ArticleAudience.choices, default=ArticleAudience.EVERYONE
    )
    categories = models.ManyToManyField(ArticleCategory, blank=True, related_name="articles")
    tags = models.ManyToManyField(ArticleTag, blank=True, related_name="articles")
    related = models.ManyToManyField("self", blank=True, symmetrical=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="knowledge_articles",
    )
    version = models.PositiveIntegerField(
        default=1, help_text="Goes up with every change of the content."
    )
    view_count = models.PositiveIntegerField(default=0, editable=False)
    published_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # PostgreSQL only (stays NULL elsewhere): weighted title A, summary B, body C, kept by the
    # services; its GIN index is created by the migration on PostgreSQL.
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["title"]
        indexes = [
            models.Index(fields=["state", "audience"], name="article_state_audience"),
            models.Index(fields=["-published_at"], name="article_published_at"),
            models.Index(fields=["-view_count"], name="article_view_count"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("knowledge:article-detail", kwargs={"slug": self.slug})

    @property
    def number(self) -> str:
        """The reference people quote, as in ServiceNow: KB0000042."""
        return f"KB{self.pk:07d}" if self.pk else "KB (new)"

    @property
    def is_internal(self) -> bool:
        return self.audience == ArticleAudience.STAFF


class ArticleVote(models.Model):
    """One person's answer to "was this helpful?"; they may change it."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="article_votes"
    )
    helpful = models.BooleanField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "user"], name="one_vote_per_user_article"),
        ]

    def __str__(self):
        return f"{self.user} found {self.article} {'helpful' if self.helpful else 'not helpful'}"


class ArticleView(models.Model):
    """A day on which a person read an article: views count once per person, article and day."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="daily_views")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="article_views"
    )
    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["article", "user", "day"], name="one_view_per_user_article_day"
            ),
        ]
        indexes = [models.Index(fields=["day"], name="article_view_day")]

    def __str__(self):
        return f"{self.user} read {self.article} on {self.day}"
