from django.conf import settings
from django.db import models

from servicedesk.notifications.choices import EmailEvent, InboundOutcome, NotificationKind


class Notification(models.Model):
    """Something a person should look at, shown under the bell in the navbar."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,  # covered by notification_recipient_idx
    )
    kind = models.CharField(max_length=24, choices=NotificationKind.choices)
    ticket = models.ForeignKey(
        "servicedesk.Ticket",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=500, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_recipient_idx"),
            # The bell counts a person's unread notifications on every page.
            models.Index(
                fields=["recipient"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread_idx",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.recipient}: {self.text}"

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class InboundEmail(models.Model):
    """One message that reached the desk address, and what became of it. A message is handled
    once: a second delivery with the same Message-ID finds this row."""

    message_id = models.CharField(max_length=500, unique=True)
    sender = models.EmailField(max_length=254, blank=True)
    subject = models.CharField(max_length=500, blank=True)
    outcome = models.CharField(max_length=12, choices=InboundOutcome.choices)
    reason = models.CharField(max_length=300, blank=True)
    ticket = models.ForeignKey(
        "servicedesk.Ticket",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inbound_emails",
    )
    size = models.PositiveIntegerField(default=0)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = "inbound email"
        indexes = [
            models.Index(fields=["sender", "received_at"], name="inbound_email_sender_idx"),
        ]

    def __str__(self):
        return f"{self.message_id} from {self.sender or '?'}: {self.outcome}"


class EmailOptOut(models.Model):
    """A person does not want email for one kind of ticket event (servicedesk.notifications
    .choices.EmailEvent); the in-app notification still appears."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_opt_outs"
    )
    event = models.CharField(max_length=24, choices=EmailEvent.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "email opt-out"
        constraints = [
            models.UniqueConstraint(fields=["user", "event"], name="one_opt_out_per_event"),
        ]

    def __str__(self):
        return f"{self.user}: no email for {self.get_event_display()}"
