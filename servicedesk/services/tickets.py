"""Opening tickets, changing their fields and assigning them."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from itops.audit import acting_as
from itops.errors import Conflict, DomainError
from itops.models import Team, TeamMembership, User
from itops.roles import is_staff_member
from servicedesk.choices import FINAL_STATES, TicketKind, TicketSource
from servicedesk.models import CatalogItem, Category, Ticket
from servicedesk.models.tickets import PROXY_BY_KIND
from servicedesk.services.numbering import next_ticket_number
from servicedesk.services.priority import check_impact_and_urgency, priority_for
from servicedesk.services.routing import route_ticket
from servicedesk.services.search import refresh_search_document
from servicedesk.signals import send_on_commit, ticket_assigned, ticket_opened, ticket_updated

MAX_TEXT_LENGTH = 100_000
SHORT_DESCRIPTION_MAX = Ticket._meta.get_field("short_description").max_length

# Fields that only make sense on some kinds of ticket.
KIND_ONLY_FIELDS = {
    "root_cause": {TicketKind.PROBLEM},
    "workaround": {TicketKind.PROBLEM},
    "is_known_error": {TicketKind.PROBLEM},
    "request_answers": {TicketKind.REQUEST},
    "is_major_incident": {TicketKind.INCIDENT},
    "parent": {TicketKind.INCIDENT},
    "problem": {TicketKind.INCIDENT, TicketKind.REQUEST},
}
# What an end user may change on a ticket they called in.
CALLER_EDITABLE_FIELDS = frozenset({"short_description", "description"})
# What update_ticket() may change; state and assignment have their own services.
UPDATABLE_FIELDS = frozenset(
    {
        "short_description",
        "description",
        "impact",
        "urgency",
        "category",
        "subcategory",
        "configuration_item",
        "business_service",
        "caller",
        "source",
        *KIND_ONLY_FIELDS,
    }
)


# --- checks shared by the services ------------------------------------------------------------


def is_participant(ticket: Ticket, user: User | None) -> bool:
    """The caller or a watcher: the end users who may see and follow a ticket."""
    if user is None or not user.is_authenticated:
        return False
    return ticket.caller_id == user.pk or ticket.watchers.filter(pk=user.pk).exists()


def require_staff(user: User | None, action: str) -> None:
    if user is not None and not is_staff_member(user):
        raise PermissionDenied(f"Only service desk staff may {action}.")


def require_staff_or_participant(ticket: Ticket, user: User | None, action: str) -> None:
    if user is None or is_staff_member(user) or is_participant(ticket, user):
        return
    raise PermissionDenied(f"Only staff, the caller and watchers may {action}.")


def require_not_final(ticket: Ticket, action: str) -> None:
    if ticket.state in FINAL_STATES:
        raise Conflict(
            f"{ticket.number} is {ticket.get_state_display().lower()}; it can no longer {action}.",
            field="state",
        )


def lock_ticket(ticket: Ticket) -> Ticket:
    """The ticket re-read under a row lock, as its proxy kind, so concurrent writers queue."""
    return Ticket.objects.select_for_update().get(pk=ticket.pk).as_kind()


def clean_text(value: str | None, *, field: str, required: bool, max_length: int) -> str:
    text = (value or "").strip()
    if required and not text:
        raise DomainError("This field may not be blank.", field=field)
    if len(text) > max_length:
        raise DomainError(f"At most {max_length} characters.", field=field)
    return text


def _check_categories(category: Category | None, subcategory: Category | None) -> None:
    if category is not None and category.parent_id is not None:
        raise DomainError("Pick a top-level category.", field="category")
    if subcategory is None:
        return
    if subcategory.parent_id is None:
        raise DomainError("A subcategory must have a parent category.", field="subcategory")
    if category is None or subcategory.parent_id != category.pk:
        raise DomainError(
            f"{subcategory.name} is not a subcategory of {category or 'no category'}.",
            field="subcategory",
        )


def check_assignment(group: Team | None, assignee: User | None) -> None:
    if assignee is None:
        return
    if group is None:
        raise DomainError("An assignee needs an assignment group.", field="assignment_group")
    if not assignee.is_active:
        raise DomainError(f"{assignee} is not an active user.", field="assignee")
    if not TeamMembership.objects.filter(team=group, user=assignee).exists():
        raise DomainError(f"{assignee} is not a member of {group}.", field="assignee")


def _check_parent(ticket: Ticket, parent: Ticket | None) -> None:
    if parent is None:
        return
    if parent.kind != TicketKind.INCIDENT:
        raise DomainError(f"{parent.number} is not an incident.", field="parent")
    if ticket.pk is not None:
        if parent.pk == ticket.pk:
            raise DomainError("An incident cannot be its own parent.", field="parent")
        # Walk the stored chain above the new parent: the ticket must not be in it.
        ancestor_id, seen = _stored_parent_id(parent.pk), {parent.pk}
        while ancestor_id is not None and ancestor_id not in seen:
            if ancestor_id == ticket.pk:
                raise DomainError(
                    f"{parent.number} is already below {ticket.number}.", field="parent"
                )
            seen.add(ancestor_id)
            ancestor_id = _stored_parent_id(ancestor_id)


def _stored_parent_id(ticket_id: int) -> int | None:
    return Ticket.objects.filter(pk=ticket_id).values_list("parent_id", flat=True).first()


def _check_problem(ticket: Ticket, problem: Ticket | None) -> None:
    if problem is not None and problem.kind != TicketKind.PROBLEM:
        raise DomainError(f"{problem.number} is not a problem.", field="problem")


def _check_kind_fields(kind: str, fields: dict[str, Any]) -> None:
    for field in fields:
        kinds = KIND_ONLY_FIELDS.get(field)
        if kinds is not None and kind not in kinds:
            raise DomainError(
                f"{field} does not apply to a {TicketKind(kind).label.lower()}.", field=field
            )


def _check_catalog_item(item: CatalogItem | None, answers: Any) -> None:
    if item is not None and not item.is_active:
        raise DomainError(f"{item} can no longer be requested.", field="catalog_item")
    if not isinstance(answers, dict):
        raise DomainError(
            "Answers must be an object of field names to values.", field="request_answers"
        )


# --- opening --------------------------------------------------------------------------------


def _open(
    *,
    kind: str,
    by: User | None,
    caller: User | None,
    short_description: str,
    description: str,
    impact: int,
    urgency: int,
    category: Category | None,
    subcategory: Category | None,
    configuration_item,
    business_service,
    assignment_group: Team | None,
    assignee: User | None,
    source: str,
    watchers,
    extra: dict[str, Any],
) -> Ticket:
    if source not in TicketSource.values:
        raise DomainError(f"Unknown source {source!r}.", field="source")
    check_impact_and_urgency(impact=impact, urgency=urgency)
    _check_categories(category, subcategory)
    _check_kind_fields(kind, {k: v for k, v in extra.items() if v not in (None, "", False)})
    check_assignment(assignment_group, assignee)
    ticket = PROXY_BY_KIND[kind](
        kind=kind,
        number=next_ticket_number(kind),
        caller=caller,
        opened_by=by,
        source=source,
        short_description=clean_text(
            short_description,
            field="short_description",
            required=True,
            max_length=SHORT_DESCRIPTION_MAX,
        ),
        description=clean_text(
            description, field="description", required=False, max_length=MAX_TEXT_LENGTH
        ),
        impact=impact,
        urgency=urgency,
        priority=priority_for(impact=impact, urgency=urgency),
        category=category,
        subcategory=subcategory,
        configuration_item=configuration_item,
        business_service=business_service,
        assignment_group=assignment_group,
        assignee=assignee,
        **extra,
    )
    _check_parent(ticket, extra.get("parent"))
    _check_problem(ticket, extra.get("problem"))
    if ticket.assignment_group is None:
        route_ticket(ticket)
    with acting_as(by):
        ticket.save()
        watcher_list = [user for user in watchers if user is not None]
        if watcher_list:
            ticket.watchers.add(*watcher_list)
    refresh_search_document(ticket)
    send_on_commit(ticket_opened, ticket=ticket, by=by)
    if ticket.assignment_group_id is not None:
        send_on_commit(ticket_assigned, ticket=ticket, by=by, old_group=None, old_assignee=None)
    return ticket


@transaction.atomic
def open_incident(
    *,
    by: User | None,
    short_description: str,
    caller: User | None = None,
    description: str = "",
    impact: int = 3,
    urgency: int = 3,
    category: Category | None = None,
    subcategory: Category | None = None,
    configuration_item=None,
    business_service=None,
    assignment_group: Team | None = None,
    assignee: User | None = None,
    source: str = TicketSource.DESK,
    is_major_incident: bool = False,
    parent: Ticket | None = None,
    problem: Ticket | None = None,
    watchers=(),
) -> Ticket:
    """Open an incident. Without an assignment group the assignment rules route it. `caller`
    may be empty for incidents raised by monitoring."""
    return _open(
        kind=TicketKind.INCIDENT,
        by=by,
        caller=caller,
        short_description=short_description,
        description=description,
        impact=impact,
        urgency=urgency,
        category=category,
        subcategory=subcategory,
        configuration_item=configuration_item,
        business_service=business_service,
        assignment_group=assignment_group,
        assignee=assignee,
        source=source,
        watchers=watchers,
        extra={"is_major_incident": is_major_incident, "parent": parent, "problem": problem},
    )


@transaction.atomic
def open_request(
    *,
    by: User | None,
    caller: User,
    short_description: str,
    description: str = "",
    catalog_item: CatalogItem | None = None,
    answers: dict | None = None,
    impact: int = 3,
    urgency: int = 3,
    category: Category | None = None,
    subcategory: Category | None = None,
    configuration_item=None,
    business_service=None,
    assignment_group: Team | None = None,
    assignee: User | None = None,
    source: str = TicketSource.PORTAL,
    watchers=(),
) -> Ticket:
    """Open a service request, optionally for a catalog item whose fulfilment group it gets."""
    if caller is None:
        raise DomainError("A request needs a caller.", field="caller")
    answers = {} if answers is None else answers
    _check_catalog_item(catalog_item, answers)
    if assignment_group is None and catalog_item is not None:
        assignment_group = catalog_item.fulfilment_group
    if category is None and catalog_item is not None and catalog_item.category_id:
        top = catalog_item.category
        category, subcategory = (top.parent, top) if top.parent_id else (top, subcategory)
    return _open(
        kind=TicketKind.REQUEST,
        by=by,
        caller=caller,
        short_description=short_description,
        description=description,
        impact=impact,
        urgency=urgency,
        category=category,
        subcategory=subcategory,
        configuration_item=configuration_item,
        business_service=business_service,
        assignment_group=assignment_group,
        assignee=assignee,
        source=source,
        watchers=watchers,
        extra={"catalog_item": catalog_item, "request_answers": answers},
    )


@transaction.atomic
def open_problem(
    *,
    by: User | None,
    short_description: str,
    description: str = "",
    impact: int = 3,
    urgency: int = 3,
    category: Category | None = None,
    subcategory: Category | None = None,
    configuration_item=None,
    business_service=None,
    assignment_group: Team | None = None,
    assignee: User | None = None,
    source: str = TicketSource.DESK,
    root_cause: str = "",
    workaround: str = "",
    is_known_error: bool = False,
    incidents=(),
    watchers=(),
) -> Ticket:
    """Open a problem record, optionally attributing existing incidents to it."""
    problem = _open(
        kind=TicketKind.PROBLEM,
        by=by,
        caller=None,
        short_description=short_description,
        description=description,
        impact=impact,
        urgency=urgency,
        category=category,
        subcategory=subcategory,
        configuration_item=configuration_item,
        business_service=business_service,
        assignment_group=assignment_group,
        assignee=assignee,
        source=source,
        watchers=watchers,
        extra={
            "root_cause": clean_text(
                root_cause, field="root_cause", required=False, max_length=MAX_TEXT_LENGTH
            ),
            "workaround": clean_text(
                workaround, field="workaround", required=False, max_length=MAX_TEXT_LENGTH
            ),
            "is_known_error": is_known_error,
        },
    )
    for incident in incidents:
        update_ticket(ticket=incident, changes={"problem": problem}, by=by)
    return problem


# --- changing fields ------------------------------------------------------------------------


def _normalise_change(ticket: Ticket, field: str, value: Any) -> Any:
    if field == "short_description":
        return clean_text(value, field=field, required=True, max_length=SHORT_DESCRIPTION_MAX)
    if field in ("description", "root_cause", "workaround"):
        return clean_text(value, field=field, required=False, max_length=MAX_TEXT_LENGTH)
    if field == "source" and value not in TicketSource.values:
        raise DomainError(f"Unknown source {value!r}.", field="source")
    if field == "request_answers" and not isinstance(value, dict):
        raise DomainError("Answers must be an object of field names to values.", field=field)
    return value


def _current(ticket: Ticket, field: str) -> Any:
    if ticket._meta.get_field(field).is_relation:
        return getattr(ticket, f"{field}_id")
    return getattr(ticket, field)


def _incoming(value: Any) -> Any:
    return value.pk if hasattr(value, "_meta") else value


@transaction.atomic
def update_ticket(*, ticket: Ticket, changes: dict[str, Any], by: User | None) -> Ticket:
    """Change descriptive fields. State and assignment have their own services; a field that
    does not apply to the ticket's kind is refused. Impact or urgency recompute the priority."""
    unknown = sorted(set(changes) - UPDATABLE_FIELDS)
    if unknown:
        raise DomainError(
            f"{unknown[0]} cannot be changed here: use the ticket's actions.", field=unknown[0]
        )
    ticket = lock_ticket(ticket)
    if by is not None and not is_staff_member(by):
        if ticket.caller_id != by.pk:
            raise PermissionDenied("Only staff and the caller may edit this ticket.")
        reserved = sorted(set(changes) - CALLER_EDITABLE_FIELDS)
        if reserved:
            raise PermissionDenied(f"Only service desk staff may change {reserved[0]}.")
    require_not_final(ticket, "be changed")
    _check_kind_fields(ticket.kind, changes)
    normalised = {
        field: _normalise_change(ticket, field, value) for field, value in changes.items()
    }
    changed = {
        field: value
        for field, value in normalised.items()
        if _current(ticket, field) != _incoming(value)
    }
    if not changed:
        return ticket
    before = {field: _current(ticket, field) for field in changed}
    for field, value in changed.items():
        setattr(ticket, field, value)
    check_impact_and_urgency(impact=ticket.impact, urgency=ticket.urgency)
    stale_subcategory = (
        "category" in changed
        and "subcategory" not in changed
        and ticket.subcategory_id is not None
        and ticket.subcategory.parent_id != ticket.category_id
    )
    if stale_subcategory:
        # A new category drops a subcategory that belonged to the old one.
        before["subcategory"] = ticket.subcategory_id
        ticket.subcategory = None
        changed["subcategory"] = None
    _check_categories(ticket.category, ticket.subcategory)
    if "parent" in changed:
        _check_parent(ticket, ticket.parent)
    if "problem" in changed:
        _check_problem(ticket, ticket.problem)
    update_fields = [*changed, "updated_at"]
    if {"impact", "urgency"} & changed.keys():
        ticket.priority = priority_for(impact=ticket.impact, urgency=ticket.urgency)
        update_fields.append("priority")
    with acting_as(by):
        ticket.save(update_fields=update_fields)
    if {"short_description", "description"} & changed.keys():
        refresh_search_document(ticket)
    diff = {field: (before[field], _current(ticket, field)) for field in changed}
    send_on_commit(ticket_updated, ticket=ticket, by=by, changes=diff)
    return ticket


