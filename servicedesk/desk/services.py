"""Writes of the agent console: saved filters and bulk actions over selected tickets.

Bulk actions call the same services as the ticket page, one ticket at a time, each in its own
savepoint: a refusal (illegal move, missing reason, final ticket) is reported for that ticket
and the others are applied, unless the agent asked for all-or-nothing, in which case one
refusal undoes every change and the report says so.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import QueryDict

from itops.errors import DomainError
from itops.models import Team, User
from itops.roles import is_staff_member
from servicedesk import services
from servicedesk.choices import TicketState
from servicedesk.desk.queues import FILTER_PARAMS
from servicedesk.models import SavedFilter, Ticket

SAVED_QUERY_PARAMS = (*FILTER_PARAMS, "queue", "sort")
BULK_LIMIT = 200


def _require_agent(user: User | None) -> None:
    if user is None or not is_staff_member(user):
        raise PermissionDenied("Only service desk staff use the agent console.")


def clean_query(query: str) -> str:
    """Keep the queue and filter parameters of a query string, drop cursors and the rest."""
    params = QueryDict(query.lstrip("?"))
    kept = QueryDict(mutable=True)
    for name in SAVED_QUERY_PARAMS:
        values = [value for value in params.getlist(name) if value.strip()]
        if values:
            kept.setlist(name, values)
    return kept.urlencode()


@transaction.atomic
def create_saved_filter(*, owner: User, name: str, query: str, is_shared: bool) -> SavedFilter:
    _require_agent(owner)
    name = (name or "").strip()
    if not name:
        raise DomainError("Give the filter a name.", field="name")
    max_length = SavedFilter._meta.get_field("name").max_length
    if len(name) > max_length:
        raise DomainError(f"Names are at most {max_length} characters.", field="name")
    query = clean_query(query or "")
    if len(query) > SavedFilter._meta.get_field("query").max_length:
        raise DomainError("That filter is too long to save.", field="query")
    if SavedFilter.objects.filter(owner=owner, name__iexact=name).exists():
        raise DomainError(f"You already have a filter named {name!r}.", field="name")
    try:
        with transaction.atomic():
            return SavedFilter.objects.create(
                owner=owner, name=name, query=query, is_shared=is_shared
            )
    except IntegrityError:
        raise DomainError(f"You already have a filter named {name!r}.", field="name") from None


@transaction.atomic
def delete_saved_filter(*, saved_filter: SavedFilter, by: User) -> None:
    if saved_filter.owner_id != by.pk:
        raise PermissionDenied("Only its owner deletes a saved filter.")
    saved_filter.delete()


# --- bulk actions -------------------------------------------------------------------------------


@dataclass
class BulkOutcome:
    """What a bulk action did: tickets changed, tickets refused with the reason, and whether
    the refusals undid everything (all-or-nothing)."""

    applied: list[Ticket] = field(default_factory=list)
    refused: list[tuple[Ticket, str]] = field(default_factory=list)
    rolled_back: bool = False


class _Refused(Exception):
    pass


def _run_bulk(
    tickets: Iterable[Ticket], action: Callable[[Ticket], Ticket], *, all_or_nothing: bool
) -> BulkOutcome:
    outcome = BulkOutcome()
    tickets = list(tickets)
    if len(tickets) > BULK_LIMIT:
        raise DomainError(f"Pick at most {BULK_LIMIT} tickets at once.", field="tickets")
    if not tickets:
        raise DomainError("Select at least one ticket.", field="tickets")
    try:
        with transaction.atomic():
            for ticket in tickets:
                try:
                    with transaction.atomic():
                        outcome.applied.append(action(ticket.as_kind()))
                except (DomainError, PermissionDenied) as error:
                    message = getattr(error, "message", None) or str(error)
                    outcome.refused.append((ticket, message))
            if all_or_nothing and outcome.refused:
                raise _Refused
    except _Refused:
        outcome.rolled_back = True
        outcome.applied = []
    return outcome


def bulk_assign(
    *,
    tickets: Iterable[Ticket],
    assignment_group: Team | None,
    assignee: User | None,
    by: User,
    all_or_nothing: bool = False,
) -> BulkOutcome:
    _require_agent(by)
    if assignment_group is None and assignee is not None:
        raise DomainError("Pick the group the assignee works in.", field="assignment_group")

    def assign(ticket: Ticket) -> Ticket:
        return services.assign_ticket(
            ticket=ticket, assignment_group=assignment_group, assignee=assignee, by=by
        )

    return _run_bulk(tickets, assign, all_or_nothing=all_or_nothing)


def bulk_change_state(
    *,
    tickets: Iterable[Ticket],
    to: str,
    by: User,
    on_hold_reason: str = "",
    resolution_code: str = "",
    resolution_notes: str = "",
    comment: str = "",
    all_or_nothing: bool = False,
) -> BulkOutcome:
    """Move each ticket through `services.change_state`, which checks the kind's table."""
    _require_agent(by)
    if to not in TicketState.values:
        raise DomainError(f"Unknown state {to!r}.", field="state")

    def move(ticket: Ticket) -> Ticket:
        return services.change_state(
            ticket=ticket,
            to=to,
            by=by,
            on_hold_reason=on_hold_reason,
            resolution_code=resolution_code,
            resolution_notes=resolution_notes,
            comment=comment,
        )

    return _run_bulk(tickets, move, all_or_nothing=all_or_nothing)


