"""The full-text document of a ticket, kept on the row for PostgreSQL's GIN index."""

from django.contrib.postgres.search import SearchVector
from django.db import connection
from django.db.models import TextField, Value

from servicedesk.choices import TICKET_SEARCH_CONFIG, CommentVisibility
from servicedesk.models import Comment, Ticket

SEARCH_CONFIG = TICKET_SEARCH_CONFIG


def refresh_search_document(ticket: Ticket) -> None:
    """Rebuild the ticket's search vector from its number, descriptions and public comments.

    Work notes never enter it, so a search cannot find a ticket by what only staff may read.
    SQLite has no such document: its search reads the columns directly.
    """
    if connection.vendor != "postgresql":
        return
    public_comments = " ".join(
        Comment.objects.filter(ticket_id=ticket.pk, visibility=CommentVisibility.PUBLIC)
        .order_by("id")
        .values_list("body", flat=True)
    )
    document = (
        SearchVector("number", weight="A", config=SEARCH_CONFIG)
        + SearchVector("short_description", weight="A", config=SEARCH_CONFIG)
        + SearchVector("description", weight="B", config=SEARCH_CONFIG)
        + SearchVector(
            Value(public_comments, output_field=TextField()), weight="C", config=SEARCH_CONFIG
        )
    )
    Ticket.objects.filter(pk=ticket.pk).update(search_vector=document)
