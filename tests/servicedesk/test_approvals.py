"""Ordering catalog items that need approval: who is asked, deciding once, rejecting."""

import pytest
from django.core.exceptions import PermissionDenied

from itops.choices import Role
from itops.errors import Conflict, DomainError
from servicedesk import selectors, services, signals
from servicedesk.models import RequestApproval, Ticket
from servicedesk.services.catalog import CatalogAnswersInvalid
from tests.factories import make_team, make_user
from tests.factories.servicedesk import make_catalog_item, make_task_template, order_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def boss(db):
    return make_user("bea", role=Role.END_USER, first_name="Bea", last_name="Boss")


@pytest.fixture
def employee(boss):
    return make_user(
        "emil", role=Role.END_USER, first_name="Emil", last_name="Employee", manager=boss
    )


@pytest.fixture
def laptop(service_desk_team):
    item = make_catalog_item(
        name="New laptop",
        approval="manager",
        fulfilment_group=service_desk_team,
        form_definition=[
            {"name": "model", "type": "choice", "choices": ["13", "14"], "required": True}
        ],
    )
    make_task_template(item, team=service_desk_team, title="Prepare the laptop")
    return item


@pytest.fixture
def approvers(db):
    first = make_user("gina", role=Role.END_USER, first_name="Gina")
    second = make_user("hugo", role=Role.END_USER, first_name="Hugo")
    return make_team("Access Approvers", members=[first, second]), first, second


def _group_item(team, mode="any", **fields):
    return make_catalog_item(
        name=f"Access ({mode})",
        approval="group",
        approval_group=team,
        group_approval_mode=mode,
        **fields,
    )


def _state(ticket) -> str:
    return Ticket.objects.get(pk=ticket.pk).state


# --- manager approval ---------------------------------------------------------------------------


def test_an_item_needing_manager_approval_waits_for_the_requesters_manager(
    employee, boss, laptop, django_capture_on_commit_callbacks
):
    asked = []
    signals.approval_requested.connect(
        lambda sender, **kw: asked.append(kw["approval"].approver), weak=False, dispatch_uid="t1"
    )
    try:
        with django_capture_on_commit_callbacks(execute=True):
            request = order_item(laptop, requester=employee, answers={"model": "14"})
    finally:
        signals.approval_requested.disconnect(dispatch_uid="t1")

    assert request.number.startswith("REQ")
    assert request.state == "pending_approval"
    assert request.request_answers == {"model": "14"}
    assert request.short_description == "New laptop"
    assert [(a.approver, a.source, a.state) for a in request.approvals.all()] == [
        (boss, "manager", "pending")
    ]
    assert asked == [boss]
    assert not request.fulfilment_tasks.exists()
    assert list(selectors.approvals_for(user=boss)) == list(request.approvals.all())


def test_the_manager_approving_starts_fulfilment(employee, boss, laptop):
    request = order_item(laptop, requester=employee, answers={"model": "14"})
    approval = request.approvals.get()

    services.decide_approval(approval=approval, approve=True, comment="", by=boss)

    request.refresh_from_db()
    assert request.state == "in_progress"
    assert [t.title for t in request.fulfilment_tasks.all()] == ["Prepare the laptop"]
    approval.refresh_from_db()
    assert (approval.state, approval.decided_at is not None) == ("approved", True)
    assert not selectors.approvals_for(user=boss).exists()


def test_rejection_closes_the_request_as_rejected_with_the_comment_for_the_requester(
    employee, boss, laptop, django_capture_on_commit_callbacks
):
    request = order_item(laptop, requester=employee, answers={"model": "14"})
    approval = request.approvals.get()
    decided = []
    signals.approval_decided.connect(
        lambda sender, **kw: decided.append(kw["approval"].state), weak=False, dispatch_uid="t2"
    )
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.decide_approval(
                approval=approval, approve=False, comment="Your laptop is a year old.", by=boss
            )
    finally:
        signals.approval_decided.disconnect(dispatch_uid="t2")

    request = Ticket.objects.get(pk=request.pk)
    assert request.state == "rejected"
    assert request.closed_at is not None
    assert request.resolution_notes == "Rejected by Bea Boss: Your laptop is a year old."
    assert decided == ["rejected"]
    assert not request.fulfilment_tasks.exists()
    timeline = selectors.ticket_timeline(ticket=request.as_kind(), user=employee)
    rejected = [entry for entry in timeline if entry.kind == "approval_decided"]
    assert rejected[0].title == "Rejected by Bea Boss"
    assert "Your laptop is a year old." in rejected[0].body_html


