"""Small presentation helpers of the agent console's templates."""

from django import template

from servicedesk.choices import Priority, TicketState

register = template.Library()

PRIORITY_CSS = {1: "danger", 2: "warning", 3: "info", 4: "secondary", 5: "light"}
STATE_CSS = {
    TicketState.NEW: "primary",
    TicketState.PENDING_APPROVAL: "info",
    TicketState.IN_PROGRESS: "success",
    TicketState.ON_HOLD: "warning",
    TicketState.RESOLVED: "secondary",
    TicketState.CLOSED: "dark",
    TicketState.CANCELLED: "dark",
    TicketState.REJECTED: "danger",
}
KIND_ICON = {"incident": "exclamation-triangle", "request": "bag", "problem": "bug"}


@register.filter
def priority_css(value) -> str:
    try:
        return PRIORITY_CSS.get(int(value), "secondary")
    except (TypeError, ValueError):
        return "secondary"


@register.filter
def priority_label(value) -> str:
    try:
        return Priority(int(value)).label
    except (TypeError, ValueError):
        return ""


@register.filter
def state_css(value) -> str:
    return STATE_CSS.get(value, "secondary")


@register.filter
def kind_icon(value) -> str:
    return KIND_ICON.get(value, "ticket")


@register.filter
def state_label(value) -> str:
    try:
        return TicketState(value).label
    except ValueError:
        return value


@register.filter
def field_label(name) -> str:
    """A model field name as people read it: "resolution_code" -> "resolution code"."""
    return str(name).replace("_", " ")
