"""Reads of problem management: a problem's incidents, the known-error list, the known error
behind an incident, and problem candidates (incidents that keep coming back together)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Count, F, Max, Min, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from itops.roles import is_staff_member
from servicedesk.choices import (
    DONE_STATES,
    FINAL_STATES,
    TICKET_SEARCH_CONFIG,
    CandidateBasis,
    TicketKind,
    TicketState,
)
from servicedesk.models import Category, Ticket
from servicedesk.rendering import render_markdown

MAX_QUERY_CHARS = 200


def problem_incidents(problem: Ticket, *, open_only: bool = False) -> QuerySet[Ticket]:
    """The incidents linked to a problem (open ones only: what resolving it would resolve)."""
    incidents = Ticket.objects.defer("search_vector").filter(
        problem_id=problem.pk, kind=TicketKind.INCIDENT
    )
    if open_only:
        incidents = incidents.exclude(state__in=DONE_STATES)
    return incidents.select_related("caller", "assignment_group", "assignee").order_by(
        "-opened_at", "-id"
    )


# --- known errors -----------------------------------------------------------------------------


def known_errors(*, user, q: str = "") -> QuerySet[Ticket]:
    """The known-error list for staff: problems published as known errors (not cancelled),
    newest publication first, or best match first when searching `q`.

    On PostgreSQL `q` is a web-style full-text query over the ticket's stored search document
    (number, descriptions, public comments) and the root cause and workaround; elsewhere each
    of those columns is matched with icontains."""
    if not is_staff_member(user):
        return Ticket.objects.none()
    entries = (
        Ticket.objects.defer("search_vector")
        .filter(kind=TicketKind.PROBLEM, is_known_error=True)
        .exclude(state=TicketState.CANCELLED)
        .select_related("configuration_item", "category", "subcategory", "assignment_group")
        .annotate(published_at=Coalesce("known_error_at", "opened_at"))
    )
    text = (q or "").strip()[:MAX_QUERY_CHARS]
    if not text:
        return entries.order_by("-published_at", "-id")
    if connection.vendor == "postgresql":
        query = SearchQuery(text, search_type="websearch", config=TICKET_SEARCH_CONFIG)
        # Known errors are few, so the analysis fields are vectorised on the fly.
        analysis = SearchVector("workaround", weight="A", config=TICKET_SEARCH_CONFIG) + (
            SearchVector("root_cause", weight="B", config=TICKET_SEARCH_CONFIG)
        )
        return (
            entries.annotate(analysis_vector=analysis)
            .filter(Q(search_vector=query) | Q(analysis_vector=query) | Q(number__iexact=text))
            .annotate(
                search_rank=SearchRank(F("search_vector"), query)
                + SearchRank(F("analysis_vector"), query)
            )
            .order_by("-search_rank", "-published_at", "-id")
        )
    match = Q()
    for word in text.split():
        match &= (
            Q(number__icontains=word)
            | Q(short_description__icontains=word)
            | Q(description__icontains=word)
            | Q(root_cause__icontains=word)
            | Q(workaround__icontains=word)
        )
    return entries.filter(match).order_by("-published_at", "-id")


@dataclass
class KnownErrorHint:
    """What an incident's page shows about the known error it is linked to."""

    problem: Ticket
    workaround: str
    workaround_html: str
    root_cause: str
    published_at: datetime | None


def known_error_for_incident(incident: Ticket) -> KnownErrorHint | None:
    """The known error (with its workaround) an incident is linked to, or None."""
    if incident.problem_id is None:
        return None
    problem = (
        Ticket.objects.defer("search_vector")
        .filter(pk=incident.problem_id, kind=TicketKind.PROBLEM, is_known_error=True)
        .exclude(state=TicketState.CANCELLED)
        .first()
    )
    if problem is None:
        return None
    return KnownErrorHint(
        problem=problem.as_kind(),
        workaround=problem.workaround,
        workaround_html=render_markdown(problem.workaround),
        root_cause=problem.root_cause,
        published_at=problem.known_error_at,
    )


def matching_known_errors(incident: Ticket, *, limit: int = 5) -> list[Ticket]:
    """Known errors an unlinked incident may be an instance of: same CI first, then same
    subcategory or category."""
    if incident.problem_id is not None:
        return []
    same = Q(pk__in=[])
    if incident.configuration_item_id:
        same |= Q(configuration_item_id=incident.configuration_item_id)
    if incident.subcategory_id:
        same |= Q(subcategory_id=incident.subcategory_id)
    elif incident.category_id:
        same |= Q(category_id=incident.category_id)
    return list(
        Ticket.objects.defer("search_vector")
        .filter(same, kind=TicketKind.PROBLEM, is_known_error=True)
        .exclude(state=TicketState.CANCELLED)
        .order_by("-known_error_at", "-id")[:limit]
    )


# --- problem candidates -----------------------------------------------------------------------


@dataclass
class ProblemCandidate:
    """A group of recent incidents with something in common and no problem yet."""

    basis: str  # CandidateBasis: ci or category
    key: int  # the CI's or the (sub)category's id
    label: str  # the CI's name or "Category / Subcategory"
    incidents: list[Ticket] = field(default_factory=list)
    suggested_short_description: str = ""
    first_opened_at: datetime | None = None
    last_opened_at: datetime | None = None

    @property
    def count(self) -> int:
        return len(self.incidents)

    @property
    def incident_ids(self) -> list[int]:
        return [incident.pk for incident in self.incidents]


