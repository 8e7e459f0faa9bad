"""The navbar's bell: `{% load notification_tags %}{% notification_bell %}` in base.html."""

from django import template

from servicedesk.notifications import selectors
from servicedesk.notifications.choices import KIND_ICONS

register = template.Library()


@register.inclusion_tag("servicedesk/notifications/inc/bell.html", takes_context=True)
def notification_bell(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"unread_count": selectors.unread_count(user=user), "request": request}


@register.filter
def notification_icon(notification) -> str:
    return KIND_ICONS.get(notification.kind, "bell")
