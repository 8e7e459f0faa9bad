"""Ticket list rows without DRF's per-field machinery: the list is the API's hot path.

`ticket_rows()` returns exactly what `TicketSerializer(many=True).data` returns (a test holds
them together); the serializer still documents the shape in the OpenAPI schema and serves the
detail views.
"""

from rest_framework.fields import DateTimeField

from servicedesk.choices import Priority, TicketState

_DATETIME = DateTimeField()
_STATE_LABELS = dict(TicketState.choices)
_PRIORITY_LABELS = dict(Priority.choices)


def _user(user) -> dict | None:
    if user is None:
        return None
    return {"id": user.pk, "username": user.username, "name": user.display_name}


def _named(obj) -> dict | None:
    return None if obj is None else {"id": obj.pk, "name": obj.name}


def _ticket_ref(ticket) -> dict | None:
    if ticket is None:
        return None
    return {
        "id": ticket.pk,
        "number": ticket.number,
        "kind": ticket.kind,
        "short_description": ticket.short_description,
        "state": ticket.state,
    }


def _when(value):
    return None if value is None else _DATETIME.to_representation(value)


def ticket_row(ticket) -> dict:
    return {
        "id": ticket.pk,
        "number": ticket.number,
        "kind": ticket.kind,
        "state": ticket.state,
        "state_label": _STATE_LABELS.get(ticket.state, ticket.state),
        "priority": ticket.priority,
        "priority_label": _PRIORITY_LABELS.get(ticket.priority, ticket.priority),
        "impact": ticket.impact,
        "urgency": ticket.urgency,
        "short_description": ticket.short_description,
        "description": ticket.description,
        "caller": _user(ticket.caller),
        "opened_by": _user(ticket.opened_by),
        "source": ticket.source,
        "configuration_item": _named(ticket.configuration_item),
        "business_service": _named(ticket.business_service),
        "category": _named(ticket.category),
        "subcategory": _named(ticket.subcategory),
        "assignment_group": _named(ticket.assignment_group),
        "assignee": _user(ticket.assignee),
        "on_hold_reason": ticket.on_hold_reason,
        "resolution_code": ticket.resolution_code,
        "resolution_notes": ticket.resolution_notes,
        "opened_at": _when(ticket.opened_at),
        "updated_at": _when(ticket.updated_at),
        "resolved_at": _when(ticket.resolved_at),
        "closed_at": _when(ticket.closed_at),
        "is_major_incident": ticket.is_major_incident,
        "parent": _ticket_ref(ticket.parent),
        "problem": _ticket_ref(ticket.problem),
        "root_cause": ticket.root_cause,
        "workaround": ticket.workaround,
        "is_known_error": ticket.is_known_error,
        "catalog_item": _named(ticket.catalog_item),
        "request_answers": ticket.request_answers,
    }


def ticket_rows(tickets) -> list[dict]:
    return [ticket_row(ticket) for ticket in tickets]