def candidate_settings() -> tuple[int, int]:
    """(minimum incidents, window in days) from ITOPS_PROBLEM_CANDIDATE_MIN_INCIDENTS/_DAYS."""
    return (
        settings.ITOPS_PROBLEM_CANDIDATE_MIN_INCIDENTS,
        settings.ITOPS_PROBLEM_CANDIDATE_DAYS,
    )


def _candidate_pool(now: datetime, days: int) -> QuerySet[Ticket]:
    """Incidents that may form candidates: opened in the window, not linked to a problem, and
    not closed or cancelled (those can no longer be linked)."""
    return (
        Ticket.objects.filter(
            kind=TicketKind.INCIDENT,
            problem__isnull=True,
            opened_at__gt=now - timedelta(days=days),
            opened_at__lte=now,
        )
        .exclude(state__in=FINAL_STATES)
        .annotate(category_key=Coalesce("subcategory_id", "category_id"))
    )


def _grouped(pool: QuerySet, column: str, minimum: int) -> dict[int, dict]:
    rows = (
        pool.filter(**{f"{column}__isnull": False})
        .values(column)
        .annotate(total=Count("id"), first=Min("opened_at"), last=Max("opened_at"))
        .filter(total__gte=minimum)
        .order_by()
    )
    return {row[column]: row for row in rows}


def _category_labels(ids) -> dict[int, str]:
    return {
        category.pk: (
            f"{category.parent.name} / {category.name}" if category.parent else category.name
        )
        for category in Category.objects.filter(pk__in=ids).select_related("parent")
    }


def _title(basis: str, label: str, count: int, days: int) -> str:
    where = f"on {label}" if basis == CandidateBasis.CI else f"in {label}"
    return f"Recurring incidents {where} ({count} in {days} days)"


def _build_candidates(pool: QuerySet, minimum: int, days: int) -> list[ProblemCandidate]:
    by_ci = _grouped(pool, "configuration_item_id", minimum)
    by_category = _grouped(pool, "category_key", minimum)
    if not by_ci and not by_category:
        return []
    members = list(
        pool.filter(
            Q(configuration_item_id__in=list(by_ci)) | Q(category_key__in=list(by_category))
        )
        .defer("search_vector")
        .select_related("configuration_item", "category", "subcategory", "assignment_group")
        .order_by("-opened_at", "-id")
    )
    labels = _category_labels(by_category)
    candidates: dict[tuple[str, int], ProblemCandidate] = {}
    for incident in members:
        incident = incident.as_kind()
        keys = []
        if incident.configuration_item_id in by_ci:
            keys.append((CandidateBasis.CI, incident.configuration_item_id))
        if incident.category_key in by_category:
            keys.append((CandidateBasis.CATEGORY, incident.category_key))
        for basis, key in keys:
            if (basis, key) not in candidates:
                row = (by_ci if basis == CandidateBasis.CI else by_category)[key]
                label = (
                    incident.configuration_item.name
                    if basis == CandidateBasis.CI
                    else labels.get(key, str(key))
                )
                candidates[(basis, key)] = ProblemCandidate(
                    basis=basis,
                    key=key,
                    label=label,
                    suggested_short_description=_title(basis, label, row["total"], days),
                    first_opened_at=row["first"],
                    last_opened_at=row["last"],
                )
            candidates[(basis, key)].incidents.append(incident)
    found = list(candidates.values())
    # A category group holding only incidents of one CI group says nothing more than it.
    ci_sets = [set(c.incident_ids) for c in found if c.basis == CandidateBasis.CI]
    found = [
        c
        for c in found
        if c.basis == CandidateBasis.CI or not any(set(c.incident_ids) <= s for s in ci_sets)
    ]
    found.sort(key=lambda c: (-c.count, -(c.last_opened_at.timestamp()), c.basis, c.key))
    return found


def problem_candidates(*, now: datetime | None = None) -> list[ProblemCandidate]:
    """Groups of at least ITOPS_PROBLEM_CANDIDATE_MIN_INCIDENTS incidents on the same CI, or in
    the same category (the subcategory when one is set), opened within the last
    ITOPS_PROBLEM_CANDIDATE_DAYS days and not linked to a problem; biggest group first.

    Two grouped queries find the groups and one more fetches their incidents."""
    minimum, days = candidate_settings()
    return _build_candidates(_candidate_pool(now or timezone.now(), days), minimum, days)


def candidate_group_for(
    incident: Ticket, *, now: datetime | None = None
) -> ProblemCandidate | None:
    """The candidate group `incident` belongs to (its CI's group first, else its category's),
    for a "this looks like a problem" hint on the incident's page; None if it belongs to none."""
    if incident.kind != TicketKind.INCIDENT or incident.problem_id is not None:
        return None
    minimum, days = candidate_settings()
    now = now or timezone.now()
    in_window = now - timedelta(days=days) < incident.opened_at <= now
    if not in_window or incident.state in FINAL_STATES:
        return None
    pool = _candidate_pool(now, days)
    key = incident.subcategory_id or incident.category_id
    same = Q(pk__in=[])
    if incident.configuration_item_id:
        same |= Q(configuration_item_id=incident.configuration_item_id)
    if key:
        same |= Q(category_key=key)
    candidates = _build_candidates(pool.filter(same), minimum, days)
    ordered = sorted(candidates, key=lambda c: c.basis != CandidateBasis.CI)
    for candidate in ordered:
        if incident.pk in candidate.incident_ids:
            return candidate
    return None
