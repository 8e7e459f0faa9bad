import django_filters
from django.db.models import Q

from monitoring.targets.choices import TargetHealth, TargetKind, TargetSource
from monitoring.targets.models import Target


class TargetFilterSet(django_filters.FilterSet):
    """Filters for target lists; the page and the API use the same parameters."""

    search = django_filters.CharFilter(
        method="filter_search", label="Search", help_text="Name, address, job or CI."
    )
    kind = django_filters.ChoiceFilter(choices=TargetKind.choices)
    health = django_filters.ChoiceFilter(choices=TargetHealth.choices)
    source = django_filters.ChoiceFilter(choices=TargetSource.choices)
    enabled = django_filters.BooleanFilter()
    ci = django_filters.NumberFilter(field_name="ci_id", label="CI (id)")
    ordering = django_filters.OrderingFilter(
        fields=(
            ("name", "name"),
            ("kind", "kind"),
            ("health", "health"),
            ("last_run_at", "last_run_at"),
            ("last_duration_seconds", "last_duration"),
        ),
        label="Sort",
    )

    class Meta:
        model = Target
        fields = ["kind", "health", "source", "enabled", "ci"]

    def filter_search(self, queryset, name, value):
        for term in value.split():
            queryset = queryset.filter(
                Q(name__icontains=term)
                | Q(address__icontains=term)
                | Q(job__icontains=term)
                | Q(ci__name__icontains=term)
            )
        return queryset