# --- the ticket page ----------------------------------------------------------------------------


@transaction.atomic
def save_ticket(
    *, ticket: Ticket, changes: dict, assignment_group: Team | None, assignee: User | None, by: User
) -> Ticket:
    """The ticket page's edit form: field changes and, when it changed, the assignment, both
    or neither."""
    ticket = services.update_ticket(ticket=ticket, changes=changes, by=by)
    wanted = (
        assignment_group.pk if assignment_group else None,
        assignee.pk if assignee else None,
    )
    if (ticket.assignment_group_id, ticket.assignee_id) != wanted:
        ticket = services.assign_ticket(
            ticket=ticket, assignment_group=assignment_group, assignee=assignee, by=by
        )
    return ticket


@transaction.atomic
def post_comment(*, ticket: Ticket, body: str, internal: bool, upload=None, by: User):
    """A comment or work note with an optional file: both are kept, or neither."""
    comment = services.add_comment(ticket=ticket, author=by, body=body, internal=internal)
    if upload is not None:
        services.add_attachment(ticket=ticket, upload=upload, comment=comment, by=by)
    return comment


# --- taking a ticket ----------------------------------------------------------------------------


@transaction.atomic
def take_ticket(*, ticket: Ticket, by: User) -> Ticket:
    """Assign the ticket to `by`: in its current group when they belong to it, otherwise in
    the first of their groups (an assignee must be a member of the ticket's group)."""
    _require_agent(by)
    team_ids = list(by.team_memberships.values_list("team_id", flat=True).order_by("team_id"))
    if ticket.assignment_group_id in team_ids:
        group = ticket.assignment_group
    elif team_ids:
        group = Team.objects.get(pk=team_ids[0])
    else:
        raise DomainError(
            "You are in no assignment group, so tickets cannot be assigned to you.",
            field="assignee",
        )
    return services.assign_ticket(ticket=ticket, assignment_group=group, assignee=by, by=by)


# --- links to other apps' records ---------------------------------------------------------------

# Prefix of a record number -> (label, resolver(number) -> model instance or None). Apps above
# the service desk register theirs at start-up (the changes app: "CHG"), so the desk can link a
# ticket to a change by its number without importing that app.
_LINK_RESOLVERS: dict[str, tuple[str, Callable[[str], object | None]]] = {}


def register_link_resolver(prefix: str, label: str, resolver: Callable[[str], object | None]):
    _LINK_RESOLVERS[prefix.upper()] = (label, resolver)


def link_resolvers() -> dict[str, tuple[str, Callable[[str], object | None]]]:
    return dict(_LINK_RESOLVERS)


def link_record(*, ticket: Ticket, number: str, link_type: str, by: User):
    """Link `ticket` to another app's record given by number (a change: CHG0001234)."""
    number = (number or "").strip().upper()
    prefix = "".join(ch for ch in number if ch.isalpha())
    if not number:
        raise DomainError("Give the number of the record to link.", field="number")
    if prefix not in _LINK_RESOLVERS:
        known = ", ".join(sorted(_LINK_RESOLVERS)) or "none are installed yet"
        raise DomainError(
            f"No app here keeps records numbered {prefix or number}… (linkable: {known}).",
            field="number",
        )
    label, resolve = _LINK_RESOLVERS[prefix]
    target = resolve(number)
    if target is None:
        raise DomainError(f"There is no {label} {number}.", field="number")
    return services.add_link(ticket=ticket, target=target, link_type=link_type, by=by)
