"""Admin: the inbound email log (read only) and notifications (read only, for support)."""

from django.contrib import admin

from cmdb.admin import ReadOnlyAdmin
from servicedesk.models import InboundEmail, Notification


@admin.register(InboundEmail)
class InboundEmailAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "sender", "subject", "outcome", "reason", "ticket")
    list_filter = ("outcome",)
    search_fields = ("sender", "subject", "message_id", "ticket__number")
    date_hierarchy = "received_at"
    list_select_related = ("ticket",)
    readonly_fields = [field.name for field in InboundEmail._meta.fields]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "recipient", "kind", "text", "ticket", "read_at")
    list_filter = ("kind",)
    search_fields = ("recipient__username", "text", "ticket__number")
    list_select_related = ("recipient", "ticket")
    raw_id_fields = ("recipient", "ticket", "actor")
