"""Reads of the agent console: queues, their counts, sort orders and keyset pages.

Every queue starts from `selectors.ticket_list`, so the console shows exactly what the
visibility selector lets the agent see. Pages are cut with a keyset (seek) condition on the
sort columns plus the id, never with OFFSET, and counts stop at COUNT_CAP, so a queue over
100,000 tickets costs one short index scan per page.
"""

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import QueryDict

from itops.models import TeamMembership, User
from servicedesk.models import SavedFilter, Ticket
from servicedesk.models.tickets import OPEN_ONLY
from servicedesk.selectors import ticket_list

PAGE_SIZE = 50
COUNT_CAP = 1000


@dataclass(frozen=True)
class Queue:
    key: str
    label: str
    icon: str


QUEUES = [
    Queue("mine", "Assigned to me", "person-check"),
    Queue("groups", "My groups", "people"),
    Queue("unassigned_mine", "Unassigned in my groups", "inbox"),
    Queue("unassigned", "Unassigned (all)", "inboxes"),
    Queue("major", "Major incidents", "exclamation-octagon"),
    Queue("open", "All open", "list-task"),
    Queue("all", "Everything", "archive"),
]
QUEUE_BY_KEY = {queue.key: queue for queue in QUEUES}
DEFAULT_QUEUE = "mine"

# Sort name -> the columns of the keyset, each (field, descending); the id always ends it.
SORTS: dict[str, tuple[tuple[str, bool], ...]] = {
    "-opened": (("opened_at", True), ("id", True)),
    "opened": (("opened_at", False), ("id", False)),
    "-updated": (("updated_at", True), ("id", True)),
    "updated": (("updated_at", False), ("id", False)),
    "priority": (("priority", False), ("opened_at", True), ("id", True)),
    "-priority": (("priority", True), ("opened_at", False), ("id", False)),
    "number": (("number", False), ("id", False)),
    "-number": (("number", True), ("id", True)),
}
SORT_LABELS = {
    "-updated": "Updated (newest)",
    "updated": "Updated (oldest)",
    "-opened": "Opened (newest)",
    "opened": "Opened (oldest)",
    "priority": "Priority (highest)",
    "-priority": "Priority (lowest)",
    "number": "Number (A-Z)",
    "-number": "Number (Z-A)",
}
DEFAULT_SORT = "-updated"
DATETIME_FIELDS = {"opened_at", "updated_at"}

# Query parameters that are filters (the rest: queue, sort, cursors).
FILTER_PARAMS = (
    "kind",
    "state",
    "priority",
    "assignment_group",
    "assignee",
    "category",
    "ci",
    "service",
    "is_major_incident",
    "q",
)


def team_ids_of(user: User) -> list[int]:
    return list(TeamMembership.objects.filter(user=user).values_list("team_id", flat=True))


def queue_scope(tickets: QuerySet, *, queue: str, user: User, team_ids: list[int]) -> QuerySet:
    """Narrow `tickets` to one queue."""
    if queue == "all":
        return tickets
    tickets = tickets.filter(OPEN_ONLY)
    if queue == "mine":
        return tickets.filter(assignee_id=user.pk)
    if queue == "groups":
        return tickets.filter(assignment_group_id__in=team_ids)
    if queue == "unassigned_mine":
        return tickets.filter(assignee__isnull=True, assignment_group_id__in=team_ids)
    if queue == "unassigned":
        return tickets.filter(assignee__isnull=True)
    if queue == "major":
        return tickets.filter(is_major_incident=True)
    return tickets


def filter_values(params: Mapping) -> dict:
    """The filter parameters of a query string, without empty values."""
    values: dict = {}
    for name in FILTER_PARAMS:
        if isinstance(params, QueryDict):
            found = [value for value in params.getlist(name) if value.strip()]
        else:
            raw = params.get(name)
            found = [raw] if isinstance(raw, str) and raw.strip() else []
        if found:
            values[name] = found if name in ("kind", "state", "priority") else found[-1]
    return values


def _as_querydict(values: dict) -> QueryDict:
    data = QueryDict(mutable=True)
    for name, value in values.items():
        if isinstance(value, list):
            data.setlist(name, value)
        else:
            data[name] = value
    return data


