import django_filters
from django.db.models import Q

from cmdb.choices import CIStatus, Criticality, Environment, RelationshipType
from cmdb.models import CIClass, ConfigurationItem, Location, Relationship
from itops.models import Team

SEARCH_FIELDS = ("name", "description", "monitoring_address", "ci_class__name")


class CIFilterSet(django_filters.FilterSet):
    """Filters for CI lists; the page and the API use the same parameters."""

    search = django_filters.CharFilter(
        method="filter_search", label="Search", help_text="Name, description, address or class."
    )
    ci_class = django_filters.ModelChoiceFilter(
        queryset=CIClass.objects.all(), to_field_name="slug", label="Class", empty_label="Any"
    )
    environment = django_filters.ChoiceFilter(choices=Environment.choices, empty_label="Any")
    status = django_filters.ChoiceFilter(choices=CIStatus.choices, empty_label="Any")
    criticality = django_filters.ChoiceFilter(choices=Criticality.choices, empty_label="Any")
    owner_team = django_filters.ModelChoiceFilter(
        queryset=Team.objects.all(), to_field_name="slug", label="Owner team", empty_label="Any"
    )
    location = django_filters.ModelChoiceFilter(queryset=Location.objects.all())
    is_service = django_filters.BooleanFilter(
        field_name="ci_class__is_service", label="Business services only"
    )
    ordering = django_filters.OrderingFilter(
        fields=(
            ("name", "name"),
            ("ci_class__name", "ci_class"),
            ("environment", "environment"),
            ("status", "status"),
            ("criticality", "criticality"),
            ("owner_team__name", "owner_team"),
            ("updated_at", "updated_at"),
        ),
        label="Sort",
    )

    class Meta:
        model = ConfigurationItem
        fields = ["ci_class", "environment", "status", "criticality", "owner_team", "location"]

    def filter_search(self, queryset, name, value):
        terms = value.split()
        for term in terms:
            condition = Q()
            for field in SEARCH_FIELDS:
                condition |= Q(**{f"{field}__icontains": term})
            queryset = queryset.filter(condition)
        return queryset


class RelationshipFilterSet(django_filters.FilterSet):
    ci = django_filters.NumberFilter(method="filter_ci", label="Starts or ends at this CI (id)")
    type = django_filters.ChoiceFilter(choices=RelationshipType.choices)

    class Meta:
        model = Relationship
        fields = ["source", "target", "type"]

    def filter_ci(self, queryset, name, value):
        return queryset.filter(Q(source_id=value) | Q(target_id=value))