def test_rejecting_needs_a_comment(employee, boss, laptop):
    request = order_item(laptop, requester=employee, answers={"model": "14"})

    with pytest.raises(DomainError) as refused:
        services.decide_approval(
            approval=request.approvals.get(), approve=False, comment=" ", by=boss
        )

    assert refused.value.field == "comment"
    assert _state(request) == "pending_approval"


def test_only_the_approver_may_decide(employee, boss, laptop, agent, admin_user):
    request = order_item(laptop, requester=employee, answers={"model": "14"})
    approval = request.approvals.get()

    for somebody in (employee, agent, admin_user):
        with pytest.raises(PermissionDenied):
            services.decide_approval(approval=approval, approve=True, by=somebody)

    assert _state(request) == "pending_approval"


def test_a_decided_approval_cannot_be_decided_again(employee, boss, laptop):
    request = order_item(laptop, requester=employee, answers={"model": "14"})
    approval = request.approvals.get()
    services.decide_approval(approval=approval, approve=True, by=boss)

    with pytest.raises(Conflict) as refused:
        services.decide_approval(
            approval=approval, approve=False, comment="Changed my mind", by=boss
        )

    assert refused.value.code == "already_decided"
    assert "already approved" in refused.value.message
    assert _state(request) == "in_progress"


def test_without_a_manager_the_approval_group_is_asked(requester, laptop, approvers):
    team, first, second = approvers
    laptop.approval_group = team
    laptop.save()

    request = order_item(laptop, requester=requester, answers={"model": "13"})

    assert {(a.approver, a.source, a.group) for a in request.approvals.all()} == {
        (first, "group", team),
        (second, "group", team),
    }


def test_without_a_manager_or_an_approval_group_ordering_is_refused_and_nothing_is_opened(
    requester, laptop
):
    with pytest.raises(DomainError) as refused:
        order_item(laptop, requester=requester, answers={"model": "13"})

    assert refused.value.field == "approval"
    assert "no manager is recorded" in refused.value.message
    assert not Ticket.objects.exists()


def test_an_inactive_manager_counts_as_none(employee, boss, laptop):
    boss.is_active = False
    boss.save()

    with pytest.raises(DomainError):
        order_item(laptop, requester=employee, answers={"model": "13"})


def test_a_manager_ordering_for_a_report_has_approved_by_ordering(employee, boss, laptop):
    request = order_item(laptop, requester=boss, on_behalf_of=employee, answers={"model": "13"})

    assert request.caller == employee
    assert request.short_description == "New laptop for Emil Employee"
    assert list(request.watchers.all()) == [boss]
    assert request.state == "in_progress"
    assert [(a.approver, a.state) for a in request.approvals.all()] == [(boss, "approved")]
    assert request.fulfilment_tasks.count() == 1


# --- group approval -----------------------------------------------------------------------------


def test_group_approval_by_any_member_is_settled_by_the_first_decision(requester, approvers):
    team, first, second = approvers
    item = _group_item(team, "any")
    request = order_item(item, requester=requester)
    assert request.state == "pending_approval"

    services.decide_approval(
        approval=request.approvals.get(approver=first), approve=True, comment="Fine", by=first
    )

    assert _state(request) == "in_progress"
    assert dict(request.approvals.values_list("approver__username", "state")) == {
        "gina": "approved",
        "hugo": "not_required",
    }
    with pytest.raises(Conflict):
        services.decide_approval(
            approval=request.approvals.get(approver=second), approve=False, comment="No", by=second
        )


