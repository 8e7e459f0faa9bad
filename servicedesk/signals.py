"""Signals the service desk sends at the end of its services, after the transaction commits.

Higher apps (SLAs, notifications, live pushes) connect receivers to these; the service desk
never imports them. Every signal carries `ticket` (the ticket as its proxy kind) and `by` (the
acting user, None for the platform itself) besides the arguments listed.
"""

import logging

from django.db import transaction
from django.dispatch import Signal

logger = logging.getLogger(__name__)

ticket_opened = Signal()  # ticket, by
ticket_updated = Signal()  # ticket, by, changes: {field: (old, new)}
ticket_state_changed = Signal()  # ticket, by, old_state, new_state
ticket_assigned = Signal()  # ticket, by, old_group, old_assignee (new ones are on the ticket)
comment_added = Signal()  # ticket, by, comment (comment.is_internal tells work notes apart)
attachment_added = Signal()  # ticket, by, attachment
attachment_removed = Signal()  # ticket, by, filename
watcher_added = Signal()  # ticket, by, user
watcher_removed = Signal()  # ticket, by, user
ticket_linked = Signal()  # ticket, by, link (a TicketLink to another app's object)
ticket_unlinked = Signal()  # ticket, by, content_type, object_id, link_type

# Service catalog (servicedesk.services.approvals and .fulfilment); `ticket` is the request.
approval_requested = Signal()  # ticket, by, approval (a RequestApproval; approval.approver)
approval_decided = Signal()  # ticket, by, approval (approval.state approved/rejected, .comment)
task_assigned = Signal()  # ticket, by, task (a FulfilmentTask that opened or was reassigned)
task_state_changed = Signal()  # ticket, by, task, old_state, new_state
request_fulfilled = Signal()  # ticket, by: its last task finished and the request was resolved
# Problems (servicedesk.services.problems); `ticket` is the problem.
known_error_changed = Signal()  # ticket, by, is_known_error
# Satisfaction (servicedesk.services.satisfaction): the caller rated a resolved ticket.
satisfaction_rated = Signal()  # ticket, by, rating (a SatisfactionRating)


def send_on_commit(signal: Signal, **kwargs) -> None:
    """Send `signal` once the current transaction commits; a failing receiver is logged and
    does not disturb the others or the caller, whose write is already committed."""

    def send():
        for receiver, result in signal.send_robust(sender=kwargs["ticket"].__class__, **kwargs):
            if isinstance(result, Exception):
                logger.error(
                    "receiver %r of a service desk signal failed",
                    receiver,
                    exc_info=(type(result), result, result.__traceback__),
                )

    transaction.on_commit(send)
