import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied

from itops.errors import Conflict, DomainError
from servicedesk import services, signals
from servicedesk.choices import TicketKind
from servicedesk.models import Incident, Problem, ServiceRequest, Ticket
from tests.factories.servicedesk import (
    make_affected_ci,
    make_category,
    make_incident,
    make_problem,
    make_request,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def received():
    """Collects (signal name, kwargs) of every service desk signal while the test runs."""
    log = []
    names = [
        "ticket_opened",
        "ticket_updated",
        "ticket_state_changed",
        "ticket_assigned",
        "comment_added",
        "watcher_added",
        "ticket_linked",
    ]
    receivers = {}
    for name in names:

        def receiver(sender, _name=name, **kwargs):
            log.append((_name, kwargs))

        receivers[name] = receiver
        getattr(signals, name).connect(receiver)
    yield log
    for name, receiver in receivers.items():
        getattr(signals, name).disconnect(receiver)


def test_proxy_managers_only_see_their_kind(requester):
    incident = make_incident(caller=requester)
    request = make_request(caller=requester)
    problem = make_problem()

    assert list(Incident.objects.all()) == [incident]
    assert list(ServiceRequest.objects.all()) == [request]
    assert list(Problem.objects.all()) == [problem]
    assert type(incident) is Incident and incident.kind == TicketKind.INCIDENT


def test_signals_are_sent_only_after_commit(
    requester, agent, service_desk_team, received, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as pending:
        incident = make_incident(caller=requester)
    assert received == []

    for callback in pending:
        callback()
    with django_capture_on_commit_callbacks(execute=True):
        services.assign_ticket(
            ticket=incident, assignment_group=service_desk_team, assignee=agent, by=agent
        )
        services.start_ticket(ticket=incident, by=agent)
        services.add_comment(ticket=incident, author=agent, body="On it")
        services.update_ticket(ticket=incident, changes={"urgency": 1}, by=agent)

    assert [name for name, _ in received] == [
        "ticket_opened",
        "ticket_assigned",
        "ticket_state_changed",
        "comment_added",
        "ticket_updated",
    ]
    state = received[2][1]
    assert (state["old_state"], state["new_state"], state["by"]) == ("new", "in_progress", agent)
    assert received[4][1]["changes"] == {"urgency": (3, 1)}


def test_a_failing_receiver_does_not_break_the_service(
    requester, django_capture_on_commit_callbacks
):
    def broken(sender, **kwargs):
        raise RuntimeError("receiver bug")

    signals.ticket_opened.connect(broken)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            incident = make_incident(caller=requester)
    finally:
        signals.ticket_opened.disconnect(broken)

    assert Ticket.objects.filter(pk=incident.pk).exists()


def test_every_write_is_audited_with_its_actor(requester, agent):
    incident = make_incident(caller=requester)
    services.update_ticket(ticket=incident, changes={"short_description": "Renamed"}, by=agent)

    entries = LogEntry.objects.get_for_object(incident).order_by("timestamp")

    assert [(e.action, e.actor) for e in entries] == [
        (LogEntry.Action.CREATE, requester),
        (LogEntry.Action.UPDATE, agent),
    ]
    assert entries.last().changes_dict["short_description"][1] == "Renamed"


def test_update_refuses_fields_of_other_kinds_and_workflow_fields(requester, agent):
    incident = make_incident(caller=requester)

    for changes, field in (({"root_cause": "x"}, "root_cause"), ({"state": "closed"}, "state")):
        with pytest.raises(DomainError) as refused:
            services.update_ticket(ticket=incident, changes=changes, by=agent)
        assert refused.value.field == field


def test_changing_category_drops_a_subcategory_of_the_old_one(requester, agent):
    hardware, software = make_category("Hardware"), make_category("Software")
    laptop = make_category("Laptop", parent=hardware)
    incident = make_incident(caller=requester, category=hardware, subcategory=laptop)

    updated = services.update_ticket(ticket=incident, changes={"category": software}, by=agent)

    assert (updated.category, updated.subcategory) == (software, None)


def test_closed_tickets_are_read_only(requester, agent):
    incident = make_incident(caller=requester)
    services.cancel_ticket(ticket=incident, by=agent, reason="Duplicate")

    with pytest.raises(Conflict):
        services.update_ticket(ticket=incident, changes={"description": "late"}, by=agent)
    with pytest.raises(Conflict):
        services.add_comment(ticket=incident, author=requester, body="hello?")


def test_parent_child_incidents_refuse_cycles_and_other_kinds(requester, agent):
    parent, child, grandchild = (make_incident(caller=requester) for _ in range(3))
    services.set_parent_incident(ticket=child, parent=parent, by=agent)
    services.set_parent_incident(ticket=grandchild, parent=child, by=agent)

    with pytest.raises(DomainError):
        services.set_parent_incident(ticket=parent, parent=grandchild, by=agent)
    with pytest.raises(DomainError):
        services.set_parent_incident(ticket=parent, parent=parent, by=agent)
    with pytest.raises(DomainError):
        services.set_parent_incident(ticket=parent, parent=make_problem(), by=agent)
    assert list(parent.children.all()) == [child]


def test_problem_links_only_to_problems(requester, agent):
    incident = make_incident(caller=requester)
    problem = make_problem(by=agent)

    services.set_problem(ticket=incident, problem=problem, by=agent)
    with pytest.raises(DomainError):
        services.set_problem(ticket=incident, problem=make_incident(caller=requester), by=agent)
    with pytest.raises(PermissionDenied):
        services.set_problem(ticket=incident, problem=None, by=requester)

    assert list(problem.related_tickets.all()) == [incident]


def test_generic_links_are_idempotent_and_found_from_the_other_side(requester, agent, received):
    from servicedesk.selectors import tickets_linked_to

    incident = make_incident(caller=requester)
    router = make_affected_ci("core-1")

    first = services.add_link(ticket=incident, target=router, link_type="caused_by", by=agent)
    again = services.add_link(ticket=incident, target=router, link_type="caused_by", by=agent)

    assert first == again
    assert list(tickets_linked_to(router)) == [incident]
    assert list(tickets_linked_to(router, user=requester)) == [incident]
    with pytest.raises(DomainError):
        services.add_link(ticket=incident, target=router, link_type="friend_of", by=agent)


def test_watchers_are_managed_by_staff_and_the_caller(requester, other_requester, agent):
    incident = make_incident(caller=requester)

    services.add_watcher(ticket=incident, user=other_requester, by=requester)
    with pytest.raises(PermissionDenied):
        services.add_watcher(ticket=incident, user=agent, by=other_requester)
    services.remove_watcher(ticket=incident, user=other_requester, by=other_requester)

    assert not incident.watchers.exists()


def test_a_request_for_a_catalog_item_goes_to_its_fulfilment_group(requester, service_desk_team):
    from tests.factories.servicedesk import make_catalog_item

    laptop = make_category("Laptop", parent=make_category("Hardware"))
    item = make_catalog_item(fulfilment_group=service_desk_team, category=laptop)

    request = make_request(caller=requester, catalog_item=item, answers={"model": "14"})

    assert request.assignment_group == service_desk_team
    assert (request.category, request.subcategory) == (laptop.parent, laptop)
    assert request.request_answers == {"model": "14"}


def test_a_retired_catalog_item_cannot_be_requested(requester):
    from tests.factories.servicedesk import make_catalog_item

    item = make_catalog_item(is_active=False)

    with pytest.raises(DomainError) as refused:
        make_request(caller=requester, catalog_item=item)

    assert refused.value.field == "catalog_item"


def test_monitoring_opens_incidents_without_a_caller():
    incident = services.open_incident(
        by=None, short_description="CPU above 95% on web-1", source="monitoring", impact=2
    )

    assert incident.caller is None and incident.source == "monitoring"


def test_end_users_edit_only_the_text_of_tickets_they_called_in(requester, other_requester):
    incident = make_incident(caller=requester, watchers=[other_requester])

    edited = services.update_ticket(ticket=incident, changes={"description": "More"}, by=requester)
    with pytest.raises(PermissionDenied):
        services.update_ticket(ticket=incident, changes={"urgency": 1}, by=requester)
    with pytest.raises(PermissionDenied):
        services.update_ticket(ticket=incident, changes={"description": "Mine"}, by=other_requester)

    assert edited.description == "More"
