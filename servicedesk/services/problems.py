"""Problem management: problems from incidents, linking, known errors, resolving with the
incidents they caused.

Linking goes through the core's `update_ticket` (audited, `ticket_updated` with the `problem`
change), so closed or cancelled incidents cannot be linked, and an incident linked to another
problem must be unlinked first (nothing is moved silently).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction

from itops.errors import Conflict, DomainError
from itops.models import Team, User
from servicedesk.choices import (
    DONE_STATES,
    RESOLUTION_CODES,
    ResolutionCode,
    TicketKind,
    TicketState,
)
from servicedesk.models import Ticket
from servicedesk.services.tickets import (
    MAX_TEXT_LENGTH,
    SHORT_DESCRIPTION_MAX,
    clean_text,
    lock_ticket,
    open_problem,
    require_staff,
    update_ticket,
)
from servicedesk.services.workflow import resolve_ticket
from servicedesk.signals import known_error_changed, send_on_commit


@dataclass
class ProblemResolution:
    """What `resolve_problem` did: the resolved problem, the incidents it resolved and those it
    could not resolve, each with the reason."""

    problem: Ticket
    resolved: list[Ticket] = field(default_factory=list)
    refused: list[tuple[Ticket, str]] = field(default_factory=list)


def _require_problem(problem: Ticket) -> None:
    if problem.kind != TicketKind.PROBLEM:
        raise DomainError(f"{problem.number} is not a problem.", field="problem")


def _require_incident(ticket: Ticket) -> None:
    if ticket.kind != TicketKind.INCIDENT:
        raise DomainError(f"{ticket.number} is not an incident.", field="incidents")


def _check_linkable(incident: Ticket, problem: Ticket | None) -> None:
    _require_incident(incident)
    if incident.problem_id is not None and (problem is None or incident.problem_id != problem.pk):
        other = Ticket.objects.filter(pk=incident.problem_id).values_list("number", flat=True)
        raise Conflict(
            f"{incident.number} is already linked to {other.first()}; unlink it first.",
            field="incidents",
            code="already_linked",
        )


def _common(values: list):
    return values[0] if values and all(value == values[0] for value in values) else None


def suggested_problem_title(incidents: list[Ticket]) -> str:
    """What a problem opened from these incidents might be called."""
    ci = _common([incident.configuration_item for incident in incidents])
    if ci is not None:
        return f"Recurring incidents on {ci.name}"
    subcategory = _common([incident.subcategory for incident in incidents])
    category = subcategory or _common([incident.category for incident in incidents])
    if category is not None:
        return f"Recurring {category.name} incidents"
    return incidents[0].short_description


@transaction.atomic
def create_problem_from_incidents(
    *,
    incidents: Iterable[Ticket],
    by: User | None,
    short_description: str = "",
    description: str = "",
    assignment_group: Team | None = None,
    assignee: User | None = None,
) -> Ticket:
    """Open a problem for these incidents and link them to it. The problem takes the CI,
    category and subcategory the incidents share, and their highest impact and urgency."""
    require_staff(by, "open problems")
    incidents = list({incident.pk: incident for incident in incidents}.values())
    if not incidents:
        raise DomainError("Pick at least one incident.", field="incidents")
    incidents = [lock_ticket(incident) for incident in sorted(incidents, key=lambda t: t.pk)]
    for incident in incidents:
        _check_linkable(incident, None)
    category = _common([incident.category for incident in incidents])
    subcategory = _common([incident.subcategory for incident in incidents])
    numbers = ", ".join(incident.number for incident in incidents)
    text = description.strip() or f"Opened from {len(incidents)} incident(s): {numbers}."
    return open_problem(
        by=by,
        short_description=(short_description.strip() or suggested_problem_title(incidents))[
            :SHORT_DESCRIPTION_MAX
        ],
        description=text,
        impact=min(incident.impact for incident in incidents),
        urgency=min(incident.urgency for incident in incidents),
        category=category,
        subcategory=subcategory if category is not None else None,
        configuration_item=_common([incident.configuration_item for incident in incidents]),
        business_service=_common([incident.business_service for incident in incidents]),
        assignment_group=assignment_group,
        assignee=assignee,
        incidents=incidents,
    )


@transaction.atomic
def link_incident_to_problem(*, incident: Ticket, problem: Ticket, by: User | None) -> Ticket:
    """Attribute an incident to a problem. Linking it again is harmless."""
    require_staff(by, "link incidents to problems")
    _require_problem(problem)
    if problem.state == TicketState.CANCELLED:
        raise Conflict(f"{problem.number} is cancelled.", field="problem")
    incident = lock_ticket(incident)
    _check_linkable(incident, problem)
    if incident.problem_id == problem.pk:
        return incident
    return update_ticket(ticket=incident, changes={"problem": problem}, by=by)


@transaction.atomic
def link_incidents_to_problem(
    *, incidents: Iterable[Ticket], problem: Ticket, by: User | None
) -> list[Ticket]:
    """Link several incidents at once: all of them or, on any refusal, none."""
    return [
        link_incident_to_problem(incident=incident, problem=problem, by=by)
        for incident in sorted(incidents, key=lambda t: t.pk)
    ]


@transaction.atomic
def unlink_incident(*, incident: Ticket, by: User | None, problem: Ticket | None = None) -> Ticket:
    """Detach an incident from its problem (from `problem`, when given, which it must be
    linked to)."""
    require_staff(by, "unlink incidents from problems")
    incident = lock_ticket(incident)
    _require_incident(incident)
    if incident.problem_id is None or (problem is not None and incident.problem_id != problem.pk):
        target = problem.number if problem is not None else "a problem"
        raise DomainError(f"{incident.number} is not linked to {target}.", field="incident")
    return update_ticket(ticket=incident, changes={"problem": None}, by=by)


@transaction.atomic
def record_problem_analysis(
    *,
    problem: Ticket,
    by: User | None,
    root_cause: str | None = None,
    workaround: str | None = None,
) -> Ticket:
    """Record the root cause and/or the workaround (None leaves a field as it is)."""
    require_staff(by, "record a problem's analysis")
    _require_problem(problem)
    changes = {
        name: value
        for name, value in (("root_cause", root_cause), ("workaround", workaround))
        if value is not None
    }
    return update_ticket(ticket=problem, changes=changes, by=by) if changes else problem


@transaction.atomic
def mark_known_error(
    *,
    problem: Ticket,
    by: User | None,
    workaround: str | None = None,
    root_cause: str | None = None,
) -> Ticket:
    """Publish the problem as a known error (stamping `known_error_at`). It needs a workaround
    or a root cause that people can read; either may be given here."""
    require_staff(by, "publish known errors")
    _require_problem(problem)
    problem = lock_ticket(problem)
    changes: dict = {}
    if workaround is not None:
        changes["workaround"] = clean_text(
            workaround, field="workaround", required=False, max_length=MAX_TEXT_LENGTH
        )
    if root_cause is not None:
        changes["root_cause"] = clean_text(
            root_cause, field="root_cause", required=False, max_length=MAX_TEXT_LENGTH
        )
    final_workaround = changes.get("workaround", problem.workaround)
    final_root_cause = changes.get("root_cause", problem.root_cause)
    if not (final_workaround or final_root_cause):
        raise DomainError(
            "A known error needs a workaround or a root cause people can use.",
            field="workaround",
        )
    was_known = problem.is_known_error
    changes["is_known_error"] = True
    problem = update_ticket(ticket=problem, changes=changes, by=by)
    if not was_known:
        send_on_commit(known_error_changed, ticket=problem, by=by, is_known_error=True)
    return problem


@transaction.atomic
def unmark_known_error(*, problem: Ticket, by: User | None) -> Ticket:
    """Withdraw the problem from the known-error list."""
    require_staff(by, "withdraw known errors")
    _require_problem(problem)
    problem = lock_ticket(problem)
    if not problem.is_known_error:
        return problem
    problem = update_ticket(ticket=problem, changes={"is_known_error": False}, by=by)
    send_on_commit(known_error_changed, ticket=problem, by=by, is_known_error=False)
    return problem


@transaction.atomic
def resolve_problem(
    *,
    problem: Ticket,
    resolution_code: str,
    resolution_notes: str,
    by: User | None,
    root_cause: str | None = None,
    resolve_incidents: bool = False,
    incident_note: str = "",
    incident_resolution_code: str = ResolutionCode.SOLVED_PERMANENTLY,
) -> ProblemResolution:
    """Resolve the problem through the core's state machine and, with `resolve_incidents`,
    each of its open incidents with `incident_resolution_code` and `incident_note`.

    An incident that cannot be resolved (its state forbids it, it is locked in a way the
    workflow refuses) is listed in `refused` with the reason; the others are resolved. The
    problem itself must resolve, or nothing is done."""
    require_staff(by, "resolve problems")
    _require_problem(problem)
    note = ""
    if resolve_incidents:
        if incident_resolution_code not in RESOLUTION_CODES[TicketKind.INCIDENT]:
            codes = ", ".join(sorted(RESOLUTION_CODES[TicketKind.INCIDENT]))
            raise DomainError(
                f"Incidents are resolved with one of: {codes}.", field="incident_resolution_code"
            )
        note = clean_text(
            incident_note, field="incident_note", required=True, max_length=MAX_TEXT_LENGTH
        )
    problem = resolve_ticket(
        ticket=problem,
        resolution_code=resolution_code,
        resolution_notes=resolution_notes,
        root_cause=root_cause,
        by=by,
    )
    outcome = ProblemResolution(problem=problem)
    if not resolve_incidents:
        return outcome
    incidents = (
        Ticket.objects.filter(problem=problem, kind=TicketKind.INCIDENT)
        .exclude(state__in=DONE_STATES)
        .order_by("id")
    )
    for incident in incidents:
        try:
            with transaction.atomic():
                resolved = resolve_ticket(
                    ticket=incident.as_kind(),
                    resolution_code=incident_resolution_code,
                    resolution_notes=note,
                    by=by,
                )
        except DomainError as error:
            outcome.refused.append((incident.as_kind(), error.message))
        else:
            outcome.resolved.append(resolved)
    return outcome
