"""Reads of notifications: a person only ever sees their own."""

from django.db import models

from servicedesk.models import Notification

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
