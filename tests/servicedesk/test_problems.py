"""Problem management: problems from incidents, linking, known errors, resolving with incidents."""

import pytest
from django.core.exceptions import PermissionDenied

from itops.errors import Conflict, DomainError
from servicedesk import selectors, services
from servicedesk.models import Ticket
from tests.factories.servicedesk import (
    make_affected_ci,
    make_category,
    make_incident,
    make_problem,
)

pytestmark = pytest.mark.django_db


def _fresh(ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk).as_kind()


def test_a_problem_opened_from_incidents_takes_what_they_share_and_links_them(agent, requester):
    ci = make_affected_ci("web-01")
    network = make_category("Network")
    vpn = make_category("VPN", parent=network)
    first = make_incident(
        caller=requester, configuration_item=ci, category=network, subcategory=vpn, impact=2
    )
    second = make_incident(
        caller=requester, configuration_item=ci, category=network, urgency=1, impact=3
    )

    problem = services.create_problem_from_incidents(incidents=[first, second], by=agent)

    assert problem.number.startswith("PRB")
    assert problem.short_description == "Recurring incidents on web-01"
    assert (problem.configuration_item, problem.category, problem.subcategory) == (
        ci,
        network,
        None,
    )
    assert (problem.impact, problem.urgency) == (2, 1)
    assert first.number in problem.description
    assert {_fresh(first).problem_id, _fresh(second).problem_id} == {problem.pk}
    assert list(selectors.problem_incidents(problem)) == [_fresh(second), _fresh(first)]


def test_a_problem_from_incidents_may_be_given_its_own_title(agent):
    incident = make_incident(by=agent)

    problem = services.create_problem_from_incidents(
        incidents=[incident], by=agent, short_description="Disk firmware bug"
    )

    assert problem.short_description == "Disk firmware bug"


def test_incidents_already_linked_elsewhere_are_not_taken_silently(agent):
    incident = make_incident(by=agent)
    earlier = services.create_problem_from_incidents(incidents=[incident], by=agent)

    with pytest.raises(Conflict) as refused:
        services.create_problem_from_incidents(
            incidents=[incident, make_incident(by=agent)], by=agent
        )

    assert (
        refused.value.message
        == f"{incident.number} is already linked to {earlier.number}; unlink it first."
    )
    assert Ticket.objects.filter(kind="problem").count() == 1


def test_only_incidents_make_problems_and_only_staff_make_them(agent, requester):
    from tests.factories.servicedesk import make_request

    with pytest.raises(DomainError):
        services.create_problem_from_incidents(incidents=[make_request(caller=requester)], by=agent)
    with pytest.raises(PermissionDenied):
        services.create_problem_from_incidents(
            incidents=[make_incident(caller=requester)], by=requester
        )
    with pytest.raises(DomainError):
        services.create_problem_from_incidents(incidents=[], by=agent)


def test_incidents_are_linked_and_unlinked(agent):
    problem = make_problem(by=agent)
    incident = make_incident(by=agent)

    services.link_incident_to_problem(incident=incident, problem=problem, by=agent)
    services.link_incident_to_problem(incident=incident, problem=problem, by=agent)
    assert _fresh(incident).problem_id == problem.pk

    with pytest.raises(DomainError):
        services.unlink_incident(incident=incident, problem=make_problem(by=agent), by=agent)
    services.unlink_incident(incident=incident, problem=problem, by=agent)

    assert _fresh(incident).problem_id is None
    with pytest.raises(DomainError):
        services.unlink_incident(incident=incident, by=agent)


def test_linking_is_audited_and_refused_for_closed_incidents_and_cancelled_problems(agent):
    from itops.audit import history_for

    problem = make_problem(by=agent)
    incident = make_incident(by=agent)
    services.link_incident_to_problem(incident=incident, problem=problem, by=agent)
    assert history_for(incident).first().changes_dict["problem"] == ["None", str(problem.pk)]

    cancelled_incident = services.cancel_ticket(ticket=make_incident(by=agent), by=agent)
    with pytest.raises(Conflict):
        services.link_incident_to_problem(incident=cancelled_incident, problem=problem, by=agent)
    cancelled_problem = services.cancel_ticket(ticket=make_problem(by=agent), by=agent)
    with pytest.raises(Conflict):
        services.link_incident_to_problem(
            incident=make_incident(by=agent), problem=cancelled_problem, by=agent
        )


