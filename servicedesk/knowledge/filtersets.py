import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from servicedesk.knowledge import search
from servicedesk.knowledge.choices import ArticleAudience, ArticleState
from servicedesk.models.knowledge import Article, ArticleCategory


class ArticleFilterSet(django_filters.FilterSet):
    """Narrows a queryset that already carries the reader's scope (never widens it)."""

    q = django_filters.CharFilter(
        method="filter_search", label="Search text (web search syntax on PostgreSQL)"
    )
    category = django_filters.ModelChoiceFilter(
        queryset=ArticleCategory.objects.all(),
        to_field_name="slug",
        method="filter_category",
        label="Category (slug, subcategories included)",
    )
    tag = django_filters.CharFilter(method="filter_tag", label="Tag")
    state = django_filters.ChoiceFilter(choices=ArticleState.choices)
    audience = django_filters.ChoiceFilter(choices=ArticleAudience.choices)

    class Meta:
        model = Article
        fields = ["q", "category", "tag", "state", "audience"]

    def filter_search(self, queryset, name, value):
        if not value.strip():
            return queryset
        return search.search(queryset, value)

    # Both below filter through a subquery, so search ranking and ordering are left alone
    # (a join would repeat rows and need DISTINCT).
    @extend_schema_field(OpenApiTypes.STR)  # a category slug
    def filter_category(self, queryset, name, value):
        filed = Article.objects.filter(categories__in=category_and_descendant_ids(value))
        return queryset.filter(pk__in=filed.values("pk"))

    def filter_tag(self, queryset, name, value):
        tagged = Article.objects.filter(tags__name__iexact=value.strip())
        return queryset.filter(pk__in=tagged.values("pk"))


def category_and_descendant_ids(category: ArticleCategory) -> list[int]:
    """`category` and every category below it (the tree is small: one query, walked here)."""
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in ArticleCategory.objects.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    found, pending = [], [category.pk]
    while pending:
        current = pending.pop()
        if current not in found:
            found.append(current)
            pending.extend(children.get(current, []))
    return found