def test_group_approval_by_all_members_waits_for_everyone(requester, approvers):
    team, first, second = approvers
    item = _group_item(team, "all")
    request = order_item(item, requester=requester)

    services.decide_approval(approval=request.approvals.get(approver=first), approve=True, by=first)
    assert _state(request) == "pending_approval"
    services.decide_approval(
        approval=request.approvals.get(approver=second), approve=True, by=second
    )

    assert _state(request) == "in_progress"


def test_one_rejection_rejects_a_group_approval_by_all(requester, approvers):
    team, first, second = approvers
    item = _group_item(team, "all")
    request = order_item(item, requester=requester)
    services.decide_approval(approval=request.approvals.get(approver=first), approve=True, by=first)

    services.decide_approval(
        approval=request.approvals.get(approver=second),
        approve=False,
        comment="No budget",
        by=second,
    )

    assert _state(request) == "rejected"


def test_the_requester_is_never_asked_to_approve_their_own_request(approvers):
    team, first, second = approvers
    item = _group_item(team, "all")

    request = order_item(item, requester=first)

    assert [a.approver for a in request.approvals.all()] == [second]


def test_a_group_with_nobody_else_to_ask_refuses_the_order(approvers):
    team, first, second = approvers
    lonely = make_team("Lonely", members=[first])

    with pytest.raises(DomainError) as refused:
        order_item(_group_item(lonely), requester=first)

    assert "Nobody in Lonely" in refused.value.message


def test_cancelling_a_request_retires_its_open_approvals(
    requester, approvers, agent, django_capture_on_commit_callbacks
):
    team, first, second = approvers
    request = order_item(_group_item(team), requester=requester)

    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_ticket(ticket=request, by=agent, reason="Ordered twice")

    assert set(request.approvals.values_list("state", flat=True)) == {"not_required"}
    with pytest.raises(Conflict):
        services.decide_approval(approval=request.approvals.first(), approve=True, by=first)


def test_an_agent_starting_a_request_that_waits_overrides_its_approvals(
    employee, boss, laptop, agent, django_capture_on_commit_callbacks
):
    request = order_item(laptop, requester=employee, answers={"model": "14"})

    with django_capture_on_commit_callbacks(execute=True):
        services.start_ticket(ticket=request, by=agent)

    assert request.approvals.get().state == "not_required"
    assert request.fulfilment_tasks.count() == 1


# --- ordering checks ----------------------------------------------------------------------------


def test_bad_answers_refuse_the_order_naming_each_question(employee, laptop):
    with pytest.raises(CatalogAnswersInvalid) as refused:
        order_item(laptop, requester=employee, answers={"model": "15", "colour": "red"})

    assert refused.value.errors == {
        "model": ["'15' is not one of the choices: 13, 14."],
        "colour": ["This form has no such question."],
    }
    assert not Ticket.objects.exists()


def test_end_users_order_only_as_themselves_and_for_their_reports(
    employee, requester, other_requester, laptop
):
    with pytest.raises(PermissionDenied):
        order_item(laptop, requester=other_requester, by=requester, answers={"model": "13"})
    with pytest.raises(PermissionDenied):
        order_item(laptop, requester=requester, on_behalf_of=employee, answers={"model": "13"})


def test_agents_may_order_for_anyone_from_the_desk(employee, boss, laptop, agent):
    request = order_item(laptop, requester=employee, by=agent, answers={"model": "13"})

    assert (request.caller, request.opened_by, request.source) == (employee, agent, "desk")


def test_inactive_items_cannot_be_ordered(employee, laptop):
    laptop.is_active = False
    laptop.save()

    with pytest.raises(DomainError):
        order_item(laptop, requester=employee, answers={"model": "13"})


def test_approvals_and_decisions_are_audited(employee, boss, laptop):
    from itops.audit import history_for

    request = order_item(laptop, requester=employee, answers={"model": "14"})
    approval = request.approvals.get()
    services.decide_approval(approval=approval, approve=True, comment="ok", by=boss)

    entries = list(history_for(RequestApproval.objects.get(pk=approval.pk)))
    assert [entry.actor for entry in entries] == [boss, employee]
    assert entries[0].changes_dict["state"] == ["pending", "approved"]
