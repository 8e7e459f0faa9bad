"""Reads of the self-service portal. Every ticket read starts from the one permission scope,
`servicedesk.selectors.visible_tickets`; the portal then keeps to the tickets the person is a
party to (staff see every ticket through that scope, but their portal shows their own)."""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from cmdb.choices import CIStatus
from cmdb.models import ConfigurationItem
from itops.models import User
from servicedesk.choices import FINAL_STATES, CommentVisibility, TicketKind, TicketState
from servicedesk.knowledge import selectors as knowledge
from servicedesk.models import Article, Category, Ticket
from servicedesk.selectors import (
    approvals_for,
    attachments_for,
    catalog_items,
    get_visible_ticket,
    search_tickets,
    ticket_timeline,
    visible_tickets,
)
from servicedesk.timeline import TimelineEntry

PORTAL_KINDS = (TicketKind.INCIDENT, TicketKind.REQUEST)
# What the end user's timeline shows: the conversation, moves and the request's approvals;
# never work notes, field edits, routing, links or tasks.
PUBLIC_TIMELINE_KINDS = frozenset(
    {
        "opened",
        "comment",
        "state",
        "attachment",
        "approval_requested",
        "approval_decided",
        "satisfaction",
    }
)
# CI classes an end user may name as affected besides business services: the applications
# they use. Servers, networks and databases are the desk's business.
REPORTABLE_CI_CLASSES = ("application",)
STATUS_FILTERS = {
    "open": "Open",
    "closed": "Closed",
    "all": "All",
}


def my_tickets(
    *, user, status: str = "open", kind: str | None = None, text: str = ""
) -> QuerySet[Ticket]:
    """Incidents and requests `user` is a party to (caller, or watcher as the manager who
    ordered for a report). `status` open keeps resolved tickets (they wait for the caller's
    word), closed is closed, cancelled and rejected."""
    watched = Ticket.watchers.through.objects.filter(user_id=user.pk).values("ticket_id")
    tickets = (
        visible_tickets(user)
        .filter(kind__in=PORTAL_KINDS)
        .filter(Q(caller_id=user.pk) | Q(pk__in=watched))
    )
    if kind in PORTAL_KINDS:
        tickets = tickets.filter(kind=kind)
    if status == "open":
        tickets = tickets.exclude(state__in=FINAL_STATES)
    elif status == "closed":
        tickets = tickets.filter(state__in=FINAL_STATES)
    tickets = search_tickets(tickets, text)
    if not (text or "").strip():
        tickets = tickets.order_by("-updated_at", "-id")
    return tickets.select_related("caller", "catalog_item")


def get_portal_ticket(*, user, number: str) -> Ticket:
    """One incident or request by number (or id) that `user` may see; Http404 otherwise."""
    ticket = get_visible_ticket(user=user, key=number)
    if ticket.kind not in PORTAL_KINDS:
        raise Http404("No such ticket.")
    return ticket


def awaiting_confirmation(*, user) -> QuerySet[Ticket]:
    """Resolved tickets of the caller's that wait for them to confirm the fix."""
    return my_tickets(user=user, status="open").filter(
        caller_id=user.pk, state=TicketState.RESOLVED
    )


def public_timeline(*, ticket: Ticket, user) -> list[TimelineEntry]:
    """What the end user's ticket page lists, newest last (see PUBLIC_TIMELINE_KINDS)."""
    return [
        entry
        for entry in ticket_timeline(ticket=ticket, user=user)
        if not entry.internal and entry.kind in PUBLIC_TIMELINE_KINDS
    ]


def public_attachments(*, ticket: Ticket, user) -> QuerySet:
    """The ticket's files as its caller sees them: none from work notes, even for staff who
    open their own ticket in the portal."""
    return attachments_for(ticket=ticket, user=user).filter(
        Q(comment__isnull=True) | Q(comment__visibility=CommentVisibility.PUBLIC)
    )


def counts(*, user) -> dict[str, int]:
    """Badges of the portal's navigation."""
    pending = approvals_for(user=user).count()
    return {
        "open_tickets": my_tickets(user=user, status="open").count(),
        "pending_approvals": pending,
        # Approvers keep the tab once asked, so they find their past decisions.
        "is_approver": bool(pending) or approvals_for(user=user, state=None).exists(),
    }


# --- the incident form ----------------------------------------------------------------------


def reportable_cis(*, user) -> QuerySet[ConfigurationItem]:
    """What an end user may name as affected: business services and applications that are not
    retired (the CMDB pages stay staff-only; only names are shown)."""
    if user is None or not user.is_authenticated:
        return ConfigurationItem.objects.none()
    return (
        ConfigurationItem.objects.exclude(status=CIStatus.RETIRED)
        .filter(Q(ci_class__is_service=True) | Q(ci_class__slug__in=REPORTABLE_CI_CLASSES))
        .select_related("ci_class")
        .order_by("name")
    )


# --- the catalog ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogCategory:
    category: Category
    item_count: int


def _top(category: Category | None) -> Category | None:
    if category is None:
        return None
    return category.parent if category.parent_id else category


def catalog_categories(*, user) -> list[CatalogCategory]:
    """Top-level categories that hold orderable items, with how many each holds."""
    tallies: dict[int, int] = {}
    tops: dict[int, Category] = {}
    for item in catalog_items(user=user).select_related("category__parent"):
        top = _top(item.category)
        if top is not None:
            tops[top.pk] = top
            tallies[top.pk] = tallies.get(top.pk, 0) + 1
    ordered = sorted(tops.values(), key=lambda category: (category.order, category.name))
    return [CatalogCategory(category, tallies[category.pk]) for category in ordered]


def catalog_for(*, user, category: Category | None = None, text: str = "") -> QuerySet:
    items = catalog_items(user=user).select_related("category__parent")
    if category is not None:
        items = items.filter(Q(category=category) | Q(category__parent=category))
    text = (text or "").strip()
    if text:
        items = items.filter(
            Q(name__icontains=text)
            | Q(short_description__icontains=text)
            | Q(description__icontains=text)
        )
    return items.order_by("order", "name")


def order_for_choices(*, user) -> QuerySet[User]:
    """Whom `user` may order for in the portal: themselves and their active direct reports."""
    return User.objects.filter(Q(pk=user.pk) | Q(manager_id=user.pk, is_active=True)).order_by(
        "first_name", "last_name", "username"
    )


# --- knowledge --------------------------------------------------------------------------------


def with_votes(articles: QuerySet[Article]) -> QuerySet[Article]:
    return articles.annotate(
        helpful_votes=Count("votes", filter=Q(votes__helpful=True)),
        total_votes=Count("votes"),
    )


def search_articles(*, user, text: str) -> QuerySet[Article]:
    return with_votes(knowledge.search_articles(user=user, text=text))


def popular_articles(*, user, limit: int = 6) -> QuerySet[Article]:
    return with_votes(knowledge.published_articles(user=user)).order_by("-view_count", "title")[
        :limit
    ]


def suggest_articles(*, user, text: str) -> list[Article]:
    return knowledge.suggest_articles(user=user, text=text)
