import re
from collections.abc import Mapping

from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import F, Q
from django.http import Http404

from itops.choices import Role
from itops.roles import has_role, is_staff_member
from servicedesk.choices import FINAL_STATES, CommentVisibility, TicketState, allowed_moves
from servicedesk.choices import TICKET_SEARCH_CONFIG as SEARCH_CONFIG
from servicedesk.filtersets import TicketFilterSet
from servicedesk.models import Comment, Ticket, TicketLink, TicketQuerySet

# Something that looks like (part of) a ticket number: INC0001001, 0001001, 1001.
_NUMBER_FRAGMENT = re.compile(r"^[A-Za-z]{0,3}\d{3,}$")
_FULL_NUMBER = re.compile(r"^[A-Za-z]{3}\d{7}$")

# Joined in the list query; the other relations are fetched by id in one small query each,
# because planning a dozen outer joins costs PostgreSQL far more than running them.
LIST_JOINED = ("caller", "assignment_group", "assignee")
LIST_PREFETCHED = (
    "opened_by",
    "configuration_item",
    "business_service",
    "category",
    "subcategory",
    "parent",
    "problem",
    "catalog_item",
)


TICKET_FILTER_NAMES = frozenset(TicketFilterSet.base_filters)


def visible_tickets(user) -> TicketQuerySet:
    """THE permission scope: staff see every ticket; end users the tickets they are the caller
    or a watcher of; anyone else nothing."""
    # The search document is only ever read by PostgreSQL itself.
    tickets = Ticket.objects.defer("search_vector")
    if user is None or not user.is_authenticated:
        return tickets.none()
    if is_staff_member(user):
        return tickets
    if not has_role(user, Role.END_USER):
        return tickets.none()
    watched = Ticket.watchers.through.objects.filter(user_id=user.pk).values("ticket_id")
    return tickets.filter(Q(caller_id=user.pk) | Q(pk__in=watched))


def search_tickets(tickets: models.QuerySet, text: str) -> models.QuerySet:
    """Full-text search over number, short description, description and public comments.

    PostgreSQL matches the stored, GIN-indexed vector and orders by rank; SQLite falls back to
    icontains on the same columns. Work notes are never searched.
    """
    text = (text or "").strip()
    if not text:
        return tickets
    if _FULL_NUMBER.match(text):
        # A whole number is one unique-index lookup; a fragment has to scan the numbers.
        by_number = Q(number=text.upper())
    elif _NUMBER_FRAGMENT.match(text):
        by_number = Q(number__icontains=text)
    else:
        by_number = Q(pk__in=[])
    if connection.vendor == "postgresql":
        query = SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)
        return (
            tickets.filter(Q(search_vector=query) | by_number)
            .annotate(search_rank=SearchRank(F("search_vector"), query))
            .order_by("-search_rank", "-opened_at", "-id")
        )
    public_comments = Comment.objects.filter(
        visibility=CommentVisibility.PUBLIC, body__icontains=text
    ).values("ticket_id")
    return tickets.filter(
        by_number
        | Q(short_description__icontains=text)
        | Q(description__icontains=text)
        | Q(pk__in=public_comments)
    )


def ticket_list(
    *, user, filters: Mapping | None = None, kind: str | None = None
) -> models.QuerySet:
    """The tickets `user` may see, narrowed by `filters` (TicketFilterSet names: state,
    priority, assignment_group, assignee, caller, ci, service, category, q, ...).

    Raises ValidationError naming the field for a bad filter value.
    """
    tickets = visible_tickets(user)
    if kind is not None:
        tickets = tickets.filter(kind=kind)
    if filters and any(name in TICKET_FILTER_NAMES for name in filters):
        filterset = TicketFilterSet(data=filters, queryset=tickets)
        if not filterset.is_valid():
            raise ValidationError(
                {
                    field: [str(error) for error in errors]
                    for field, errors in filterset.errors.items()
                }
            )
        tickets = filterset.qs
    # Without filter parameters (the first page of a queue) the FilterSet, whose set-up costs
    # more than the query, is skipped.
    return tickets.select_related(*LIST_JOINED).prefetch_related(*LIST_PREFETCHED)


def get_visible_ticket(*, user, key: str | int, kind: str | None = None) -> Ticket:
    """One ticket by id or number, as its proxy kind; Http404 when it does not exist or
    `user` may not see it (the two are indistinguishable on purpose)."""
    tickets = visible_tickets(user)
    if kind is not None:
        tickets = tickets.filter(kind=kind)
    key = str(key)
    lookup = {"pk": int(key)} if key.isdigit() else {"number__iexact": key}
    ticket = (
        tickets.select_related(*LIST_JOINED)
        .prefetch_related(*LIST_PREFETCHED)
        .filter(**lookup)
        .first()
    )
    if ticket is None:
        raise Http404("No such ticket.")
    return ticket.as_kind()


def tickets_by_ids(*, user, ids, kind: str | None = None) -> tuple[list[Ticket], list[int]]:
    """The tickets `user` may see among `ids`, in the order given, and the ids not found."""
    found = {ticket.pk: ticket for ticket in ticket_list(user=user, kind=kind).filter(pk__in=ids)}
    return [found[pk] for pk in ids if pk in found], [pk for pk in ids if pk not in found]


def ticket_links(ticket: Ticket) -> models.QuerySet:
    """Links from a ticket to records of other apps (staff only: callers never see them)."""
    return TicketLink.objects.filter(ticket=ticket).select_related("content_type", "created_by")


def tickets_linked_to(obj: models.Model, *, user=None) -> models.QuerySet:
    """Tickets linked to another app's object (incidents caused by a change, ...)."""
    content_type = ContentType.objects.get_for_model(obj)
    linked = TicketLink.objects.filter(content_type=content_type, object_id=obj.pk).values(
        "ticket_id"
    )
    tickets = visible_tickets(user) if user is not None else Ticket.objects.all()
    return tickets.filter(pk__in=linked)


def available_actions(*, ticket: Ticket, user) -> list[str]:
    """The workflow actions `user` may call on `ticket` now (for buttons and API clients)."""
    from servicedesk.services.workflow import caller_may_reopen

    allowed = allowed_moves(ticket.kind, ticket.state)
    if is_staff_member(user):
        actions = []
        if TicketState.IN_PROGRESS in allowed and ticket.state != TicketState.RESOLVED:
            actions.append("start")
        for verb, target in (
            ("hold", TicketState.ON_HOLD),
            ("resolve", TicketState.RESOLVED),
            ("reopen", None),
            ("close", TicketState.CLOSED),
            ("cancel", TicketState.CANCELLED),
        ):
            if target in allowed or (verb == "reopen" and ticket.state == TicketState.RESOLVED):
                actions.append(verb)
        if ticket.state not in FINAL_STATES:
            actions.append("assign")
        return actions
    if user is None or ticket.caller_id != user.pk or ticket.state != TicketState.RESOLVED:
        return []
    return (["reopen"] if caller_may_reopen(ticket) else []) + ["close"]
