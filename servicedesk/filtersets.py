import django_filters
from django.db.models import Q

from itops.models import Team, User
from servicedesk.choices import DONE_STATES, Priority, TicketKind, TicketSource, TicketState
from servicedesk.models import Category, Ticket


class TicketFilterSet(django_filters.FilterSet):
    """Filters of ticket queues; applied by `selectors.ticket_list`, after the permission scope.

    The multiple-choice filters match columns of the ticket row itself, so they need no
    DISTINCT (which would make PostgreSQL sort every match instead of reading an index)."""

    kind = django_filters.MultipleChoiceFilter(choices=TicketKind.choices, distinct=False)
    state = django_filters.MultipleChoiceFilter(choices=TicketState.choices, distinct=False)
    priority = django_filters.MultipleChoiceFilter(choices=Priority.choices, distinct=False)
    source = django_filters.MultipleChoiceFilter(choices=TicketSource.choices, distinct=False)
    assignment_group = django_filters.ModelChoiceFilter(queryset=Team.objects.all())
    assignee = django_filters.ModelChoiceFilter(queryset=User.objects.all())
    caller = django_filters.ModelChoiceFilter(queryset=User.objects.all())
    ci = django_filters.NumberFilter(field_name="configuration_item_id")
    service = django_filters.NumberFilter(field_name="business_service_id")
    category = django_filters.ModelChoiceFilter(
        queryset=Category.objects.all(), method="filter_category"
    )
    problem = django_filters.NumberFilter(field_name="problem_id")
    parent = django_filters.NumberFilter(field_name="parent_id")
    is_major_incident = django_filters.BooleanFilter()
    is_known_error = django_filters.BooleanFilter()
    open = django_filters.BooleanFilter(method="filter_open", label="Open (not done)")
    unassigned = django_filters.BooleanFilter(method="filter_unassigned")
    opened_after = django_filters.IsoDateTimeFilter(field_name="opened_at", lookup_expr="gte")
    opened_before = django_filters.IsoDateTimeFilter(field_name="opened_at", lookup_expr="lt")
    updated_after = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    q = django_filters.CharFilter(method="filter_search", label="Text search")

    class Meta:
        model = Ticket
        fields = []

    def filter_category(self, queryset, name, value):
        return queryset.filter(Q(category=value) | Q(subcategory=value))

    def filter_open(self, queryset, name, value):
        if value is None:
            return queryset
        return (
            queryset.exclude(state__in=DONE_STATES)
            if value
            else queryset.filter(state__in=DONE_STATES)
        )

    def filter_unassigned(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(assignee__isnull=value)

    def filter_search(self, queryset, name, value):
        from servicedesk.selectors.tickets import search_tickets

        return search_tickets(queryset, value)
