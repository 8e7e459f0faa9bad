"""Reads of the service desk. The permission scope lives in `visible_tickets` and every other
selector starts from it, so pages, the API and exports agree on who sees what."""

from servicedesk.selectors.conversation import (
    attachments_for,
    comments_for,
    visible_attachments,
)
from servicedesk.selectors.tickets import (
    available_actions,
    get_visible_ticket,
    search_tickets,
    ticket_list,
    tickets_linked_to,
    visible_tickets,
)
from servicedesk.selectors.timeline import ticket_timeline

__all__ = [
    "available_actions",
    "attachments_for",
    "comments_for",
    "get_visible_ticket",
    "search_tickets",
    "ticket_list",
    "ticket_timeline",
    "tickets_linked_to",
    "visible_attachments",
    "visible_tickets",
]
