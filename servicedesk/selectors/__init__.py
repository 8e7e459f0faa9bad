"""Reads of the service desk. The permission scope lives in `visible_tickets` and every other
selector starts from it, so pages, the API and exports agree on who sees what."""

from servicedesk.selectors.catalog import (
    approvals_for,
    catalog_items,
    fulfilment_progress,
    fulfilment_task_list,
    get_approval_for,
    get_catalog_item,
    get_visible_task,
    request_answer_rows,
    request_approvals,
    request_tasks,
)
from servicedesk.selectors.conversation import (
    attachments_for,
    comments_for,
    visible_attachments,
)
from servicedesk.selectors.problems import (
    KnownErrorHint,
    ProblemCandidate,
    candidate_group_for,
    known_error_for_incident,
    known_errors,
    matching_known_errors,
    problem_candidates,
    problem_incidents,
)
from servicedesk.selectors.satisfaction import can_rate, ticket_satisfaction
from servicedesk.selectors.tickets import (
    available_actions,
    get_visible_ticket,
    search_tickets,
    ticket_links,
    ticket_list,
    tickets_by_ids,
    tickets_linked_to,
    visible_tickets,
)
from servicedesk.selectors.timeline import ticket_timeline

__all__ = [
    "KnownErrorHint",
    "ProblemCandidate",
    "approvals_for",
    "attachments_for",
    "available_actions",
    "can_rate",
    "candidate_group_for",
    "catalog_items",
    "comments_for",
    "fulfilment_progress",
    "fulfilment_task_list",
    "get_approval_for",
    "get_catalog_item",
    "get_visible_task",
    "get_visible_ticket",
    "known_error_for_incident",
    "known_errors",
    "matching_known_errors",
    "problem_candidates",
    "problem_incidents",
    "request_answer_rows",
    "request_approvals",
    "request_tasks",
    "search_tickets",
    "ticket_links",
    "ticket_list",
    "tickets_by_ids",
    "ticket_satisfaction",
    "ticket_timeline",
    "tickets_linked_to",
    "visible_attachments",
    "visible_tickets",
]