def test_linking_several_incidents_is_all_or_nothing(agent):
    problem = make_problem(by=agent)
    free = make_incident(by=agent)
    taken = make_incident(by=agent)
    services.create_problem_from_incidents(incidents=[taken], by=agent)

    with pytest.raises(Conflict):
        services.link_incidents_to_problem(incidents=[free, taken], problem=problem, by=agent)

    assert _fresh(free).problem_id is None


# --- known errors -----------------------------------------------------------------------------


def test_a_known_error_needs_a_workaround_or_root_cause(agent):
    problem = make_problem(by=agent)

    with pytest.raises(DomainError) as refused:
        services.mark_known_error(problem=problem, by=agent)
    assert refused.value.field == "workaround"

    problem = services.mark_known_error(
        problem=problem, by=agent, workaround="Restart the VPN client."
    )
    assert problem.is_known_error and problem.known_error_at is not None


def test_unmarking_withdraws_a_known_error_from_the_list(agent):
    problem = services.mark_known_error(problem=make_problem(by=agent), by=agent, workaround="x")
    assert list(selectors.known_errors(user=agent)) == [problem]

    problem = services.unmark_known_error(problem=problem, by=agent)

    assert (problem.is_known_error, problem.known_error_at) == (False, None)
    assert list(selectors.known_errors(user=agent)) == []


def test_the_known_error_list_searches_titles_workarounds_and_root_causes(agent, requester):
    vpn = services.mark_known_error(
        problem=make_problem(by=agent, short_description="VPN drops on roaming"),
        by=agent,
        workaround="Disable Wi-Fi power saving.",
    )
    printer = services.mark_known_error(
        problem=make_problem(by=agent, short_description="Printer jams"),
        by=agent,
        root_cause="Firmware mis-times the pickup roller.",
    )
    make_problem(by=agent, short_description="VPN slow, not a known error")

    assert list(selectors.known_errors(user=agent)) == [printer, vpn]
    assert list(selectors.known_errors(user=agent, q="vpn")) == [vpn]
    assert list(selectors.known_errors(user=agent, q="saving")) == [vpn]
    assert list(selectors.known_errors(user=agent, q="firmware")) == [printer]
    assert list(selectors.known_errors(user=agent, q="nothing-like-this")) == []
    assert list(selectors.known_errors(user=requester)) == []


def test_an_incident_linked_to_a_known_error_shows_its_workaround(agent):
    problem = services.mark_known_error(
        problem=make_problem(by=agent), by=agent, workaround="Use **Ctrl+F5**."
    )
    incident = make_incident(by=agent, problem=problem)

    hint = selectors.known_error_for_incident(incident)

    assert hint.problem == problem
    assert hint.workaround == "Use **Ctrl+F5**."
    assert "<strong>Ctrl+F5</strong>" in hint.workaround_html
    assert selectors.known_error_for_incident(make_incident(by=agent)) is None
    assert (
        selectors.known_error_for_incident(make_incident(by=agent, problem=make_problem(by=agent)))
        is None
    )


def test_known_errors_matching_an_unlinked_incident_are_suggested(agent):
    ci = make_affected_ci("vpn-gw")
    problem = services.mark_known_error(
        problem=make_problem(by=agent, configuration_item=ci), by=agent, workaround="x"
    )

    assert selectors.matching_known_errors(make_incident(by=agent, configuration_item=ci)) == [
        problem
    ]
    assert selectors.matching_known_errors(make_incident(by=agent)) == []


# --- resolving --------------------------------------------------------------------------------


def _investigated_problem(agent, incidents):
    problem = services.create_problem_from_incidents(incidents=incidents, by=agent)
    return services.start_ticket(ticket=problem, by=agent)


