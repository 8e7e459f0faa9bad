import pytest

from servicedesk import selectors, services
from servicedesk.timeline import (
    TimelineEntry,
    register_timeline_source,
    unregister_timeline_source,
)
from tests.factories.servicedesk import make_incident, make_request

pytestmark = pytest.mark.django_db


def test_end_users_see_tickets_they_called_or_watch_and_staff_see_all(
    requester, other_requester, agent, outsider
):
    own = make_incident(caller=requester)
    watched = make_incident(caller=other_requester, watchers=[requester])
    foreign = make_request(caller=other_requester)

    assert set(selectors.visible_tickets(requester)) == {own, watched}
    assert set(selectors.visible_tickets(other_requester)) == {watched, foreign}
    assert set(selectors.visible_tickets(agent)) == {own, watched, foreign}
    assert list(selectors.visible_tickets(outsider)) == []


def test_ticket_list_filters_inside_the_scope(requester, other_requester, agent):
    mine_high = make_incident(caller=requester, impact=1, urgency=1)
    make_incident(caller=requester)
    make_incident(caller=other_requester, impact=1, urgency=1)

    assert list(selectors.ticket_list(user=requester, filters={"priority": ["1"]})) == [mine_high]
    assert selectors.ticket_list(user=agent, filters={"priority": ["1"]}).count() == 2


def test_a_bad_filter_value_names_the_field(agent):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        list(selectors.ticket_list(user=agent, filters={"state": "sleeping"}))

    assert "state" in refused.value.message_dict


def test_tickets_are_found_by_number_or_key_by_their_callers_only(requester, other_requester):
    incident = make_incident(caller=requester)

    assert selectors.get_visible_ticket(user=requester, key=incident.number) == incident
    assert selectors.get_visible_ticket(user=requester, key=incident.pk) == incident
    from django.http import Http404

    with pytest.raises(Http404):
        selectors.get_visible_ticket(user=other_requester, key=incident.pk)


def _search(user, text):
    return list(selectors.ticket_list(user=user, filters={"q": text}))


def test_search_finds_number_descriptions_and_public_comments(requester, agent):
    printer = make_incident(caller=requester, short_description="Printer jammed on floor 3")
    vpn = make_incident(
        caller=requester, short_description="Cannot connect", description="The VPN client hangs"
    )
    other = make_incident(caller=requester, short_description="Mouse broken")
    services.add_comment(ticket=other, author=requester, body="It is the wireless receiver")

    assert _search(agent, "printer") == [printer]
    assert _search(agent, "VPN") == [vpn]
    assert _search(agent, "receiver") == [other]
    assert _search(agent, printer.number) == [printer]


def test_work_notes_are_never_searched(requester, agent):
    incident = make_incident(caller=requester, short_description="Slow laptop")
    services.add_comment(ticket=incident, author=agent, body="Suspect cryptominer", internal=True)

    assert _search(requester, "cryptominer") == []
    assert _search(agent, "cryptominer") == []


def test_search_respects_the_permission_scope(requester, other_requester):
    make_incident(caller=other_requester, short_description="Printer on fire")

    assert _search(requester, "printer") == []


def test_timeline_merges_everything_in_time_order_for_staff(requester, agent, service_desk_team):
    incident = make_incident(caller=requester)
    services.add_comment(ticket=incident, author=requester, body="Please hurry")
    services.assign_ticket(
        ticket=incident, assignment_group=service_desk_team, assignee=agent, by=agent
    )
    services.add_comment(ticket=incident, author=agent, body="Checking logs", internal=True)
    services.start_ticket(ticket=incident, by=agent)

    kinds = [entry.kind for entry in selectors.ticket_timeline(ticket=incident, user=agent)]

    assert kinds == ["opened", "comment", "field_change", "work_note", "state"]


def test_end_users_timeline_has_no_work_notes_and_no_internal_fields(
    requester, agent, service_desk_team
):
    from tests.factories.servicedesk import make_affected_ci

    incident = make_incident(caller=requester)
    services.add_comment(ticket=incident, author=agent, body="Secret **note**", internal=True)
    services.update_ticket(
        ticket=incident, changes={"configuration_item": make_affected_ci("db-7")}, by=agent
    )
    services.start_ticket(ticket=incident, by=agent)

    entries = selectors.ticket_timeline(ticket=incident, user=requester)

    assert [entry.kind for entry in entries] == ["opened", "state"]
    assert "Secret" not in repr([entry.as_dict() for entry in entries])


def test_other_apps_add_timeline_entries_through_the_registry(requester, agent):
    incident = make_incident(caller=requester)

    def sla_source(*, ticket, user, staff):
        yield TimelineEntry(at=ticket.opened_at, kind="sla", title="SLA started")
        if staff:
            yield TimelineEntry(at=ticket.opened_at, kind="sla", title="Escalated", internal=True)

    register_timeline_source("tests.sla", sla_source)
    try:
        staff_titles = [e.title for e in selectors.ticket_timeline(ticket=incident, user=agent)]
        user_titles = [e.title for e in selectors.ticket_timeline(ticket=incident, user=requester)]
    finally:
        unregister_timeline_source("tests.sla")

    assert {"SLA started", "Escalated"} <= set(staff_titles)
    assert "SLA started" in user_titles and "Escalated" not in user_titles
