"""Watchers and links from tickets to objects of other apps."""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models, transaction

from itops.audit import acting_as
from itops.errors import DomainError
from itops.models import User
from itops.roles import is_staff_member
from servicedesk.choices import LinkType
from servicedesk.models import Ticket, TicketLink
from servicedesk.services.tickets import lock_ticket, require_not_final, require_staff
from servicedesk.signals import (
    send_on_commit,
    ticket_linked,
    ticket_unlinked,
    watcher_added,
    watcher_removed,
)


def _check_watcher_change(ticket: Ticket, user: User, by: User | None, *, adding: bool) -> None:
    """Staff manage any watch list and the caller their own ticket's; anyone else may only
    take themselves off a list."""
    if by is None or is_staff_member(by) or ticket.caller_id == by.pk:
        return
    if not adding and user.pk == by.pk:
        return
    raise PermissionDenied("Only staff and the caller may change who watches this ticket.")


@transaction.atomic
def add_watcher(*, ticket: Ticket, user: User, by: User | None) -> Ticket:
    ticket = lock_ticket(ticket)
    _check_watcher_change(ticket, user, by, adding=True)
    if not user.is_active:
        raise DomainError(f"{user} is not an active user.", field="user")
    if not ticket.watchers.filter(pk=user.pk).exists():
        with acting_as(by):
            ticket.watchers.add(user)
        send_on_commit(watcher_added, ticket=ticket, by=by, user=user)
    return ticket


@transaction.atomic
def remove_watcher(*, ticket: Ticket, user: User, by: User | None) -> Ticket:
    ticket = lock_ticket(ticket)
    _check_watcher_change(ticket, user, by, adding=False)
    if ticket.watchers.filter(pk=user.pk).exists():
        with acting_as(by):
            ticket.watchers.remove(user)
        send_on_commit(watcher_removed, ticket=ticket, by=by, user=user)
    return ticket


@transaction.atomic
def add_link(
    *,
    ticket: Ticket,
    target: models.Model,
    by: User | None,
    link_type: str = LinkType.RELATED,
) -> TicketLink:
    """Link a ticket to any object (a change, an alert, ...). Linking twice is harmless."""
    require_staff(by, "link tickets")
    if link_type not in LinkType.values:
        raise DomainError(f"Unknown link type {link_type!r}.", field="link_type")
    if target.pk is None:
        raise DomainError("The linked object must be saved first.", field="target")
    if isinstance(target, Ticket):
        raise DomainError("Tickets link to tickets through parent and problem.", field="target")
    ticket = lock_ticket(ticket)
    require_not_final(ticket, "take new links")
    content_type = ContentType.objects.get_for_model(target)
    with acting_as(by):
        link, created = TicketLink.objects.get_or_create(
            ticket=ticket,
            content_type=content_type,
            object_id=target.pk,
            link_type=link_type,
            defaults={"created_by": by},
        )
    if created:
        send_on_commit(ticket_linked, ticket=ticket, by=by, link=link)
    return link


@transaction.atomic
def remove_link(*, link: TicketLink, by: User | None) -> None:
    require_staff(by, "unlink tickets")
    ticket = lock_ticket(link.ticket)
    details = {
        "content_type": link.content_type,
        "object_id": link.object_id,
        "link_type": link.link_type,
    }
    with acting_as(by):
        link.delete()
    send_on_commit(ticket_unlinked, ticket=ticket, by=by, **details)
