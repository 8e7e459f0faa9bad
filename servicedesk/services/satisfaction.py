"""Satisfaction ratings (CSAT): the caller rates the resolution of their ticket, once."""

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from itops.audit import acting_as
from itops.errors import Conflict, DomainError
from itops.models import User
from servicedesk.models import SatisfactionRating, Ticket
from servicedesk.models.satisfaction import RATING_MAX, RATING_MIN
from servicedesk.selectors.satisfaction import RATEABLE_KINDS, RATEABLE_STATES
from servicedesk.services.tickets import MAX_TEXT_LENGTH, clean_text, lock_ticket
from servicedesk.signals import satisfaction_rated, send_on_commit


@transaction.atomic
def rate_resolution(
    *, ticket: Ticket, rating: int, by: User, comment: str = ""
) -> SatisfactionRating:
    """Record the caller's rating (1-5, optional comment) of a resolved or closed incident or
    request. Only the caller rates, and only once: a second rating is refused (409)."""
    ticket = lock_ticket(ticket)
    if by is None or ticket.caller_id != by.pk:
        raise PermissionDenied("Only the person the ticket is for may rate its resolution.")
    if ticket.kind not in RATEABLE_KINDS:
        raise DomainError("Only incidents and requests are rated.", field="ticket")
    if ticket.state not in RATEABLE_STATES:
        raise Conflict(
            f"{ticket.number} is {ticket.get_state_display().lower()}; it can be rated once it "
            "is resolved.",
            field="state",
            code="not_resolved",
        )
    if isinstance(rating, bool) or not isinstance(rating, int):
        raise DomainError("The rating must be a whole number.", field="rating")
    if not RATING_MIN <= rating <= RATING_MAX:
        raise DomainError(
            f"The rating must be between {RATING_MIN} and {RATING_MAX}.", field="rating"
        )
    text = clean_text(comment, field="comment", required=False, max_length=MAX_TEXT_LENGTH)
    if SatisfactionRating.objects.filter(ticket_id=ticket.pk).exists():
        raise Conflict(
            f"{ticket.number} has already been rated.", field="rating", code="already_rated"
        )
    try:
        with transaction.atomic(), acting_as(by):
            rated = SatisfactionRating.objects.create(
                ticket=ticket, rating=rating, comment=text, rated_by=by
            )
    except IntegrityError:  # a concurrent rating won the race past the ticket lock
        raise Conflict(
            f"{ticket.number} has already been rated.", field="rating", code="already_rated"
        ) from None
    send_on_commit(satisfaction_rated, ticket=ticket, by=by, rating=rated)
    return rated
