"""Writes of the service desk. Other apps and the API call these names, imported from
`servicedesk.services`; each runs in one transaction, is audited and sends its signal on commit.
"""

from servicedesk.services.attachments import (
    AttachmentTooLarge,
    add_attachment,
    check_upload,
    remove_attachment,
)
from servicedesk.services.comments import add_comment, add_work_note
from servicedesk.services.numbering import next_ticket_number
from servicedesk.services.priority import priority_for, set_priority_cell
from servicedesk.services.relations import add_link, add_watcher, remove_link, remove_watcher
from servicedesk.services.routing import matching_rule
from servicedesk.services.tickets import (
    assign_ticket,
    open_incident,
    open_problem,
    open_request,
    set_parent_incident,
    set_problem,
    update_ticket,
)
from servicedesk.services.workflow import (
    TicketTransitionRefused,
    caller_may_reopen,
    cancel_ticket,
    change_state,
    close_resolved_tickets,
    close_ticket,
    hold_ticket,
    reopen_deadline,
    reopen_ticket,
    resolve_ticket,
    start_ticket,
)

__all__ = [
    "AttachmentTooLarge",
    "TicketTransitionRefused",
    "add_attachment",
    "add_comment",
    "add_link",
    "add_watcher",
    "add_work_note",
    "assign_ticket",
    "caller_may_reopen",
    "cancel_ticket",
    "change_state",
    "check_upload",
    "close_resolved_tickets",
    "close_ticket",
    "hold_ticket",
    "matching_rule",
    "next_ticket_number",
    "open_incident",
    "open_problem",
    "open_request",
    "priority_for",
    "remove_attachment",
    "remove_link",
    "remove_watcher",
    "reopen_deadline",
    "reopen_ticket",
    "resolve_ticket",
    "set_parent_incident",
    "set_priority_cell",
    "set_problem",
    "start_ticket",
    "update_ticket",
]
