from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from itops.errors import Conflict, DomainError, InvalidTransition
from servicedesk import services
from servicedesk.choices import (
    RESOLUTION_CODES,
    TRANSITIONS,
    TicketKind,
    TicketState,
)
from servicedesk.models import Ticket
from tests.factories.servicedesk import make_incident, make_problem, make_request

pytestmark = pytest.mark.django_db

ALL_MOVES = [
    (kind, source, target)
    for kind, table in TRANSITIONS.items()
    for source in table
    for target in TicketState.values
]
ALLOWED = [move for move in ALL_MOVES if move[2] in TRANSITIONS[move[0]][move[1]]]
ILLEGAL = [move for move in ALL_MOVES if move[2] not in TRANSITIONS[move[0]][move[1]]]


def _ticket_in(kind, state, *, caller):
    if kind == TicketKind.INCIDENT:
        ticket = make_incident(caller=caller)
    elif kind == TicketKind.REQUEST:
        ticket = make_request(caller=caller)
    else:
        ticket = make_problem(by=None, root_cause="A bad disk.")
    extra = {"resolved_at": timezone.now()} if state == TicketState.RESOLVED else {}
    if state == TicketState.ON_HOLD:
        extra["on_hold_reason"] = "awaiting_vendor"
    Ticket.objects.filter(pk=ticket.pk).update(state=state, **extra)
    ticket.refresh_from_db()
    return ticket


def _move(ticket, target, by):
    return services.change_state(
        ticket=ticket,
        to=target,
        by=by,
        on_hold_reason="awaiting_vendor",
        resolution_code=sorted(RESOLUTION_CODES[ticket.kind])[0],
        resolution_notes="Replaced the disk.",
    )


@pytest.mark.parametrize(("kind", "source", "target"), ALLOWED)
def test_every_allowed_move_succeeds(kind, source, target, requester, agent):
    ticket = _ticket_in(kind, source, caller=requester)

    moved = _move(ticket, target, agent)

    assert Ticket.objects.get(pk=ticket.pk).state == target == moved.state


@pytest.mark.parametrize(("kind", "source", "target"), ILLEGAL)
def test_every_illegal_move_is_refused_and_nothing_changes(kind, source, target, requester, agent):
    ticket = _ticket_in(kind, source, caller=requester)

    with pytest.raises(InvalidTransition) as refused:
        _move(ticket, target, agent)

    assert Ticket.objects.get(pk=ticket.pk).state == source
    assert refused.value.current == source
    assert refused.value.allowed == sorted(TRANSITIONS[kind][source])


def test_on_hold_needs_a_reason(requester, agent):
    incident = make_incident(caller=requester)

    with pytest.raises(DomainError) as refused:
        services.hold_ticket(ticket=incident, reason="", by=agent)

    assert refused.value.field == "on_hold_reason"
    assert Ticket.objects.get(pk=incident.pk).state == TicketState.NEW


@pytest.mark.parametrize(
    ("code", "notes", "field"),
    [
        ("", "Fixed.", "resolution_code"),
        ("solved_permanently", "  ", "resolution_notes"),
        ("fulfilled", "Fixed.", "resolution_code"),
    ],
)
def test_resolving_needs_a_code_of_the_kind_and_notes(requester, agent, code, notes, field):
    incident = make_incident(caller=requester)

    with pytest.raises(DomainError) as refused:
        services.resolve_ticket(
            ticket=incident, resolution_code=code, resolution_notes=notes, by=agent
        )

    assert refused.value.field == field
    assert Ticket.objects.get(pk=incident.pk).state == TicketState.NEW


def test_resolving_a_problem_needs_its_root_cause(agent):
    problem = make_problem(by=agent)
    services.start_ticket(ticket=problem, by=agent)

    with pytest.raises(DomainError) as refused:
        services.resolve_ticket(
            ticket=problem, resolution_code="fix_applied", resolution_notes="Done.", by=agent
        )
    resolved = services.resolve_ticket(
        ticket=problem,
        resolution_code="fix_applied",
        resolution_notes="Done.",
        root_cause="Connection pool too small.",
        by=agent,
    )

    assert refused.value.field == "root_cause"
    assert resolved.state == TicketState.RESOLVED
    assert resolved.root_cause == "Connection pool too small."


def test_reopening_clears_the_resolution_and_leaving_hold_clears_the_reason(requester, agent):
    incident = make_incident(caller=requester)
    incident = services.hold_ticket(ticket=incident, reason="awaiting_vendor", by=agent)
    incident = services.start_ticket(ticket=incident, by=agent)
    incident = services.resolve_ticket(
        ticket=incident, resolution_code="solved_workaround", resolution_notes="Reboot.", by=agent
    )
    incident = services.reopen_ticket(ticket=incident, reason="Broken again", by=requester)

    assert incident.state == TicketState.IN_PROGRESS
    assert (incident.on_hold_reason, incident.resolution_code, incident.resolved_at) == (
        "",
        "",
        None,
    )
    assert incident.comments.get().body == "Broken again"


