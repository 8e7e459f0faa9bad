"""Reads of notifications: a person only ever sees their own."""

from django.db import models

from itops.roles import is_staff_member
from servicedesk.models import EmailOptOut, InboundEmail, Notification
from servicedesk.notifications.choices import EMAIL_EVENT_HELP, EmailEvent

DROPDOWN_SIZE = 8


def notifications_for(*, user, unread_only: bool = False) -> models.QuerySet:
    if user is None or not user.is_authenticated:
        return Notification.objects.none()
    rows = Notification.objects.filter(recipient=user).select_related("ticket", "actor")
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    return rows


def unread_count(*, user) -> int:
    """One index-only count (notification_unread_idx) for the bell on every page."""
    if user is None or not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()


def recent_notifications(*, user, limit: int = DROPDOWN_SIZE) -> list[Notification]:
    return list(notifications_for(user=user)[:limit])


def get_notification_for(*, user, pk: int) -> Notification:
    """One of `user`'s notifications (Notification.DoesNotExist for anyone else's)."""
    return notifications_for(user=user).get(pk=pk)


def group_name_for(user_id: int) -> str:
    """The channel-layer group of one person's open pages."""
    return f"notifications.user.{user_id}"


def email_events_for(user) -> list[str]:
    """The email events `user` can receive (and so opt out of)."""
    staff = is_staff_member(user)
    return [
        event for event, (_help, audience) in EMAIL_EVENT_HELP.items() if audience == "all" or staff
    ]


def email_preferences(*, user) -> list[dict]:
    opted_out = set(EmailOptOut.objects.filter(user=user).values_list("event", flat=True))
    return [
        {
            "event": event,
            "label": EmailEvent(event).label,
            "help": EMAIL_EVENT_HELP[event][0],
            "enabled": event not in opted_out,
        }
        for event in email_events_for(user)
    ]


def inbound_email_entries(*, ticket, user, staff: bool):
    """Timeline source: the emails that reached the ticket and what became of them (staff
    only: refusals name other people's addresses)."""
    from servicedesk.timeline import TimelineEntry

    if not staff:
        return
    for log in InboundEmail.objects.filter(ticket=ticket).order_by("received_at", "id"):
        outcome = log.get_outcome_display().lower()
        yield TimelineEntry(
            at=log.received_at,
            kind="inbound_email",
            title=f"Email from {log.sender or 'an unknown sender'}: {outcome}",
            internal=True,
            data={
                "subject": log.subject,
                "outcome": log.outcome,
                "reason": log.reason,
                "message_id": log.message_id,
            },
        )