@transaction.atomic
def set_parent_incident(*, ticket: Ticket, parent: Ticket | None, by: User | None) -> Ticket:
    """Make `ticket` a child of `parent` (None detaches it)."""
    require_staff(by, "link parent incidents")
    return update_ticket(ticket=ticket, changes={"parent": parent}, by=by)


@transaction.atomic
def set_problem(*, ticket: Ticket, problem: Ticket | None, by: User | None) -> Ticket:
    """Attribute an incident or request to a problem record (None removes it)."""
    require_staff(by, "link problems")
    return update_ticket(ticket=ticket, changes={"problem": problem}, by=by)


# --- assignment -----------------------------------------------------------------------------


@transaction.atomic
def assign_ticket(
    *,
    ticket: Ticket,
    assignment_group: Team | None,
    assignee: User | None = None,
    by: User | None,
) -> Ticket:
    """Assign to a group and optionally one of its members; both empty unassigns."""
    require_staff(by, "assign tickets")
    ticket = lock_ticket(ticket)
    require_not_final(ticket, "be reassigned")
    check_assignment(assignment_group, assignee)
    new_group_id = assignment_group.pk if assignment_group else None
    new_assignee_id = assignee.pk if assignee else None
    if (ticket.assignment_group_id, ticket.assignee_id) == (new_group_id, new_assignee_id):
        return ticket
    old_group, old_assignee = ticket.assignment_group, ticket.assignee
    ticket.assignment_group, ticket.assignee = assignment_group, assignee
    with acting_as(by):
        ticket.save(update_fields=["assignment_group", "assignee", "updated_at"])
    send_on_commit(
        ticket_assigned, ticket=ticket, by=by, old_group=old_group, old_assignee=old_assignee
    )
    return ticket