def queue_tickets(*, user: User, queue: str, filters: dict, team_ids: list[int]) -> QuerySet:
    """The tickets of `queue` matching `filters` (ValidationError names a bad filter)."""
    tickets = ticket_list(user=user, filters=_as_querydict(filters))
    return queue_scope(tickets, queue=queue, user=user, team_ids=team_ids)


def capped_count(tickets: QuerySet, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """(count, exact): counts at most `cap` + 1 rows, in a subquery with a LIMIT."""
    found = tickets.order_by().values("id")[: cap + 1].count()
    return (min(found, cap), found <= cap)


def queue_counts(*, user: User, team_ids: list[int]) -> dict[str, tuple[int, bool]]:
    """Open tickets per queue for the sidebar (the archive queue is not counted)."""
    base = ticket_list(user=user)
    return {
        queue.key: capped_count(queue_scope(base, queue=queue.key, user=user, team_ids=team_ids))
        for queue in QUEUES
        if queue.key != "all"
    }


# --- keyset pages -------------------------------------------------------------------------------


def _encode(values: list) -> str:
    raw = json.dumps(
        [value.isoformat() if isinstance(value, datetime) else value for value in values]
    )
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str, columns) -> list:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
        if not isinstance(values, list) or len(values) != len(columns):
            raise ValueError
        decoded = []
        for (name, _desc), value in zip(columns, values, strict=True):
            if name in DATETIME_FIELDS:
                value = datetime.fromisoformat(value)
            elif (
                name in ("id", "priority")
                and not isinstance(value, int)
                or name == "number"
                and not isinstance(value, str)
            ):
                raise ValueError
            decoded.append(value)
        return decoded
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise ValidationError({"cursor": ["This page link is no longer valid."]}) from None


def _seek(columns, values, *, forward: bool) -> Q:
    """Rows after (or before) `values` in the order of `columns`: the lexicographic
    condition (a > x) OR (a = x AND b > y) OR ..., each column in its own direction."""
    condition = Q(pk__in=[])
    equal = Q()
    for (name, desc), value in zip(columns, values, strict=True):
        lookup = "lt" if desc == forward else "gt"
        condition |= equal & Q(**{f"{name}__{lookup}": value})
        equal &= Q(**{name: value})
    return condition


def _order(columns, *, reverse: bool = False) -> list[str]:
    return [("-" if desc != reverse else "") + name for name, desc in columns]


@dataclass
class KeysetPage:
    rows: list[Ticket]
    next_cursor: str | None = None
    previous_cursor: str | None = None
    is_first: bool = True
    columns: tuple = field(default=())


def keyset_page(
    tickets: QuerySet,
    *,
    sort: str,
    after: str = "",
    before: str = "",
    size: int = PAGE_SIZE,
) -> KeysetPage:
    """One page of `tickets` in `sort` order, after or before a cursor from an earlier page."""
    columns = SORTS[sort]
    if before:
        values = _decode(before, columns)
        rows = list(
            tickets.filter(_seek(columns, values, forward=False)).order_by(
                *_order(columns, reverse=True)
            )[: size + 1]
        )
        has_more_before = len(rows) > size
        rows = list(reversed(rows[:size]))
        page = KeysetPage(rows=rows, is_first=not has_more_before, columns=columns)
        page.previous_cursor = _cursor(rows[0], columns) if has_more_before and rows else None
        page.next_cursor = _cursor(rows[-1], columns) if rows else None
        return page
    if after:
        values = _decode(after, columns)
        tickets = tickets.filter(_seek(columns, values, forward=True))
    rows = list(tickets.order_by(*_order(columns))[: size + 1])
    has_more = len(rows) > size
    rows = rows[:size]
    page = KeysetPage(rows=rows, is_first=not after, columns=columns)
    page.next_cursor = _cursor(rows[-1], columns) if has_more else None
    page.previous_cursor = _cursor(rows[0], columns) if after and rows else None
    return page


def _cursor(ticket: Ticket, columns) -> str:
    return _encode([getattr(ticket, name) for name, _desc in columns])


# --- saved filters ------------------------------------------------------------------------------


def saved_filters_for(user: User) -> QuerySet[SavedFilter]:
    """The agent's own saved filters and those others shared."""
    return (
        SavedFilter.objects.filter(Q(owner=user) | Q(is_shared=True))
        .select_related("owner")
        .order_by("name", "id")
    )
