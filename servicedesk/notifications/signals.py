"""Receivers: the service desk's signals (sent after commit) become notify-queue tasks."""

from servicedesk import signals
from servicedesk.choices import TicketState
from servicedesk.notifications.choices import TicketEvent
from servicedesk.notifications.services import queue_ticket_event


def on_ticket_opened(sender, *, ticket, by, **kwargs):
    queue_ticket_event(event=TicketEvent.OPENED, ticket=ticket, by=by)


def on_ticket_assigned(sender, *, ticket, by, old_group=None, old_assignee=None, **kwargs):
    queue_ticket_event(
        event=TicketEvent.ASSIGNED,
        ticket=ticket,
        by=by,
        old_group_id=old_group.pk if old_group else None,
        old_assignee_id=old_assignee.pk if old_assignee else None,
    )


def on_comment_added(sender, *, ticket, by, comment, **kwargs):
    # Work notes take their own, staff-only path; public comments never carry one.
    event = TicketEvent.WORK_NOTE if comment.is_internal else TicketEvent.COMMENT
    queue_ticket_event(event=event, ticket=ticket, by=by, comment_id=comment.pk)


def on_state_changed(sender, *, ticket, by, old_state, new_state, **kwargs):
    if new_state == TicketState.RESOLVED:
        queue_ticket_event(event=TicketEvent.RESOLVED, ticket=ticket, by=by)


def on_approval_requested(sender, *, ticket, by, approval, **kwargs):
    queue_ticket_event(
        event=TicketEvent.APPROVAL_REQUESTED, ticket=ticket, by=by, approval_id=approval.pk
    )


def on_approval_decided(sender, *, ticket, by, approval, **kwargs):
    queue_ticket_event(
        event=TicketEvent.APPROVAL_DECIDED, ticket=ticket, by=by, approval_id=approval.pk
    )


def on_task_assigned(sender, *, ticket, by, task, **kwargs):
    queue_ticket_event(event=TicketEvent.TASK_ASSIGNED, ticket=ticket, by=by, task_id=task.pk)


RECEIVERS = (
    (signals.ticket_opened, on_ticket_opened),
    (signals.ticket_assigned, on_ticket_assigned),
    (signals.comment_added, on_comment_added),
    (signals.ticket_state_changed, on_state_changed),
    (signals.approval_requested, on_approval_requested),
    (signals.approval_decided, on_approval_decided),
    (signals.task_assigned, on_task_assigned),
)


def connect() -> None:
    for signal, receiver in RECEIVERS:
        signal.connect(receiver, dispatch_uid=f"servicedesk.notifications.{receiver.__name__}")
