"""Vocabularies of the service desk and the state tables its services enforce.

All three kinds of ticket share one set of state values, so a queue across kinds filters on one
column; each kind has its own table of allowed moves.
"""

from django.db import models


class TicketKind(models.TextChoices):
    INCIDENT = "incident", "Incident"
    REQUEST = "request", "Service request"
    PROBLEM = "problem", "Problem"


# The prefix of each kind's ticket numbers (INC0001001, REQ0001001, PRB0001001).
NUMBER_PREFIX = {
    TicketKind.INCIDENT: "INC",
    TicketKind.REQUEST: "REQ",
    TicketKind.PROBLEM: "PRB",
}
NUMBER_DIGITS = 7
# Numbers start after this value, so the first incident is INC0001001.
NUMBER_START = 1000


class TicketState(models.TextChoices):
    NEW = "new", "New"
    PENDING_APPROVAL = "pending_approval", "Pending approval"
    IN_PROGRESS = "in_progress", "In progress"
    ON_HOLD = "on_hold", "On hold"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"
    REJECTED = "rejected", "Rejected"


S = TicketState

INCIDENT_TRANSITIONS: dict[str, frozenset[str]] = {
    S.NEW: frozenset({S.IN_PROGRESS, S.ON_HOLD, S.RESOLVED, S.CANCELLED}),
    S.IN_PROGRESS: frozenset({S.ON_HOLD, S.RESOLVED, S.CANCELLED}),
    S.ON_HOLD: frozenset({S.IN_PROGRESS, S.RESOLVED, S.CANCELLED}),
    S.RESOLVED: frozenset({S.IN_PROGRESS, S.CLOSED}),
    S.CLOSED: frozenset(),
    S.CANCELLED: frozenset(),
}

# Requests may wait for an approval before fulfilment starts (the catalog decides when).
REQUEST_TRANSITIONS: dict[str, frozenset[str]] = {
    S.NEW: frozenset({S.PENDING_APPROVAL, S.IN_PROGRESS, S.ON_HOLD, S.RESOLVED, S.CANCELLED}),
    S.PENDING_APPROVAL: frozenset({S.IN_PROGRESS, S.REJECTED, S.CANCELLED}),
    S.IN_PROGRESS: frozenset({S.ON_HOLD, S.RESOLVED, S.CANCELLED}),
    S.ON_HOLD: frozenset({S.IN_PROGRESS, S.RESOLVED, S.CANCELLED}),
    S.RESOLVED: frozenset({S.IN_PROGRESS, S.CLOSED}),
    S.CLOSED: frozenset(),
    S.CANCELLED: frozenset(),
    S.REJECTED: frozenset(),
}

# Problems are investigated (in progress), may wait (on hold), are resolved once the root cause
# is fixed and closed after review; they are never resolved straight from New.
PROBLEM_TRANSITIONS: dict[str, frozenset[str]] = {
    S.NEW: frozenset({S.IN_PROGRESS, S.ON_HOLD, S.CANCELLED}),
    S.IN_PROGRESS: frozenset({S.ON_HOLD, S.RESOLVED, S.CANCELLED}),
    S.ON_HOLD: frozenset({S.IN_PROGRESS, S.CANCELLED}),
    S.RESOLVED: frozenset({S.IN_PROGRESS, S.CLOSED}),
    S.CLOSED: frozenset(),
    S.CANCELLED: frozenset(),
}

TRANSITIONS: dict[str, dict[str, frozenset[str]]] = {
    TicketKind.INCIDENT: INCIDENT_TRANSITIONS,
    TicketKind.REQUEST: REQUEST_TRANSITIONS,
    TicketKind.PROBLEM: PROBLEM_TRANSITIONS,
}

# A ticket in one of these states no longer counts as open work (queues, load, SLAs).
DONE_STATES = frozenset({S.RESOLVED, S.CLOSED, S.CANCELLED, S.REJECTED})
FINAL_STATES = frozenset({S.CLOSED, S.CANCELLED, S.REJECTED})

del S


def states_of(kind: str) -> list[str]:
    return list(TRANSITIONS[kind])


def allowed_moves(kind: str, state: str) -> frozenset[str]:
    return TRANSITIONS[kind].get(state, frozenset())


def can_move(kind: str, state: str, target: str) -> bool:
    return target in allowed_moves(kind, state)


class Impact(models.IntegerChoices):
    HIGH = 1, "1 - High"
    MEDIUM = 2, "2 - Medium"
    LOW = 3, "3 - Low"


