from django.db import models
from django.db.models import Q

from itops.roles import is_staff_member
from servicedesk.choices import CommentVisibility
from servicedesk.models import Attachment, Comment, Ticket
from servicedesk.selectors.tickets import visible_tickets


def comments_for(*, ticket: Ticket, user) -> models.QuerySet:
    """The ticket's comments `user` may read: work notes for staff only."""
    comments = Comment.objects.filter(ticket=ticket).select_related("author")
    if not is_staff_member(user):
        comments = comments.filter(visibility=CommentVisibility.PUBLIC)
    return comments.order_by("created_at", "id")


def _attachment_scope(attachments: models.QuerySet, user) -> models.QuerySet:
    if is_staff_member(user):
        return attachments
    return attachments.filter(
        Q(comment__isnull=True) | Q(comment__visibility=CommentVisibility.PUBLIC)
    )


def attachments_for(*, ticket: Ticket, user) -> models.QuerySet:
    """The ticket's files `user` may see: those on work notes for staff only."""
    attachments = Attachment.objects.filter(ticket=ticket).select_related("uploaded_by")
    return _attachment_scope(attachments, user).order_by("uploaded_at", "id")


def visible_attachments(user) -> models.QuerySet:
    """Every attachment `user` may open, across the tickets they may see."""
    attachments = Attachment.objects.filter(ticket__in=visible_tickets(user))
    return _attachment_scope(attachments, user).select_related("ticket", "comment")
