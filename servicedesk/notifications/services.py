"""Writes of notifications: in-app notifications (the bell) and the email of ticket events.

Other apps call `notify_user()` (an SLA about to breach, ...). The service desk's signals reach
`deliver_ticket_event()` through a task on the `notify` queue: it writes the in-app
notifications and queues one email task per recipient, so a failing SMTP server retries one
message, not the whole event.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from itops.demo import is_seeding
from itops.errors import DomainError
from itops.models import User
from itops.roles import is_staff_member
from servicedesk.choices import TASK_ACTIVE_STATES, ApprovalState, TicketState
from servicedesk.models import (
    Comment,
    EmailOptOut,
    FulfilmentTask,
    Notification,
    RequestApproval,
    Ticket,
)
from servicedesk.notifications import outbound
from servicedesk.notifications.choices import EmailEvent, NotificationKind, TicketEvent

TEXT_MAX = Notification._meta.get_field("text").max_length
EVENT_ID_TTL_SECONDS = 24 * 3600


def _queue_push(notification_ids: list[int]) -> None:
    from servicedesk.notifications.tasks import notify_push_task

    if notification_ids:
        transaction.on_commit(lambda: notify_push_task.delay(notification_ids))


def _url_for(ticket: Ticket | None, user: User) -> str:
    if ticket is None:
        return ""
    audience = "desk" if is_staff_member(user) else "portal"
    return outbound.ticket_path(ticket, audience=audience)


@transaction.atomic
def notify_users(
    *,
    recipients: Iterable[User],
    kind: str,
    text: str,
    ticket: Ticket | None = None,
    url: str | None = None,
    actor: User | None = None,
) -> list[Notification]:
    """One notification per active recipient (never the actor), pushed live on commit.
    Without `url` the notification links to the ticket (desk or portal, by recipient)."""
    if kind not in NotificationKind.values:
        raise ValueError(f"unknown notification kind {kind!r}")
    text = " ".join((text or "").split())[:TEXT_MAX]
    seen: set[int] = set()
    rows = []
    for user in recipients:
        if user is None or user.pk in seen or not user.is_active:
            continue
        if actor is not None and user.pk == actor.pk:
            continue
        seen.add(user.pk)
        rows.append(
            Notification(
                recipient=user,
                kind=kind,
                ticket=ticket,
                text=text,
                url=url if url is not None else _url_for(ticket, user),
                actor=actor,
            )
        )
    created = Notification.objects.bulk_create(rows)
    _queue_push([row.pk for row in created])
    return created


def notify_user(
    *,
    recipient: User,
    kind: str,
    text: str,
    ticket: Ticket | None = None,
    url: str | None = None,
    actor: User | None = None,
) -> Notification | None:
    """Tell one person about something under the bell; None when they are the actor."""
    created = notify_users(
        recipients=[recipient], kind=kind, text=text, ticket=ticket, url=url, actor=actor
    )
    return created[0] if created else None


@transaction.atomic
def mark_read(*, notification: Notification, user: User) -> Notification:
    """Mark one of `user`'s notifications read (someone else's: Notification.DoesNotExist)."""
    if notification.recipient_id != user.pk:
        raise Notification.DoesNotExist("No such notification.")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
        _queue_push([notification.pk])
    return notification


@transaction.atomic
def mark_all_read(*, user: User) -> int:
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    last = unread.order_by("-id").values_list("pk", flat=True).first()
    count = unread.update(read_at=timezone.now())
    if last is not None:
        _queue_push([last])
    return count


@transaction.atomic
def set_email_preferences(*, user: User, wanted: Iterable[str]) -> list[str]:
    """Email `user` only for the `wanted` events among those they can receive; returns the
    events they opted out of."""
    from servicedesk.notifications.selectors import email_events_for

    available = email_events_for(user)
    wanted = set(wanted)
    unknown = sorted(wanted - set(EmailEvent.values))
    if unknown:
        raise DomainError(f"Unknown email event {unknown[0]!r}.", field="events")
    opted_out = [event for event in available if event not in wanted]
    EmailOptOut.objects.filter(user=user).exclude(event__in=opted_out).delete()
    for event in opted_out:
        EmailOptOut.objects.get_or_create(user=user, event=event)
    return opted_out


@transaction.atomic
def mark_ticket_read(*, ticket: Ticket, user: User) -> int:
    """Someone opened a ticket's page: their notifications about it count as read. The desk
    and portal ticket pages call this."""
    unread = Notification.objects.filter(recipient=user, ticket=ticket, read_at__isnull=True)
    ids = list(unread.values_list("pk", flat=True))
    if ids:
        Notification.objects.filter(pk__in=ids).update(read_at=timezone.now())
        _queue_push(ids[-1:])
    return len(ids)


# --- ticket events ------------------------------------------------------------------------------


def _queue_emails(messages: list[outbound.OutgoingEmail], *, send: bool = True) -> int:
    from servicedesk.notifications.tasks import send_email_task

    if not send:
        return 0
    for message in messages:
        send_email_task.delay(message.as_dict())
    return len(messages)


def _user(pk: int | None) -> User | None:
    return None if pk is None else User.objects.filter(pk=pk).first()


@dataclass
class _Event:
    """One ticket event as the notify task delivers it; handlers return the emails to send."""

    ticket: Ticket
    actor: User | None
    ids: dict

    def comment(self) -> Comment | None:
        comment = Comment.objects.select_related("author").filter(pk=self.ids.get("comment_id"))
        found = comment.first()
        if found is not None:
            found.ticket = self.ticket
        return found

    def approval(self) -> RequestApproval | None:
        approval = RequestApproval.objects.select_related("approver")
        found = approval.filter(pk=self.ids.get("approval_id")).first()
        if found is not None:
            found.request = self.ticket
        return found


def _on_opened(event: _Event) -> list[outbound.OutgoingEmail]:
    return outbound.ticket_opened_emails(event.ticket)


def _on_assigned(event: _Event) -> list[outbound.OutgoingEmail]:
    ticket = event.ticket
    scope, recipients = outbound.assignment_recipients(
        ticket,
        by=event.actor,
        old_group_id=event.ids.get("old_group_id"),
        old_assignee_id=event.ids.get("old_assignee_id"),
    )
    if not scope:
        return []
    if scope == "me":
        kind, text = NotificationKind.ASSIGNED_TO_ME, f"{ticket.number} was assigned to you"
        everyone = [ticket.assignee]
    else:
        kind = NotificationKind.ASSIGNED_TO_GROUP
        text = f"{ticket.number} was assigned to {ticket.assignment_group}"
        everyone = outbound.group_members(ticket)  # in-app also for members without an address
    notify_users(
        recipients=everyone,
        kind=kind,
        text=f"{text}: {ticket.short_description}",
        ticket=ticket,
        actor=event.actor,
    )
    return outbound.assignment_emails(ticket, scope=scope, recipients=recipients, by=event.actor)


def _on_comment(event: _Event) -> list[outbound.OutgoingEmail]:
    comment = event.comment()
    if comment is None or comment.is_internal:
        return []  # work notes go their own way (TicketEvent.WORK_NOTE)
    ticket = event.ticket
    kind, _recipients = outbound.public_comment_recipients(comment)
    if kind == EmailEvent.CALLER_COMMENTED:
        notify_users(
            recipients=[ticket.assignee] if ticket.assignee_id else outbound.group_members(ticket),
            kind=NotificationKind.CALLER_REPLIED,
            text=f"{outbound.person_name(comment.author)} replied on {ticket.number}: "
            f"{comment.body}",
            ticket=ticket,
            actor=comment.author,
        )
    return outbound.comment_emails(comment)


def _on_work_note(event: _Event) -> list[outbound.OutgoingEmail]:
    comment = event.comment()
    if comment is None or not comment.is_internal:
        return []
    notify_users(
        recipients=outbound.work_note_recipients(comment),
        kind=NotificationKind.WORK_NOTE,
        text=f"{outbound.person_name(comment.author)} wrote a work note on "
        f"{event.ticket.number}: {comment.body}",
        ticket=event.ticket,
        actor=comment.author,
    )
    return outbound.work_note_emails(comment)


def _on_resolved(event: _Event) -> list[outbound.OutgoingEmail]:
    from servicedesk.services import reopen_deadline

    if event.ticket.state != TicketState.RESOLVED:
        return []  # reopened before the task ran
    return outbound.resolved_emails(event.ticket, reopen_until=reopen_deadline(event.ticket))


def _on_approval_requested(event: _Event) -> list[outbound.OutgoingEmail]:
    approval, ticket = event.approval(), event.ticket
    if approval is None or not approval.is_pending:
        return []
    notify_user(
        recipient=approval.approver,
        kind=NotificationKind.APPROVAL_REQUESTED,
        text=f"{outbound.person_name(ticket.opened_by)} asks for your approval of "
        f"{ticket.number}: {ticket.short_description}",
        ticket=ticket,
        actor=event.actor,
    )
    return outbound.approval_requested_emails(approval)


def _on_approval_decided(event: _Event) -> list[outbound.OutgoingEmail]:
    approval, ticket = event.approval(), event.ticket
    if approval is None:
        return []
    verb = "approved" if approval.state == ApprovalState.APPROVED else "rejected"
    notify_users(
        recipients=outbound.approval_decision_recipients(approval),
        kind=NotificationKind.APPROVAL_DECIDED,
        text=f"{outbound.person_name(approval.approver)} {verb} {ticket.number}: "
        f"{ticket.short_description}",
        ticket=ticket,
        actor=event.actor,
    )
    _settle_approval_requests(ticket)
    return outbound.approval_decided_emails(approval)


def _on_task_assigned(event: _Event) -> list[outbound.OutgoingEmail]:
    task = (
        FulfilmentTask.objects.select_related("team", "assignee")
        .filter(pk=event.ids.get("task_id"))
        .first()
    )
    if task is None or task.state not in TASK_ACTIVE_STATES:
        return []
    if task.assignee_id is not None:
        recipients, whom = [task.assignee], "you"
    elif task.team_id is not None:
        recipients = list(User.objects.filter(team_memberships__team=task.team).distinct())
        whom = str(task.team)
    else:
        return []
    notify_users(
        recipients=recipients,
        kind=NotificationKind.TASK_ASSIGNED,
        text=f"{task.number} of {event.ticket.number} is for {whom}: {task.title}",
        ticket=event.ticket,
        actor=event.actor,
    )
    return []  # in-app only


EVENT_HANDLERS = {
    TicketEvent.OPENED: _on_opened,
    TicketEvent.ASSIGNED: _on_assigned,
    TicketEvent.COMMENT: _on_comment,
    TicketEvent.WORK_NOTE: _on_work_note,
    TicketEvent.RESOLVED: _on_resolved,
    TicketEvent.APPROVAL_REQUESTED: _on_approval_requested,
    TicketEvent.APPROVAL_DECIDED: _on_approval_decided,
    TicketEvent.TASK_ASSIGNED: _on_task_assigned,
}


def deliver_ticket_event(
    *,
    event: str,
    ticket_id: int,
    actor_id: int | None = None,
    send_email: bool = True,
    **ids,
) -> int:
    """In-app notifications and emails of one ticket event (a TicketEvent); returns how many
    emails were queued. `ids` name the comment, approval, task or former assignment the event
    is about. Reads the ticket as it is now: an event about a row deleted since sends nothing.
    `send_email=False` (demo data being loaded) writes only the in-app notifications."""
    handler = EVENT_HANDLERS.get(event)
    if handler is None:
        raise ValueError(f"unknown ticket event {event!r}")
    ticket = (
        Ticket.objects.select_related("caller", "assignee", "assignment_group", "opened_by")
        .filter(pk=ticket_id)
        .first()
    )
    if ticket is None:
        return 0
    messages = handler(_Event(ticket=ticket.as_kind(), actor=_user(actor_id), ids=ids))
    return _queue_emails(messages, send=send_email)


def _settle_approval_requests(ticket: Ticket) -> None:
    """Approval requests nobody needs to answer any more (decided by someone else, or the
    request moved on) count as read."""
    still_asked = RequestApproval.objects.filter(
        request=ticket, state=ApprovalState.PENDING
    ).values("approver_id")
    stale = Notification.objects.filter(
        ticket=ticket, kind=NotificationKind.APPROVAL_REQUESTED, read_at__isnull=True
    ).exclude(recipient_id__in=still_asked)
    ids = list(stale.values_list("pk", flat=True))
    if ids:
        Notification.objects.filter(pk__in=ids).update(read_at=timezone.now())
        _queue_push(ids)


def deliver_ticket_event_once(*, event_id: str | None, **event) -> int:
    """deliver_ticket_event() unless this event was delivered already (a task redelivered
    after a worker died): the event id is claimed in the cache for a day."""
    if event_id is None:
        return deliver_ticket_event(**event)
    key = f"notifications:event:{event_id}"
    if not cache.add(key, 1, timeout=EVENT_ID_TTL_SECONDS):
        return 0
    try:
        return deliver_ticket_event(**event)
    except Exception:
        cache.delete(key)  # not delivered: a retry may try again
        raise


def queue_ticket_event(*, event: str, ticket: Ticket, by: User | None = None, **ids) -> None:
    """Hand a ticket event to the notify queue (the signals calling this already run after
    commit)."""
    from servicedesk.notifications.tasks import notify_ticket_event_task

    notify_ticket_event_task.delay(
        event=str(event),
        ticket_id=ticket.pk,
        actor_id=by.pk if by else None,
        event_id=uuid.uuid4().hex,
        send_email=not is_seeding(),
        **ids,
    )
