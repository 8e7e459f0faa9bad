"""Writes of the service desk. Other apps and the API call these names, imported from
`servicedesk.services`; each runs in one transaction, is audited and sends its signal on commit.
"""

from servicedesk.services.approvals import decide_approval, plan_approval
from servicedesk.services.attachments import (
    AttachmentTooLarge,
    add_attachment,
    check_upload,
    remove_attachment,
)
from servicedesk.services.catalog import (
    CatalogAnswersInvalid,
    create_catalog_item,
    order_catalog_item,
    set_task_templates,
    update_catalog_item,
)
from servicedesk.services.comments import add_comment, add_work_note
from servicedesk.services.fulfilment import (
    TaskTransitionRefused,
    assign_task,
    cancel_task,
    complete_task,
    start_task,
)
from servicedesk.services.numbering import next_ticket_number
from servicedesk.services.priority import priority_for, set_priority_cell
from servicedesk.services.problems import (
    ProblemResolution,
    create_problem_from_incidents,
    link_incident_to_problem,
    link_incidents_to_problem,
    mark_known_error,
    record_problem_analysis,
    resolve_problem,
    unlink_incident,
    unmark_known_error,
)
from servicedesk.services.relations import add_link, add_watcher, remove_link, remove_watcher
from servicedesk.services.routing import matching_rule
from servicedesk.services.satisfaction import rate_resolution
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
    "CatalogAnswersInvalid",
    "ProblemResolution",
    "TaskTransitionRefused",
    "TicketTransitionRefused",
    "add_attachment",
    "add_comment",
    "add_link",
    "add_watcher",
    "add_work_note",
    "assign_task",
    "assign_ticket",
    "caller_may_reopen",
    "cancel_task",
    "cancel_ticket",
    "change_state",
    "check_upload",
    "close_resolved_tickets",
    "close_ticket",
    "complete_task",
    "create_catalog_item",
    "create_problem_from_incidents",
    "decide_approval",
    "hold_ticket",
    "link_incident_to_problem",
    "link_incidents_to_problem",
    "mark_known_error",
    "matching_rule",
    "next_ticket_number",
    "open_incident",
    "open_problem",
    "open_request",
    "order_catalog_item",
    "plan_approval",
    "priority_for",
    "rate_resolution",
    "record_problem_analysis",
    "remove_attachment",
    "remove_link",
    "remove_watcher",
    "reopen_deadline",
    "reopen_ticket",
    "resolve_problem",
    "resolve_ticket",
    "set_parent_incident",
    "set_priority_cell",
    "set_problem",
    "set_task_templates",
    "start_task",
    "start_ticket",
    "unlink_incident",
    "unmark_known_error",
    "update_catalog_item",
    "update_ticket",
]
