from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models

from servicedesk.choices import LinkType


class TicketLink(models.Model):
    """A typed link from a ticket to an object of another app (a change, an alert, ...).

    Generic so the service desk never imports the apps above it."""

    ticket = models.ForeignKey("servicedesk.Ticket", on_delete=models.CASCADE, related_name="links")
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    link_type = models.CharField(max_length=20, choices=LinkType.choices, default=LinkType.RELATED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "content_type", "object_id", "link_type"],
                name="unique_ticket_link",
            ),
        ]
        indexes = [models.Index(fields=["content_type", "object_id"], name="ticketlink_target_idx")]

    def __str__(self):
        return f"{self.ticket_id} {self.get_link_type_display()} {self.content_type.model} {self.object_id}"