class Urgency(models.IntegerChoices):
    HIGH = 1, "1 - High"
    MEDIUM = 2, "2 - Medium"
    LOW = 3, "3 - Low"


class Priority(models.IntegerChoices):
    CRITICAL = 1, "P1 - Critical"
    HIGH = 2, "P2 - High"
    MODERATE = 3, "P3 - Moderate"
    LOW = 4, "P4 - Low"
    PLANNING = 5, "P5 - Planning"


# ServiceNow's default 3x3 matrix; admins edit the copy stored in PriorityMatrixCell.
DEFAULT_PRIORITY_MATRIX: dict[tuple[int, int], int] = {
    (1, 1): Priority.CRITICAL,
    (1, 2): Priority.HIGH,
    (2, 1): Priority.HIGH,
    (1, 3): Priority.MODERATE,
    (2, 2): Priority.MODERATE,
    (3, 1): Priority.MODERATE,
    (2, 3): Priority.LOW,
    (3, 2): Priority.LOW,
    (3, 3): Priority.PLANNING,
}


class OnHoldReason(models.TextChoices):
    AWAITING_CALLER = "awaiting_caller", "Awaiting caller"
    AWAITING_VENDOR = "awaiting_vendor", "Awaiting vendor"
    AWAITING_CHANGE = "awaiting_change", "Awaiting change"
    AWAITING_PROBLEM = "awaiting_problem", "Awaiting problem"


class ResolutionCode(models.TextChoices):
    SOLVED_PERMANENTLY = "solved_permanently", "Solved (permanently)"
    SOLVED_WORKAROUND = "solved_workaround", "Solved (workaround)"
    RESOLVED_BY_CALLER = "resolved_by_caller", "Resolved by caller"
    NOT_REPRODUCIBLE = "not_reproducible", "Not solved (not reproducible)"
    NO_FIX_AVAILABLE = "no_fix_available", "Not solved (no fix available)"
    DUPLICATE = "duplicate", "Duplicate"
    FULFILLED = "fulfilled", "Fulfilled"
    PARTIALLY_FULFILLED = "partially_fulfilled", "Partially fulfilled"
    FIX_APPLIED = "fix_applied", "Fix applied"
    RISK_ACCEPTED = "risk_accepted", "Risk accepted"


R = ResolutionCode
RESOLUTION_CODES: dict[str, frozenset[str]] = {
    TicketKind.INCIDENT: frozenset(
        {
            R.SOLVED_PERMANENTLY,
            R.SOLVED_WORKAROUND,
            R.RESOLVED_BY_CALLER,
            R.NOT_REPRODUCIBLE,
            R.NO_FIX_AVAILABLE,
            R.DUPLICATE,
        }
    ),
    TicketKind.REQUEST: frozenset({R.FULFILLED, R.PARTIALLY_FULFILLED, R.DUPLICATE}),
    TicketKind.PROBLEM: frozenset({R.FIX_APPLIED, R.RISK_ACCEPTED, R.DUPLICATE}),
}
del R


class TicketSource(models.TextChoices):
    PORTAL = "portal", "Self-service portal"
    DESK = "desk", "Service desk"
    EMAIL = "email", "Email"
    API = "api", "API"
    MONITORING = "monitoring", "Monitoring"
    PHONE = "phone", "Phone"


class CommentVisibility(models.TextChoices):
    PUBLIC = "public", "Comment (visible to the caller)"
    INTERNAL = "internal", "Work note (staff only)"


class LinkType(models.TextChoices):
    """How a ticket relates to an object of another app (a change, an alert, ...)."""

    RELATED = "related", "Related to"
    CAUSED_BY = "caused_by", "Caused by"
    RESOLVED_BY = "resolved_by", "Resolved by"
    ORIGINATED_FROM = "originated_from", "Originated from"
    DUPLICATE_OF = "duplicate_of", "Duplicate of"


class MemberSelection(models.TextChoices):
    """How an assignment rule picks a person inside the group it routes to."""

    NONE = "none", "Group only"
    ROUND_ROBIN = "round_robin", "Round-robin"
    LEAST_LOADED = "least_loaded", "Least loaded (fewest open tickets)"


class CatalogApproval(models.TextChoices):
    NONE = "none", "No approval"
    MANAGER = "manager", "The requester's manager"
    GROUP = "group", "A member of the approval group"


# PostgreSQL text-search configuration of the ticket search document and queries.
TICKET_SEARCH_CONFIG = "english"
