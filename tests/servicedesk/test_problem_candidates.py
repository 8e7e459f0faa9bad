"""Problem candidates: recent incidents on one CI or in one category with no problem yet."""

from datetime import timedelta

import pytest
from django.utils import timezone

from servicedesk import selectors, services
from servicedesk.models import Ticket
from tests.factories.servicedesk import make_affected_ci, make_category, make_incident

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def _incident(agent, *, days_ago: float, **fields):
    incident = make_incident(by=agent, **fields)
    Ticket.objects.filter(pk=incident.pk).update(opened_at=NOW - timedelta(days=days_ago))
    return Ticket.objects.get(pk=incident.pk).as_kind()


def _groups(now=NOW):
    return [
        (c.basis, c.label, sorted(c.incident_ids)) for c in selectors.problem_candidates(now=now)
    ]


def test_three_recent_incidents_on_one_ci_make_a_candidate(agent):
    ci = make_affected_ci("web-01")
    incidents = [_incident(agent, days_ago=d, configuration_item=ci) for d in (0.5, 2, 6)]
    _incident(agent, days_ago=1, configuration_item=make_affected_ci("web-02"))

    candidates = selectors.problem_candidates(now=NOW)

    assert len(candidates) == 1
    candidate = candidates[0]
    assert (candidate.basis, candidate.label, candidate.count) == ("ci", "web-01", 3)
    assert sorted(candidate.incident_ids) == sorted(i.pk for i in incidents)
    assert candidate.suggested_short_description == "Recurring incidents on web-01 (3 in 7 days)"
    assert candidate.first_opened_at == incidents[2].opened_at
    assert candidate.last_opened_at == incidents[0].opened_at


def test_two_incidents_are_not_enough_by_default(agent):
    ci = make_affected_ci("web-01")
    for days in (1, 2):
        _incident(agent, days_ago=days, configuration_item=ci)

    assert selectors.problem_candidates(now=NOW) == []


def test_incidents_in_one_subcategory_make_a_candidate_and_the_category_alone_counts_separately(
    agent,
):
    network = make_category("Network")
    vpn = make_category("VPN", parent=network)
    wifi = make_category("Wi-Fi", parent=network)
    vpn_incidents = [
        _incident(agent, days_ago=d, category=network, subcategory=vpn) for d in (1, 2, 3)
    ]
    for days in (1, 2):
        _incident(agent, days_ago=days, category=network, subcategory=wifi)
    plain = [_incident(agent, days_ago=d, category=network) for d in (1, 2, 3)]

    assert sorted(_groups()) == [
        ("category", "Network", sorted(i.pk for i in plain)),
        ("category", "Network / VPN", sorted(i.pk for i in vpn_incidents)),
    ]
    vpn_group = next(c for c in selectors.problem_candidates(now=NOW) if c.label.endswith("VPN"))
    assert vpn_group.suggested_short_description == (
        "Recurring incidents in Network / VPN (3 in 7 days)"
    )


def test_the_window_includes_its_last_moment_and_excludes_older_incidents(agent):
    ci = make_affected_ci("web-01")
    _incident(agent, days_ago=0, configuration_item=ci)
    _incident(agent, days_ago=3, configuration_item=ci)
    edge = _incident(agent, days_ago=6.999, configuration_item=ci)

    assert [len(ids) for *_, ids in _groups()] == [3]

    Ticket.objects.filter(pk=edge.pk).update(opened_at=NOW - timedelta(days=7))
    assert _groups() == []


def test_incidents_opened_after_now_do_not_count(agent):
    ci = make_affected_ci("web-01")
    for days in (1, 2, 3):
        _incident(agent, days_ago=days, configuration_item=ci)

    assert _groups(now=NOW - timedelta(days=1.5)) == []


def test_incidents_already_linked_to_a_problem_are_left_out(agent):
    ci = make_affected_ci("web-01")
    incidents = [_incident(agent, days_ago=d, configuration_item=ci) for d in (1, 2, 3, 4)]
    assert [len(ids) for *_, ids in _groups()] == [4]

    services.create_problem_from_incidents(incidents=incidents[:2], by=agent)

    assert _groups() == []


def test_closed_and_cancelled_incidents_are_left_out(agent):
    ci = make_affected_ci("web-01")
    incidents = [_incident(agent, days_ago=d, configuration_item=ci) for d in (1, 2, 3)]
    services.cancel_ticket(ticket=incidents[0], by=agent)

    assert _groups() == []


def test_a_category_group_with_only_one_cis_incidents_is_not_listed_twice(agent):
    network = make_category("Network")
    ci = make_affected_ci("vpn-gw")
    for days in (1, 2, 3):
        _incident(agent, days_ago=days, configuration_item=ci, category=network)

    assert [basis for basis, *_ in _groups()] == ["ci"]


def test_settings_change_the_minimum_and_the_window(agent, settings):
    settings.ITOPS_PROBLEM_CANDIDATE_MIN_INCIDENTS = 2
    settings.ITOPS_PROBLEM_CANDIDATE_DAYS = 30
    ci = make_affected_ci("web-01")
    _incident(agent, days_ago=1, configuration_item=ci)
    _incident(agent, days_ago=20, configuration_item=ci)

    candidate = selectors.problem_candidates(now=NOW)[0]
    assert candidate.suggested_short_description == "Recurring incidents on web-01 (2 in 30 days)"


def test_candidates_are_found_with_a_fixed_number_of_queries(agent, django_assert_max_num_queries):
    for number in range(4):
        ci = make_affected_ci(f"web-{number}")
        category = make_category(f"Category {number}")
        for days in (1, 2, 3):
            _incident(agent, days_ago=days, configuration_item=ci)
            _incident(agent, days_ago=days, category=category)

    with django_assert_max_num_queries(4):
        candidates = selectors.problem_candidates(now=NOW)
        labels = [(c.label, [i.configuration_item for i in c.incidents]) for c in candidates]

    assert len(labels) == 8


def test_an_incident_knows_the_candidate_group_it_belongs_to(agent):
    ci = make_affected_ci("web-01")
    network = make_category("Network")
    on_ci = [
        _incident(agent, days_ago=d, configuration_item=ci, category=network) for d in (1, 2, 3)
    ]
    in_category = [_incident(agent, days_ago=d, category=network) for d in (1, 2)]
    alone = _incident(agent, days_ago=1)

    group = selectors.candidate_group_for(on_ci[0], now=NOW)
    assert (group.basis, group.count) == ("ci", 3)
    group = selectors.candidate_group_for(in_category[0], now=NOW)
    assert (group.basis, group.label, group.count) == ("category", "Network", 5)
    assert selectors.candidate_group_for(alone, now=NOW) is None


def test_an_old_or_linked_incident_belongs_to_no_candidate_group(agent):
    ci = make_affected_ci("web-01")
    incidents = [_incident(agent, days_ago=d, configuration_item=ci) for d in (1, 2, 3)]
    old = _incident(agent, days_ago=9, configuration_item=ci)

    assert selectors.candidate_group_for(old, now=NOW) is None
    problem = services.create_problem_from_incidents(incidents=incidents[:1], by=agent)
    assert problem is not None
    assert selectors.candidate_group_for(Ticket.objects.get(pk=incidents[0].pk), now=NOW) is None
