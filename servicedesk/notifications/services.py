"""Writes of notifications: in-app notifications (the bell) and the email of ticket events.

Other apps call `notify_user()` (an SLA about to breach, ...). The service desk's signals reach
`deliver_ticket_event()` through a task on the `notify` queue: it writes the in-app
notifications and queues one email task per recipient, so a failing SMTP server retries one
message, not the whole event.
"""

import uuid
from collections.abc import Iterable

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
from servicedesk.notifications.choices import EmailEvent, NotificationKind

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


def deliver_ticket_event(
    *,
    event: str,
    ticket_id: int,
    actor_id: int | None = None,
    comment_id: int | None = None,
    approval_id: int | None = None,
    old_group_id: int | None = None,
    old_assignee_id: int | None = None,
    task_id: int | None = None,
    send_email: bool = True,
) -> int:
    """In-app notifications and emails of one ticket event; returns how many emails were
    queued. Reads the ticket as it is now: an event about a row deleted since sends nothing.
    `send_email=False` (demo data being loaded) writes only the in-app notifications."""
    ticket = (
        Ticket.objects.select_related("caller", "assignee", "assignment_group", "opened_by")
        .filter(pk=ticket_id)
        .first()
    )
    if ticket is None:
        return 0
    ticket = ticket.as_kind()
    actor = _user(actor_id)

    if event == EmailEvent.TICKET_OPENED:
        return _queue_emails(outbound.ticket_opened_emails(ticket), send=send_email)

    if event == EmailEvent.ASSIGNED:
        scope, recipients = outbound.assignment_recipients(
            ticket, by=actor, old_group_id=old_group_id, old_assignee_id=old_assignee_id
        )
        if not scope:
            return 0
        if scope == "me":
            kind, text = NotificationKind.ASSIGNED_TO_ME, f"{ticket.number} was assigned to you"
        else:
            kind = NotificationKind.ASSIGNED_TO_GROUP
            text = f"{ticket.number} was assigned to {ticket.assignment_group}"
        everyone = (
            [ticket.assignee]
            if scope == "me"
            else outbound.group_members(ticket)  # in-app also for members without an address
        )
        notify_users(
            recipients=everyone,
            kind=kind,
            text=f"{text}: {ticket.short_description}",
            ticket=ticket,
            actor=actor,
        )
        return _queue_emails(
            outbound.assignment_emails(ticket, scope=scope, recipients=recipients, by=actor),
            send=send_email,
        )

    if event == "comment":
        comment = Comment.objects.select_related("author", "ticket").filter(pk=comment_id).first()
        if comment is None or comment.is_internal:
            return 0  # work notes go their own way ("work_note")
        comment.ticket = ticket
        kind, recipients = outbound.public_comment_recipients(comment)
        if kind == EmailEvent.CALLER_COMMENTED:
            staff = [ticket.assignee] if ticket.assignee_id else outbound.group_members(ticket)
            who = outbound.person_name(comment.author)
            notify_users(
                recipients=staff,
                kind=NotificationKind.CALLER_REPLIED,
                text=f"{who} replied on {ticket.number}: {comment.body}",
                ticket=ticket,
                actor=comment.author,
            )
        return _queue_emails(outbound.comment_emails(comment), send=send_email)

    if event == "work_note":
        comment = Comment.objects.select_related("author", "ticket").filter(pk=comment_id).first()
        if comment is None or not comment.is_internal:
            return 0
        comment.ticket = ticket
        notify_users(
            recipients=outbound.work_note_recipients(comment),
            kind=NotificationKind.WORK_NOTE,
            text=f"{outbound.person_name(comment.author)} wrote a work note on {ticket.number}: "
            f"{comment.body}",
            ticket=ticket,
            actor=comment.author,
        )
        return _queue_emails(outbound.work_note_emails(comment), send=send_email)

    if event == EmailEvent.RESOLVED:
        if ticket.state != TicketState.RESOLVED:
            return 0  # reopened before the task ran
        from servicedesk.services import reopen_deadline

        return _queue_emails(
            outbound.resolved_emails(ticket, reopen_until=reopen_deadline(ticket)), send=send_email
        )

    if event in (EmailEvent.APPROVAL_REQUESTED, EmailEvent.APPROVAL_DECIDED):
        approval = (
            RequestApproval.objects.select_related("approver", "request")
            .filter(pk=approval_id)
            .first()
        )
        if approval is None:
            return 0
        approval.request = ticket
        if event == EmailEvent.APPROVAL_REQUESTED:
            if approval.is_pending:
                requester = outbound.person_name(ticket.opened_by)
                notify_user(
                    recipient=approval.approver,
                    kind=NotificationKind.APPROVAL_REQUESTED,
                    text=f"{requester} asks for your approval of {ticket.number}: "
                    f"{ticket.short_description}",
                    ticket=ticket,
                    actor=actor,
                )
            return _queue_emails(outbound.approval_requested_emails(approval), send=send_email)
        verb = "approved" if approval.state == ApprovalState.APPROVED else "rejected"
        notify_users(
            recipients=outbound.approval_decision_recipients(approval),
            kind=NotificationKind.APPROVAL_DECIDED,
            text=f"{outbound.person_name(approval.approver)} {verb} {ticket.number}: "
            f"{ticket.short_description}",
            ticket=ticket,
            actor=actor,
        )
        _settle_approval_requests(ticket)
        return _queue_emails(outbound.approval_decided_emails(approval), send=send_email)

    if event == "task_assigned":
        task = FulfilmentTask.objects.select_related("team", "assignee").filter(pk=task_id).first()
        if task is None or task.state not in TASK_ACTIVE_STATES:
            return 0
        if task.assignee_id is not None:
            recipients, whom = [task.assignee], "you"
        elif task.team_id is not None:
            recipients = list(User.objects.filter(team_memberships__team=task.team).distinct())
            whom = str(task.team)
        else:
            return 0
        notify_users(
            recipients=recipients,
            kind=NotificationKind.TASK_ASSIGNED,
            text=f"{task.number} of {ticket.number} is for {whom}: {task.title}",
            ticket=ticket,
            actor=actor,
        )
        return 0

    raise ValueError(f"unknown ticket event {event!r}")


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
