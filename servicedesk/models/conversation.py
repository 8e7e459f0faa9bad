import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models

from servicedesk.choices import CommentVisibility


class Comment(models.Model):
    """A public comment (the caller sees it) or an internal work note (staff only)."""

    ticket = models.ForeignKey(
        "servicedesk.Ticket", on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ticket_comments",
    )
    visibility = models.CharField(
        max_length=10, choices=CommentVisibility.choices, default=CommentVisibility.PUBLIC
    )
    body = models.TextField(help_text="Markdown.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["ticket", "visibility", "created_at"], name="comment_ticket_idx")
        ]

    def __str__(self):
        kind = "work note" if self.is_internal else "comment"
        return f"{kind} on ticket {self.ticket_id}"

    @property
    def is_internal(self) -> bool:
        return self.visibility == CommentVisibility.INTERNAL


def attachment_path(instance: "Attachment", filename: str) -> str:
    # Stored under a random name: the original name is kept in `filename` and never reaches
    # the file system, so it cannot collide or climb out of the media root.
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"servicedesk/attachments/{uuid.uuid4().hex}{suffix}"


class Attachment(models.Model):
    """A file on a ticket, optionally on one of its comments (then it shares its visibility)."""

    ticket = models.ForeignKey(
        "servicedesk.Ticket", on_delete=models.CASCADE, related_name="attachments"
    )
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path, max_length=255)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ticket_attachments",
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.filename

    @property
    def is_internal(self) -> bool:
        return self.comment_id is not None and self.comment.is_internal