def test_start_does_not_reopen_and_reopen_does_not_start(requester, agent):
    incident = make_incident(caller=requester)

    with pytest.raises(InvalidTransition):
        services.reopen_ticket(ticket=incident, reason="why", by=agent)
    incident = services.resolve_ticket(
        ticket=incident, resolution_code="duplicate", resolution_notes="See INC1.", by=agent
    )
    with pytest.raises(InvalidTransition):
        services.start_ticket(ticket=incident, by=agent)


def test_a_caller_cannot_work_their_own_ticket(requester):
    incident = make_incident(caller=requester)

    with pytest.raises(PermissionDenied):
        services.start_ticket(ticket=incident, by=requester)
    with pytest.raises(PermissionDenied):
        services.cancel_ticket(ticket=incident, by=requester)


def test_caller_reply_to_a_ticket_awaiting_them_resumes_it(requester, agent):
    incident = make_incident(caller=requester)
    services.hold_ticket(ticket=incident, reason="awaiting_caller", by=agent)

    services.add_comment(ticket=incident, author=requester, body="Here is the screenshot.")

    incident.refresh_from_db()
    assert (incident.state, incident.on_hold_reason) == (TicketState.IN_PROGRESS, "")


def test_a_ticket_waiting_on_a_vendor_stays_on_hold_when_the_caller_writes(requester, agent):
    incident = make_incident(caller=requester)
    services.hold_ticket(ticket=incident, reason="awaiting_vendor", by=agent)

    services.add_comment(ticket=incident, author=requester, body="Any news?")

    assert Ticket.objects.get(pk=incident.pk).state == TicketState.ON_HOLD


# --- auto-close and the reopen window ---------------------------------------------------------


def _resolved(caller, agent, *, days_ago: float):
    incident = make_incident(caller=caller)
    incident = services.resolve_ticket(
        ticket=incident, resolution_code="solved_permanently", resolution_notes="Done.", by=agent
    )
    Ticket.objects.filter(pk=incident.pk).update(
        resolved_at=timezone.now() - timedelta(days=days_ago)
    )
    incident.refresh_from_db()
    return incident


def test_auto_close_closes_tickets_resolved_longer_than_the_setting(requester, agent, settings):
    settings.ITOPS_AUTO_CLOSE_DAYS = 5
    old = _resolved(requester, agent, days_ago=6)
    recent = _resolved(requester, agent, days_ago=4)
    still_open = make_incident(caller=requester)

    closed = services.close_resolved_tickets()
    again = services.close_resolved_tickets()

    states = dict(Ticket.objects.values_list("pk", "state"))
    assert (closed, again) == (1, 0)
    assert states[old.pk] == TicketState.CLOSED
    assert states[recent.pk] == TicketState.RESOLVED
    assert states[still_open.pk] == TicketState.NEW
    assert Ticket.objects.get(pk=old.pk).closed_at is not None


def test_auto_close_works_through_batches(requester, agent, settings):
    settings.ITOPS_AUTO_CLOSE_DAYS = 1
    for _ in range(5):
        _resolved(requester, agent, days_ago=2)

    closed = services.close_resolved_tickets(batch_size=2)

    assert closed == 5
    assert not Ticket.objects.filter(state=TicketState.RESOLVED).exists()


def test_the_beat_task_runs_the_auto_close(requester, agent, settings):
    from servicedesk.tasks import auto_close_resolved_tickets_task

    settings.ITOPS_AUTO_CLOSE_DAYS = 1
    ticket = _resolved(requester, agent, days_ago=3)

    auto_close_resolved_tickets_task.delay()

    assert Ticket.objects.get(pk=ticket.pk).state == TicketState.CLOSED


def test_caller_can_reopen_within_the_window(requester, agent, settings):
    settings.ITOPS_AUTO_CLOSE_DAYS = 7
    incident = _resolved(requester, agent, days_ago=6)

    reopened = services.reopen_ticket(ticket=incident, reason="Still broken", by=requester)

    assert reopened.state == TicketState.IN_PROGRESS


def test_caller_cannot_reopen_after_the_window_even_before_the_job_ran(requester, agent, settings):
    settings.ITOPS_AUTO_CLOSE_DAYS = 7
    incident = _resolved(requester, agent, days_ago=8)

    with pytest.raises(Conflict) as refused:
        services.reopen_ticket(ticket=incident, reason="Still broken", by=requester)

    assert refused.value.code == "reopen_window_passed"
    assert Ticket.objects.get(pk=incident.pk).state == TicketState.RESOLVED


def test_a_closed_ticket_cannot_be_reopened_by_anyone(requester, agent):
    incident = _resolved(requester, agent, days_ago=0)
    services.close_ticket(ticket=incident, by=requester)

    with pytest.raises(InvalidTransition):
        services.reopen_ticket(ticket=incident, reason="Again", by=agent)


def test_another_end_user_cannot_reopen_someone_elses_ticket(requester, other_requester, agent):
    incident = _resolved(requester, agent, days_ago=0)

    with pytest.raises(PermissionDenied):
        services.reopen_ticket(ticket=incident, reason="Me too", by=other_requester)
