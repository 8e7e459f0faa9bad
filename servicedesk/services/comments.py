"""Public comments and internal work notes."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from itops.audit import acting_as
from itops.models import User
from itops.roles import is_staff_member
from servicedesk.choices import CommentVisibility
from servicedesk.models import Comment, Ticket
from servicedesk.services.search import refresh_search_document
from servicedesk.services.tickets import (
    MAX_TEXT_LENGTH,
    clean_text,
    lock_ticket,
    require_not_final,
    require_staff_or_participant,
)
from servicedesk.signals import comment_added, send_on_commit


def post_comment(*, ticket: Ticket, author: User | None, body: str, internal: bool) -> Comment:
    """Write a comment without access checks; for services that already made them."""
    visibility = CommentVisibility.INTERNAL if internal else CommentVisibility.PUBLIC
    text = clean_text(body, field="body", required=True, max_length=MAX_TEXT_LENGTH)
    with acting_as(author):
        comment = Comment.objects.create(
            ticket=ticket, author=author, visibility=visibility, body=text
        )
    Ticket.objects.filter(pk=ticket.pk).update(updated_at=timezone.now())
    if not internal:
        refresh_search_document(ticket)
    send_on_commit(comment_added, ticket=ticket, by=author, comment=comment)
    return comment


@transaction.atomic
def add_comment(*, ticket: Ticket, author: User, body: str, internal: bool = False) -> Comment:
    """Add a public comment, or a work note when `internal` (staff only).

    A caller's reply to a ticket on hold awaiting the caller puts it back in progress.
    """
    if internal and not is_staff_member(author):
        raise PermissionDenied("Only service desk staff may write work notes.")
    ticket = lock_ticket(ticket)
    require_staff_or_participant(ticket, author, "comment on this ticket")
    require_not_final(ticket, "take comments")
    comment = post_comment(ticket=ticket, author=author, body=body, internal=internal)
    if not internal and author is not None and ticket.caller_id == author.pk:
        # Imported here: workflow writes comments through post_comment() above.
        from servicedesk.services.workflow import resume_after_caller_reply

        resume_after_caller_reply(ticket=ticket, by=author)
    return comment


# Kept for symmetry with the other verbs: a work note is an internal comment.
@transaction.atomic
def add_work_note(*, ticket: Ticket, author: User, body: str) -> Comment:
    return add_comment(ticket=ticket, author=author, body=body, internal=True)