def test_resolving_a_problem_resolves_its_open_incidents_with_the_note(agent, requester):
    open_one = make_incident(caller=requester)
    held = services.hold_ticket(
        ticket=make_incident(caller=requester), reason="awaiting_problem", by=agent
    )
    done = make_incident(caller=requester)
    problem = _investigated_problem(agent, [open_one, held, done])
    services.resolve_ticket(
        ticket=done, resolution_code="solved_workaround", resolution_notes="Rebooted", by=agent
    )

    outcome = services.resolve_problem(
        problem=problem,
        resolution_code="fix_applied",
        resolution_notes="Patched the gateway.",
        root_cause="Memory leak in gateway 4.1",
        resolve_incidents=True,
        incident_note="Fixed by the gateway patch (see the problem).",
        by=agent,
    )

    assert _fresh(problem).state == "resolved"
    assert sorted(t.number for t in outcome.resolved) == sorted([open_one.number, held.number])
    assert outcome.refused == []
    for incident in (open_one, held):
        incident = _fresh(incident)
        assert (incident.state, incident.resolution_code) == ("resolved", "solved_permanently")
        assert incident.resolution_notes == "Fixed by the gateway patch (see the problem)."
    assert _fresh(done).resolution_notes == "Rebooted"


def test_incidents_that_cannot_move_are_reported_not_skipped(agent, monkeypatch):
    from servicedesk.services import problems
    from servicedesk.services.workflow import TicketTransitionRefused

    stuck = make_incident(by=agent)
    fine = make_incident(by=agent)
    problem = _investigated_problem(agent, [stuck, fine])
    real_resolve = problems.resolve_ticket

    def refusing(*, ticket, **kwargs):
        if ticket.pk == stuck.pk:
            raise TicketTransitionRefused(ticket=ticket, target="resolved")
        return real_resolve(ticket=ticket, **kwargs)

    monkeypatch.setattr(problems, "resolve_ticket", refusing)

    outcome = services.resolve_problem(
        problem=problem,
        resolution_code="fix_applied",
        resolution_notes="Patched",
        root_cause="Bug",
        resolve_incidents=True,
        incident_note="Patched",
        by=agent,
    )

    assert [t.number for t in outcome.resolved] == [fine.number]
    assert [(t.number, "cannot move" in reason) for t, reason in outcome.refused] == [
        (stuck.number, True)
    ]
    assert _fresh(stuck).state == "new"


def test_resolving_without_resolving_incidents_leaves_them_open(agent):
    incident = make_incident(by=agent)
    problem = _investigated_problem(agent, [incident])

    outcome = services.resolve_problem(
        problem=problem,
        resolution_code="risk_accepted",
        resolution_notes="Accepted",
        root_cause="Old hardware",
        by=agent,
    )

    assert outcome.resolved == [] and _fresh(incident).state == "new"


def test_resolving_incidents_needs_a_note_and_an_incident_resolution_code(agent):
    problem = _investigated_problem(agent, [make_incident(by=agent)])
    kwargs = {
        "problem": problem,
        "resolution_code": "fix_applied",
        "resolution_notes": "x",
        "root_cause": "y",
        "by": agent,
        "resolve_incidents": True,
    }

    with pytest.raises(DomainError) as no_note:
        services.resolve_problem(**kwargs, incident_note=" ")
    with pytest.raises(DomainError) as bad_code:
        services.resolve_problem(**kwargs, incident_note="x", incident_resolution_code="fulfilled")

    assert (no_note.value.field, bad_code.value.field) == (
        "incident_note",
        "incident_resolution_code",
    )
    assert _fresh(problem).state == "in_progress"


def test_a_problem_that_cannot_resolve_resolves_no_incident(agent):
    incident = make_incident(by=agent)
    problem = services.create_problem_from_incidents(incidents=[incident], by=agent)  # still New

    with pytest.raises(Conflict):
        services.resolve_problem(
            problem=problem, resolution_code="fix_applied", resolution_notes="x", root_cause="y",
            resolve_incidents=True, incident_note="x", by=agent,
        )  # fmt: skip

    assert _fresh(incident).state == "new"
