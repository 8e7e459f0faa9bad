"""REST API of the knowledge base: `articles` and `article-categories`.

Everyone signed in lists, searches and reads the articles in their scope (see
`selectors.article_scope`) and votes on them; staff create, edit and move them through states.
"""

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response

from itops.api.mixins import AuditHistoryMixin
from itops.permissions import IsStaffMember
from servicedesk.knowledge import selectors, services
from servicedesk.knowledge.choices import ArticleAudience, ArticleState, allowed_transitions
from servicedesk.knowledge.filtersets import ArticleFilterSet
from servicedesk.knowledge.rendering import marked_snippet_html
from servicedesk.knowledge.search import snippet_for
from servicedesk.models.knowledge import Article, ArticleCategory, ArticleVote

# --- categories ---------------------------------------------------------------------------------


class ArticleCategorySerializer(serializers.ModelSerializer):
    parent = serializers.PrimaryKeyRelatedField(
        queryset=ArticleCategory.objects.all(), allow_null=True, required=False
    )
    article_count = serializers.SerializerMethodField(
        help_text="Published articles you may read here, subcategories included."
    )

    class Meta:
        model = ArticleCategory
        fields = ["id", "name", "slug", "parent", "description", "position", "article_count"]
        read_only_fields = ["slug"]

    def get_article_count(self, category) -> int:
        return self.context.get("article_counts", {}).get(category.pk, 0)


class ArticleCategoryViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    AuditHistoryMixin,
    viewsets.GenericViewSet,
):
    """Categories of the knowledge base; staff file new ones and rename or move them."""

    serializer_class = ArticleCategorySerializer
    queryset = ArticleCategory.objects.none()  # for the schema; get_queryset() answers
    filter_backends = []

    def get_queryset(self):
        return selectors.category_list()

    def get_permissions(self):
        permissions = super().get_permissions()
        if self.action not in ("list", "retrieve"):
            permissions.append(IsStaffMember())
        return permissions

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if self.request is not None and self.request.user.is_authenticated:
            tree = selectors.category_tree(user=self.request.user)
            context["article_counts"] = {node.category.pk: node.article_count for node in tree}
        return context

    def perform_create(self, serializer):
        serializer.instance = services.create_category(
            by=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.update_category(
            category=serializer.instance, by=self.request.user, **serializer.validated_data
        )


# --- articles -----------------------------------------------------------------------------------


class CategoryBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = ArticleCategory
        fields = ["id", "name", "slug"]


class ArticleSerializer(serializers.ModelSerializer):
    number = serializers.CharField(read_only=True)
    url = serializers.CharField(source="get_absolute_url", read_only=True)
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)
    categories = CategoryBriefSerializer(many=True, read_only=True)
    tags = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    related = serializers.SerializerMethodField(help_text="Related articles you may read.")
    helpful_votes = serializers.IntegerField(read_only=True)
    unhelpful_votes = serializers.IntegerField(read_only=True)
    snippet = serializers.SerializerMethodField(
        help_text="With ?q=: the matching passage as HTML, matches in <mark>."
    )
    allowed_transitions = serializers.SerializerMethodField()

    class Meta:
        model = Article
        fields = [
            "id",
            "number",
            "title",
            "slug",
            "url",
            "summary",
            "body",
            "body_html",
            "state",
            "audience",
            "categories",
            "tags",
            "related",
            "author",
            "version",
            "view_count",
            "helpful_votes",
            "unhelpful_votes",
            "published_at",
            "retired_at",
            "created_at",
            "updated_at",
            "snippet",
            "allowed_transitions",
        ]
        read_only_fields = fields

    def get_related(self, article) -> list[int]:
        return [other.pk for other in article.related.all()]

    def get_snippet(self, article) -> str | None:
        text = self.context.get("search_text")
        return str(marked_snippet_html(snippet_for(article, text))) if text else None

    def get_allowed_transitions(self, article) -> list[str]:
        request = self.context.get("request")
        if request is None or not selectors.can_author_articles(request.user):
            return []
        return allowed_transitions(article.state)


class ArticleWriteSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    slug = serializers.SlugField(max_length=220, required=False)
    summary = serializers.CharField(max_length=300, required=False, allow_blank=True)
    body = serializers.CharField(
        max_length=services.MAX_BODY_CHARS, required=False, allow_blank=True, trim_whitespace=False
    )
    audience = serializers.ChoiceField(choices=ArticleAudience.choices, required=False)
    categories = serializers.PrimaryKeyRelatedField(
        queryset=ArticleCategory.objects.all(), many=True, required=False
    )
    tags = serializers.ListField(
        child=serializers.CharField(max_length=services.MAX_TAG_CHARS),
        max_length=services.MAX_TAGS,
        required=False,
    )
    related = serializers.PrimaryKeyRelatedField(
        queryset=Article.objects.all(), many=True, required=False
    )
    version = serializers.IntegerField(
        required=False,
        write_only=True,
        help_text="On update: the version you edited; a newer article answers 409.",
    )


class ArticleTransitionSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=ArticleState.choices)


class ArticleVoteSerializer(serializers.Serializer):
    helpful = serializers.BooleanField()


class VoteSummarySerializer(serializers.Serializer):
    helpful = serializers.IntegerField()
    not_helpful = serializers.IntegerField()
    mine = serializers.BooleanField(allow_null=True)


class SuggestionQuerySerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, default="", max_length=1000)
    limit = serializers.IntegerField(
        required=False,
        default=selectors.SUGGEST_DEFAULT_LIMIT,
        min_value=1,
        max_value=selectors.SUGGEST_MAX_LIMIT,
    )


class SuggestionSerializer(serializers.ModelSerializer):
    number = serializers.CharField(read_only=True)
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Article
        fields = ["id", "number", "title", "summary", "url"]


def _vote_count(helpful: bool) -> Coalesce:
    votes = (
        ArticleVote.objects.filter(article=OuterRef("pk"), helpful=helpful)
        .values("article")
        .annotate(total=Count("pk"))
        .values("total")
    )
    return Coalesce(Subquery(votes, output_field=IntegerField()), 0)


class ArticleViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    AuditHistoryMixin,
    viewsets.GenericViewSet,
):
    """Knowledge articles. End users see published articles meant for everyone; staff see all.
    With `?q=` the list is a search, best match first, each with a highlighted `snippet`."""

    serializer_class = ArticleSerializer
    queryset = Article.objects.none()  # for the schema; get_queryset() applies the scope
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_class = ArticleFilterSet
    ordering_fields = ["title", "published_at", "updated_at", "view_count"]
    staff_actions = frozenset({"create", "update", "partial_update", "transition", "history"})

    def get_permissions(self):
        permissions = super().get_permissions()
        if self.action in self.staff_actions:
            permissions.append(IsStaffMember())
        return permissions

    def get_queryset(self):
        user = self.request.user
        readable = selectors.article_scope(user=user)
        return (
            readable.select_related("author")
            .prefetch_related(
                "categories",
                "tags",
                Prefetch("related", queryset=readable.only("id").order_by("title")),
            )
            .annotate(helpful_votes=_vote_count(True), unhelpful_votes=_vote_count(False))
        )

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if self.action == "list" and self.request is not None:
            context["search_text"] = self.request.query_params.get("q", "").strip()
        return context

    def _payload(self, serializer_class, *, partial: bool = False) -> dict:
        payload = serializer_class(data=self.request.data, partial=partial)
        payload.is_valid(raise_exception=True)
        return payload.validated_data

    def _answer(self, article: Article, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=article.pk)
        return Response(self.get_serializer(fresh).data, status=status_code)

    @extend_schema(request=ArticleWriteSerializer, responses={201: ArticleSerializer})
    def create(self, request, *args, **kwargs):
        fields = self._payload(ArticleWriteSerializer)
        fields.pop("version", None)
        article = services.create_article(by=request.user, **fields)
        return self._answer(article, status.HTTP_201_CREATED)

    @extend_schema(request=ArticleWriteSerializer, responses={200: ArticleSerializer})
    def update(self, request, *args, **kwargs):
        article = self.get_object()
        fields = self._payload(ArticleWriteSerializer, partial=kwargs.get("partial", False))
        expected_version = fields.pop("version", None)
        article = services.update_article(
            article=article, by=request.user, expected_version=expected_version, **fields
        )
        return self._answer(article)

    @extend_schema(request=ArticleTransitionSerializer, responses={200: ArticleSerializer})
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """Publish a draft, retire a published article or reopen a retired one (409 otherwise)."""
        target = self._payload(ArticleTransitionSerializer)["state"]
        article = services.transition_article(
            article=self.get_object(), by=request.user, to_state=target
        )
        return self._answer(article)

    @extend_schema(request=ArticleVoteSerializer, responses={200: VoteSummarySerializer})
    @action(detail=True, methods=["post"])
    def vote(self, request, pk=None):
        """Say whether the article helped; voting again replaces your earlier vote."""
        article = self.get_object()
        helpful = self._payload(ArticleVoteSerializer)["helpful"]
        services.vote_on_article(article=article, user=request.user, helpful=helpful)
        summary = selectors.vote_summary(article=article, user=request.user)
        return Response(VoteSummarySerializer(summary).data)

    @extend_schema(
        parameters=[SuggestionQuerySerializer],
        responses={
            200: inline_serializer(
                "ArticleSuggestions", {"results": SuggestionSerializer(many=True)}
            )
        },
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def suggest(self, request):
        """The few published articles that best match a partial text, such as a ticket's short
        description as it is typed. Fewer than 3 characters answer no results."""
        params = SuggestionQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        suggestions = selectors.suggest_articles(
            user=request.user,
            text=params.validated_data["q"],
            limit=params.validated_data["limit"],
        )
        return Response({"results": SuggestionSerializer(suggestions, many=True).data})
