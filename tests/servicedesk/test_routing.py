import pytest

from itops.choices import Role
from servicedesk import services
from servicedesk.choices import MemberSelection, TicketKind
from tests.factories import make_team, make_user
from tests.factories.servicedesk import (
    make_affected_ci,
    make_category,
    make_incident,
    make_request,
    make_rule,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def network_team():
    members = [make_user(f"net{i}", role=Role.AGENT) for i in range(3)]
    return make_team("Network", members=members)


@pytest.fixture
def database_team():
    return make_team("Database", members=[make_user("dba", role=Role.AGENT)])


def test_first_matching_rule_by_order_wins(requester, network_team, database_team):
    network = make_category("Network")
    make_rule(order=20, category=network, assignment_group=database_team)
    make_rule(order=10, category=network, assignment_group=network_team)

    incident = make_incident(caller=requester, category=network)

    assert incident.assignment_group == network_team
    assert incident.assignee is None


def test_a_rule_matches_only_when_all_its_criteria_match(requester, network_team, database_team):
    network = make_category("Network")
    router = make_affected_ci("core-router-1")
    make_rule(order=10, category=network, configuration_item=router, assignment_group=network_team)
    make_rule(order=20, assignment_group=database_team)  # catch-all

    on_router = make_incident(caller=requester, category=network, configuration_item=router)
    elsewhere = make_incident(caller=requester, category=network)

    assert on_router.assignment_group == network_team
    assert elsewhere.assignment_group == database_team


def test_rules_match_subcategories_services_and_kinds(requester, network_team, database_team):
    hardware = make_category("Hardware")
    laptop = make_category("Laptop", parent=hardware)
    email = make_affected_ci("Email", is_service=True)
    make_rule(order=10, kind=TicketKind.REQUEST, category=hardware, assignment_group=network_team)
    make_rule(order=20, business_service=email, assignment_group=database_team)

    request = make_request(caller=requester, category=hardware, subcategory=laptop)
    incident = make_incident(caller=requester, category=hardware, subcategory=laptop)
    mail = make_incident(caller=requester, business_service=email)

    assert request.assignment_group == network_team
    assert incident.assignment_group is None
    assert mail.assignment_group == database_team


def test_ci_owner_team_rule_routes_to_the_team_owning_the_ci(
    requester, network_team, database_team
):
    switch = make_affected_ci("access-switch-7", owner_team=network_team)
    unowned = make_affected_ci("lab-box")
    make_rule(order=10, use_ci_owner_team=True)
    make_rule(order=20, assignment_group=database_team)

    owned_ticket = make_incident(caller=requester, configuration_item=switch)
    unowned_ticket = make_incident(caller=requester, configuration_item=unowned)

    assert owned_ticket.assignment_group == network_team
    assert unowned_ticket.assignment_group == database_team


def test_inactive_rules_and_explicit_groups_are_left_alone(requester, network_team, database_team):
    make_rule(order=1, assignment_group=network_team, is_active=False)
    make_rule(order=2, assignment_group=database_team)

    routed = make_incident(caller=requester)
    explicit = make_incident(caller=requester, assignment_group=network_team)

    assert routed.assignment_group == database_team
    assert explicit.assignment_group == network_team


def test_round_robin_takes_members_in_turn(requester, network_team):
    make_rule(assignment_group=network_team, member_selection=MemberSelection.ROUND_ROBIN)
    members = sorted(network_team.members.all(), key=lambda member: member.pk)

    assignees = [make_incident(caller=requester).assignee for _ in range(4)]

    assert assignees == [members[0], members[1], members[2], members[0]]


def test_least_loaded_picks_the_member_with_fewest_open_tickets(requester, agent, network_team):
    first, second, third = sorted(network_team.members.all(), key=lambda member: member.pk)
    for member, count in ((first, 2), (second, 1)):
        for _ in range(count):
            make_incident(caller=requester, assignment_group=network_team, assignee=member)
    done = make_incident(caller=requester, assignment_group=network_team, assignee=third)
    services.resolve_ticket(
        ticket=done, resolution_code="duplicate", resolution_notes="Dup.", by=agent
    )
    make_rule(assignment_group=network_team, member_selection=MemberSelection.LEAST_LOADED)

    picks = [make_incident(caller=requester).assignee for _ in range(3)]

    # third has only a resolved ticket (0 open), then ties go to the lowest id.
    assert picks == [third, second, third]


def test_an_explicit_assignee_must_belong_to_the_group(requester, agent, network_team):
    from itops.errors import DomainError

    with pytest.raises(DomainError) as refused:
        make_incident(caller=requester, assignment_group=network_team, assignee=agent)

    assert refused.value.field == "assignee"
