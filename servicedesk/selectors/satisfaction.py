"""Reads of satisfaction ratings (CSAT)."""

from servicedesk.choices import TicketKind, TicketState
from servicedesk.models import SatisfactionRating, Ticket

RATEABLE_KINDS = frozenset({TicketKind.INCIDENT, TicketKind.REQUEST})
# A rating is about a resolution: cancelled and rejected tickets have none.
RATEABLE_STATES = frozenset({TicketState.RESOLVED, TicketState.CLOSED})


def ticket_satisfaction(ticket: Ticket) -> SatisfactionRating | None:
    """The ticket's rating, if its caller gave one. The caller must already have found the
    ticket through `visible_tickets(user)`."""
    return SatisfactionRating.objects.select_related("rated_by").filter(ticket=ticket).first()


def can_rate(*, ticket: Ticket, user) -> bool:
    """Whether `user` may rate `ticket` now: its caller, once it is resolved or closed, once."""
    return (
        user is not None
        and user.is_authenticated
        and ticket.kind in RATEABLE_KINDS
        and ticket.caller_id == user.pk
        and ticket.state in RATEABLE_STATES
        and not SatisfactionRating.objects.filter(ticket_id=ticket.pk).exists()
    )


def satisfaction_entries(*, ticket: Ticket, user, staff: bool):
    """The rating on the ticket's timeline: the caller gave it, so everyone who sees the ticket
    sees it."""
    from servicedesk.rendering import render_markdown
    from servicedesk.timeline import TimelineEntry

    rated = ticket_satisfaction(ticket)
    if rated is None:
        return
    who = rated.rated_by
    yield TimelineEntry(
        at=rated.created_at,
        kind="satisfaction",
        title=f"Rated the resolution {rated.rating} out of 5",
        actor=None if who is None else (who.get_full_name() or who.username),
        body_html=render_markdown(rated.comment),
        data={"rating": rated.rating},
    )
