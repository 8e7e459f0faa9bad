"""The navbar's bell: `{% load notification_tags %}{% notification_bell %}` in base.html."""

from django import template
from django.db import DatabaseError

from servicedesk.notifications import selectors
from servicedesk.notifications.choices import KIND_ICONS

register = template.Library()


@register.inclusion_tag("servicedesk/notifications/inc/bell.html", takes_context=True)
def notification_bell(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    try:
        unread = selectors.unread_count(user=user)
    except DatabaseError:
        unread = 0  # a page (an error page, say) still renders without the database
    return {"unread_count": unread, "request": request, "csrf_token": context.get("csrf_token")}


@register.filter
def notification_icon(notification) -> str:
    return KIND_ICONS.get(notification.kind, "bell")
