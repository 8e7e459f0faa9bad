"""Fulfilment tasks: created from templates, sequenced, assigned, and closing the request."""

import pytest
from django.core.exceptions import PermissionDenied

from itops.choices import Role
from itops.errors import Conflict, DomainError
from servicedesk import selectors, services, signals
from servicedesk.choices import TASK_TRANSITIONS, TaskState
from servicedesk.models import FulfilmentTask, Ticket
from servicedesk.services.fulfilment import TaskTransitionRefused
from tests.factories import make_team, make_user
from tests.factories.servicedesk import make_catalog_item, make_task_template, order_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def teams(agent):
    second = make_user("sam", role=Role.AGENT, first_name="Sam")
    desk = make_team("Desk", members=[agent, second])
    network = make_team("Network")
    facilities = make_team("Facilities")
    return desk, network, facilities


@pytest.fixture
def new_starter(teams):
    desk, network, facilities = teams
    item = make_catalog_item(name="New starter", fulfilment_group=desk)
    make_task_template(item, team=desk, title="Create the account", order=10)
    make_task_template(item, team=facilities, title="Order a desk", order=10)
    make_task_template(item, team=network, title="Grant VPN", order=20, wait_for_previous=True)
    make_task_template(
        item, team=desk, title="Hand over the laptop", order=30, wait_for_previous=True
    )
    return item


def _tasks(request) -> dict[str, str]:
    return {task.title: task.state for task in FulfilmentTask.objects.filter(request=request)}


def _task(request, title) -> FulfilmentTask:
    return FulfilmentTask.objects.get(request=request, title=title)


def test_an_order_without_approval_gets_its_tasks_in_sequence(requester, new_starter):
    request = order_item(new_starter, requester=requester)

    assert request.state == "in_progress"
    assert _tasks(request) == {
        "Create the account": "open",
        "Order a desk": "open",
        "Grant VPN": "waiting",
        "Hand over the laptop": "waiting",
    }
    task = _task(request, "Create the account")
    assert task.number == f"TASK{1000 + task.pk:07d}"
    assert task.team.name == "Desk" and task.opened_at is not None


def test_waiting_tasks_open_when_every_earlier_task_is_finished(requester, new_starter, agent):
    request = order_item(new_starter, requester=requester)

    services.complete_task(task=_task(request, "Create the account"), by=agent, note="Done")
    assert _tasks(request)["Grant VPN"] == "waiting"

    services.cancel_task(task=_task(request, "Order a desk"), by=agent, reason="Hot desks now")
    assert _tasks(request)["Grant VPN"] == "open"
    assert _tasks(request)["Hand over the laptop"] == "waiting"


def test_the_request_is_resolved_when_all_its_tasks_are_done(
    requester, new_starter, agent, django_capture_on_commit_callbacks
):
    request = order_item(new_starter, requester=requester)
    fulfilled = []
    signals.request_fulfilled.connect(
        lambda sender, **kw: fulfilled.append(kw["ticket"].number), weak=False, dispatch_uid="f1"
    )
    try:
        with django_capture_on_commit_callbacks(execute=True):
            for title in ("Create the account", "Order a desk", "Grant VPN"):
                services.complete_task(task=_task(request, title), by=agent)
                assert Ticket.objects.get(pk=request.pk).state == "in_progress"
            services.complete_task(task=_task(request, "Hand over the laptop"), by=agent)
    finally:
        signals.request_fulfilled.disconnect(dispatch_uid="f1")

    request = Ticket.objects.get(pk=request.pk)
    assert request.state == "resolved"
    assert request.resolution_code == "fulfilled"
    assert "All fulfilment tasks are done" in request.resolution_notes
    assert fulfilled == [request.number]


def test_cancelled_tasks_do_not_block_and_make_the_fulfilment_partial(
    requester, new_starter, agent
):
    request = order_item(new_starter, requester=requester)
    services.cancel_task(task=_task(request, "Order a desk"), by=agent, reason="Not needed")
    for title in ("Create the account", "Grant VPN", "Hand over the laptop"):
        services.complete_task(task=_task(request, title), by=agent)

    request = Ticket.objects.get(pk=request.pk)
    assert (request.state, request.resolution_code) == ("resolved", "partially_fulfilled")


def test_when_every_task_is_cancelled_the_request_stays_open_with_a_work_note(
    requester, teams, agent
):
    desk, *_ = teams
    item = make_catalog_item(name="Mouse")
    make_task_template(item, team=desk, title="Send a mouse")
    request = order_item(item, requester=requester)

    services.cancel_task(task=_task(request, "Send a mouse"), by=agent, reason="Out of stock")

    request = Ticket.objects.get(pk=request.pk)
    assert request.state == "in_progress"
    assert request.comments.get().is_internal


def test_an_item_without_task_templates_is_worked_as_the_request_itself(requester):
    request = order_item(make_catalog_item(name="Advice"), requester=requester)

    assert request.state == "in_progress"
    assert not request.fulfilment_tasks.exists()


def test_round_robin_templates_hand_tasks_to_team_members_in_turn(requester, teams, agent):
    desk, *_ = teams
    item = make_catalog_item(name="Headset")
    make_task_template(item, team=desk, title="Send", member_selection="round_robin")

    first = _task(order_item(item, requester=requester), "Send").assignee
    second = _task(order_item(item, requester=requester), "Send").assignee
    third = _task(order_item(item, requester=requester), "Send").assignee

    assert first != second and first == third


