"""Live pushes of the bell: after a notification is written or read, each recipient's open
pages get the new count and the newest items as htmx out-of-band fragments."""

from django.template.loader import render_to_string

from itops.live import send_to_group
from servicedesk.models import Notification
from servicedesk.notifications import selectors


def bell_fragment(*, user, new: Notification | None = None) -> str:
    return render_to_string(
        "servicedesk/notifications/inc/bell_push.html",
        {
            "unread_count": selectors.unread_count(user=user),
            "notifications": selectors.recent_notifications(user=user),
            "new": new if new is not None and new.is_unread else None,
        },
    )


def push_notifications(notification_ids: list[int]) -> None:
    rows = Notification.objects.filter(pk__in=notification_ids).select_related("recipient")
    latest: dict[int, Notification] = {}
    for row in rows.order_by("id"):
        latest[row.recipient_id] = row
    for notification in latest.values():
        html = bell_fragment(user=notification.recipient, new=notification)
        send_to_group(
            selectors.group_name_for(notification.recipient_id),
            {"type": "notification.push", "html": html},
        )