def test_least_loaded_templates_pick_the_member_with_the_least_open_work(requester, teams, agent):
    desk, *_ = teams
    item = make_catalog_item(name="Monitor")
    make_task_template(item, team=desk, title="Send", member_selection="least_loaded")

    first = _task(order_item(item, requester=requester), "Send").assignee
    second = _task(order_item(item, requester=requester), "Send").assignee

    assert {first, second} == set(desk.members.all())


def test_opened_tasks_tell_their_team(requester, new_starter, django_capture_on_commit_callbacks):
    assigned = []
    signals.task_assigned.connect(
        lambda sender, **kw: assigned.append((kw["task"].title, kw["task"].team.name)),
        weak=False,
        dispatch_uid="f2",
    )
    try:
        with django_capture_on_commit_callbacks(execute=True):
            order_item(new_starter, requester=requester)
    finally:
        signals.task_assigned.disconnect(dispatch_uid="f2")

    assert sorted(assigned) == [("Create the account", "Desk"), ("Order a desk", "Facilities")]


def test_a_team_member_starting_an_unassigned_task_takes_it(requester, new_starter, agent):
    request = order_item(new_starter, requester=requester)

    task = services.start_task(task=_task(request, "Create the account"), by=agent)

    assert (task.state, task.assignee, task.started_at is not None) == ("in_progress", agent, True)


def test_tasks_can_be_reassigned_to_another_team_and_member(requester, new_starter, agent, teams):
    desk, network, _ = teams
    request = order_item(new_starter, requester=requester)
    task = _task(request, "Order a desk")

    with pytest.raises(DomainError):
        services.assign_task(task=task, team=network, assignee=agent, by=agent)
    services.assign_task(task=task, team=desk, assignee=agent, by=agent)

    task.refresh_from_db()
    assert (task.team, task.assignee) == (desk, agent)


@pytest.mark.parametrize(
    ("state", "target"),
    [
        (state, target)
        for state in TaskState.values
        for target in TaskState.values
        if target not in TASK_TRANSITIONS[state] and target != state
    ],
)
def test_every_illegal_task_move_is_refused(state, target):
    from servicedesk.services.fulfilment import _move_task

    task = FulfilmentTask(pk=7, state=state, title="x")

    with pytest.raises(TaskTransitionRefused) as refused:
        _move_task(task, target, by=None)

    assert refused.value.as_dict()["current_state"] == state


def test_finished_tasks_cannot_be_worked_again(requester, new_starter, agent):
    request = order_item(new_starter, requester=requester)
    task = services.complete_task(task=_task(request, "Create the account"), by=agent)

    for verb in (services.start_task, services.complete_task):
        with pytest.raises(Conflict):
            verb(task=task, by=agent)
    with pytest.raises(Conflict):
        services.cancel_task(task=task, by=agent, reason="x")


def test_waiting_tasks_cannot_be_started(requester, new_starter, agent):
    request = order_item(new_starter, requester=requester)

    with pytest.raises(TaskTransitionRefused):
        services.start_task(task=_task(request, "Grant VPN"), by=agent)


def test_only_staff_work_tasks_and_cancelling_needs_a_reason(requester, new_starter, agent):
    request = order_item(new_starter, requester=requester)
    task = _task(request, "Create the account")

    with pytest.raises(PermissionDenied):
        services.complete_task(task=task, by=requester)
    with pytest.raises(DomainError) as refused:
        services.cancel_task(task=task, by=agent, reason="")
    assert refused.value.field == "reason"


def test_cancelling_the_request_cancels_its_unfinished_tasks(
    requester, new_starter, agent, django_capture_on_commit_callbacks
):
    request = order_item(new_starter, requester=requester)
    services.complete_task(task=_task(request, "Create the account"), by=agent)

    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_ticket(ticket=request, by=agent, reason="Starter did not join")

    assert _tasks(request) == {
        "Create the account": "done",
        "Order a desk": "cancelled",
        "Grant VPN": "cancelled",
        "Hand over the laptop": "cancelled",
    }
    assert _task(request, "Grant VPN").close_notes == "The request was cancelled."


def test_the_task_list_filters_by_team_state_and_assignee(requester, new_starter, agent, teams):
    desk, network, facilities = teams
    request = order_item(new_starter, requester=requester)
    services.start_task(task=_task(request, "Create the account"), by=agent)

    def titles(**filters):
        return sorted(t.title for t in selectors.fulfilment_task_list(user=agent, filters=filters))

    assert titles(team=str(facilities.pk)) == ["Order a desk"]
    assert titles(state="active") == ["Create the account", "Order a desk"]
    assert titles(state="waiting") == ["Grant VPN", "Hand over the laptop"]
    assert titles(assignee="me") == ["Create the account"]
    assert list(selectors.fulfilment_task_list(user=requester)) == []


def test_task_history_shows_in_the_staff_timeline_only(requester, new_starter, agent):
    request = order_item(new_starter, requester=requester)
    services.complete_task(task=_task(request, "Create the account"), by=agent, note="Account ok")

    staff_kinds = [e.kind for e in selectors.ticket_timeline(ticket=request, user=agent)]
    own_kinds = [e.kind for e in selectors.ticket_timeline(ticket=request, user=requester)]

    assert staff_kinds.count("task_opened") == 2 and "task_finished" in staff_kinds
    assert "task_opened" not in own_kinds
    assert selectors.fulfilment_progress(request) == {
        "total": 4,
        "done": 1,
        "cancelled": 0,
        "remaining": 3,
    }
