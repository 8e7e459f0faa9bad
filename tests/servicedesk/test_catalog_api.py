"""API of the catalog process and problem management: who may do what, and bad input."""

import pytest

from itops.choices import Role
from servicedesk import services
from servicedesk.models import CatalogItem, FulfilmentTask, Ticket
from tests.factories import make_team, make_user
from tests.factories.servicedesk import (
    make_affected_ci,
    make_catalog_item,
    make_incident,
    make_problem,
    make_task_template,
    order_item,
)

pytestmark = pytest.mark.django_db

LAPTOP_FORM = [
    {"name": "model", "type": "choice", "choices": ["13", "14"], "required": True},
    {"name": "count", "type": "number", "integer": True, "min": 1, "max": 2},
    {"name": "needed_by", "type": "date"},
]


@pytest.fixture
def boss(db):
    return make_user("bea", role=Role.END_USER, first_name="Bea", last_name="Boss")


@pytest.fixture
def employee(boss):
    return make_user("emil", role=Role.END_USER, first_name="Emil", manager=boss)


@pytest.fixture
def laptop(service_desk_team):
    item = make_catalog_item(
        name="New laptop",
        approval="manager",
        fulfilment_group=service_desk_team,
        form_definition=LAPTOP_FORM,
    )
    make_task_template(item, team=service_desk_team, title="Prepare the laptop")
    return item


# --- catalog items ----------------------------------------------------------------------------


def test_everyone_signed_in_with_a_role_reads_active_items_with_their_form(
    requester, laptop, api_for, outsider
):
    make_catalog_item(name="Retired item", is_active=False)

    response = api_for(requester).get("/api/v1/catalog-items/")

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["name"] for row in rows] == ["New laptop"]
    assert rows[0]["form_definition"][0]["choices"] == [
        {"value": "13", "label": "13"},
        {"value": "14", "label": "14"},
    ]
    assert rows[0]["task_templates"][0]["title"] == "Prepare the laptop"
    assert api_for(outsider).get("/api/v1/catalog-items/").status_code == 403


def test_only_admins_write_catalog_items_and_bad_forms_are_named(
    admin_user, agent, api_for, service_desk_team
):
    payload = {
        "name": "VPN token",
        "approval": "none",
        "form_definition": [{"name": "reason", "type": "textarea", "required": True}],
        "task_templates": [{"title": "Issue a token", "team": service_desk_team.pk}],
    }
    assert api_for(agent).post("/api/v1/catalog-items/", payload, format="json").status_code == 403

    bad = api_for(admin_user).post(
        "/api/v1/catalog-items/",
        {**payload, "form_definition": [{"name": "reason", "type": "essay"}]},
        format="json",
    )
    assert bad.status_code == 400
    assert bad.json()["field"] == "form_definition"
    assert "Question 1 (reason): type must be one of" in bad.json()["detail"]

    created = api_for(admin_user).post("/api/v1/catalog-items/", payload, format="json")
    assert created.status_code == 201, created.json()
    item = CatalogItem.objects.get(name="VPN token")
    assert item.form_definition[0]["max_length"] == 4000
    assert [t.title for t in item.task_templates.all()] == ["Issue a token"]

    changed = api_for(admin_user).patch(
        f"/api/v1/catalog-items/{item.pk}/", {"is_active": False}, format="json"
    )
    assert changed.status_code == 200
    assert item.task_templates.count() == 1
    assert api_for(agent).get(f"/api/v1/catalog-items/{item.pk}/").status_code == 404


# --- ordering ---------------------------------------------------------------------------------


def test_ordering_answers_201_with_the_request_waiting_for_approval(
    employee, boss, laptop, api_for
):
    response = api_for(employee).post(
        f"/api/v1/catalog-items/{laptop.pk}/order/",
        {"answers": {"model": "14", "count": 1, "needed_by": "2030-01-31"}},
        format="json",
    )

    body = response.json()
    assert response.status_code == 201, body
    assert body["number"].startswith("REQ")
    assert (body["state"], body["source"]) == ("pending_approval", "portal")
    assert body["request_answers"] == {"model": "14", "count": 1, "needed_by": "2030-01-31"}


def test_ordering_with_bad_answers_answers_400_naming_each_question(employee, laptop, api_for):
    response = api_for(employee).post(
        f"/api/v1/catalog-items/{laptop.pk}/order/",
        {"answers": {"count": 3, "needed_by": "tomorrow", "colour": "red"}},
        format="json",
    )

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_answers"
    assert body["errors"] == {
        "model": ["This question is required."],
        "count": ["At most 2."],
        "needed_by": ["Expected a date as YYYY-MM-DD."],
        "colour": ["This form has no such question."],
    }
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("answers", [["model"], "model=14", 42])
def test_answers_that_are_not_an_object_answer_400(employee, laptop, api_for, answers):
    response = api_for(employee).post(
        f"/api/v1/catalog-items/{laptop.pk}/order/", {"answers": answers}, format="json"
    )

    assert response.status_code == 400


def test_ordering_without_anyone_to_approve_answers_400_with_the_reason(requester, laptop, api_for):
    response = api_for(requester).post(
        f"/api/v1/catalog-items/{laptop.pk}/order/", {"answers": {"model": "13"}}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["field"] == "approval"


def test_end_users_cannot_order_for_strangers(employee, requester, laptop, api_for):
    response = api_for(requester).post(
        f"/api/v1/catalog-items/{laptop.pk}/order/",
        {"answers": {"model": "13"}, "on_behalf_of": employee.pk},
        format="json",
    )

    assert response.status_code == 403


def test_the_requests_endpoint_orders_catalog_items_through_the_catalog(employee, laptop, api_for):
    response = api_for(employee).post(
        "/api/v1/requests/",
        {"short_description": "Laptop", "catalog_item": laptop.pk, "request_answers": {}},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {"model": ["This question is required."]}

    response = api_for(employee).post(
        "/api/v1/requests/",
        {
            "short_description": "Laptop",
            "catalog_item": laptop.pk,
            "request_answers": {"model": "13"},
        },
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["state"] == "pending_approval"


# --- approvals --------------------------------------------------------------------------------


def test_approvers_list_and_decide_their_pending_approvals(employee, boss, laptop, api_for):
    request = order_item(laptop, requester=employee, answers={"model": "14"})
    client = api_for(boss)

    listed = client.get("/api/v1/approvals/").json()["results"]
    assert [row["request"]["number"] for row in listed] == [request.number]
    assert listed[0]["request"]["answers"][0] == {
        "name": "model",
        "label": "Model",
        "type": "choice",
        "value": "14",
        "display": "14",
    }

    response = client.post(f"/api/v1/approvals/{listed[0]['id']}/reject/", {}, format="json")
    assert response.status_code == 400
    assert response.json()["field"] == "comment"

    response = client.post(
        f"/api/v1/approvals/{listed[0]['id']}/approve/", {"comment": "OK"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["state"] == "approved"
    assert client.get("/api/v1/approvals/").json()["results"] == []
    assert len(client.get("/api/v1/approvals/?state=all").json()["results"]) == 1
    again = client.post(
        f"/api/v1/approvals/{listed[0]['id']}/reject/", {"comment": "No"}, format="json"
    )
    assert again.status_code == 409


def test_nobody_else_sees_or_decides_an_approval(
    employee, boss, laptop, api_for, agent, admin_user
):
    request = order_item(laptop, requester=employee, answers={"model": "14"})
    approval = request.approvals.get()

    for somebody in (employee, agent, admin_user):
        client = api_for(somebody)
        assert client.get("/api/v1/approvals/").json()["results"] == []
        assert client.get(f"/api/v1/approvals/{approval.pk}/").status_code == 404
        response = client.post(f"/api/v1/approvals/{approval.pk}/approve/", {}, format="json")
        assert response.status_code == 404
    assert Ticket.objects.get(pk=request.pk).state == "pending_approval"


def test_a_bad_approval_state_filter_answers_400(boss, api_for):
    assert api_for(boss).get("/api/v1/approvals/?state=maybe").status_code == 400


def test_the_requester_follows_approvals_and_progress_on_their_request(
    employee, boss, laptop, api_for, other_requester
):
    request = order_item(laptop, requester=employee, answers={"model": "14"})
    services.decide_approval(approval=request.approvals.get(), approve=True, by=boss)
    client = api_for(employee)

    approvals = client.get(f"/api/v1/requests/{request.pk}/approvals/").json()
    assert [(a["approver"]["username"], a["state"]) for a in approvals] == [("bea", "approved")]
    assert client.get(f"/api/v1/requests/{request.pk}/fulfilment-progress/").json() == {
        "total": 1,
        "done": 0,
        "cancelled": 0,
        "remaining": 1,
    }
    assert client.get(f"/api/v1/requests/{request.pk}/answers/").json()[0]["display"] == "14"
    assert client.get(f"/api/v1/requests/{request.pk}/fulfilment-tasks/").status_code == 403
    stranger = api_for(other_requester)
    assert stranger.get(f"/api/v1/requests/{request.pk}/approvals/").status_code == 404


# --- fulfilment tasks -------------------------------------------------------------------------


def test_staff_work_fulfilment_tasks_through_the_api(requester, agent, api_for, service_desk_team):
    network = make_team("Network")
    item = make_catalog_item(name="VPN token")
    make_task_template(item, team=service_desk_team, title="Check", order=10)
    make_task_template(item, team=network, title="Issue", order=20, wait_for_previous=True)
    request = order_item(item, requester=requester)
    check = FulfilmentTask.objects.get(request=request, title="Check")
    client = api_for(agent)

    listed = client.get(f"/api/v1/fulfilment-tasks/?team={service_desk_team.pk}&state=active")
    assert [row["number"] for row in listed.json()["results"]] == [check.number]
    assert client.get(f"/api/v1/fulfilment-tasks/{check.number}/").json()["title"] == "Check"

    started = client.post(f"/api/v1/fulfilment-tasks/{check.pk}/start/", {}, format="json")
    assert (started.json()["state"], started.json()["assignee"]["username"]) == (
        "in_progress",
        agent.username,
    )
    done = client.post(
        f"/api/v1/fulfilment-tasks/{check.pk}/complete/", {"note": "ok"}, format="json"
    )
    assert done.json()["state"] == "done"
    issue = FulfilmentTask.objects.get(request=request, title="Issue")
    assert issue.state == "open"

    no_reason = client.post(f"/api/v1/fulfilment-tasks/{issue.pk}/cancel/", {}, format="json")
    assert no_reason.status_code == 400
    again = client.post(f"/api/v1/fulfilment-tasks/{check.pk}/start/", {}, format="json")
    assert again.status_code == 409
    assert again.json()["allowed_states"] == []

    client.post(f"/api/v1/fulfilment-tasks/{issue.pk}/complete/", {}, format="json")
    assert Ticket.objects.get(pk=request.pk).state == "resolved"


def test_end_users_get_no_fulfilment_tasks(requester, api_for):
    assert api_for(requester).get("/api/v1/fulfilment-tasks/").status_code == 403


def test_bad_task_filters_answer_400(agent, api_for):
    assert api_for(agent).get("/api/v1/fulfilment-tasks/?state=sleeping").status_code == 400
    assert api_for(agent).get("/api/v1/fulfilment-tasks/?team=desk").status_code == 400


# --- problems ---------------------------------------------------------------------------------


def test_staff_open_problems_from_incidents_and_link_and_unlink_more(agent, api_for):
    ci = make_affected_ci("web-01")
    first, second, third = (make_incident(by=agent, configuration_item=ci) for _ in range(3))
    client = api_for(agent)

    created = client.post(
        "/api/v1/problems/from-incidents/", {"incidents": [first.pk, second.pk]}, format="json"
    )
    assert created.status_code == 201, created.json()
    problem = created.json()
    assert problem["short_description"] == "Recurring incidents on web-01"

    linked = client.post(
        f"/api/v1/problems/{problem['id']}/link-incidents/",
        {"incidents": [third.pk]},
        format="json",
    )
    assert linked.status_code == 200
    assert Ticket.objects.filter(problem_id=problem["id"]).count() == 3

    taken = client.post(
        f"/api/v1/problems/{make_problem(by=agent).pk}/link-incidents/",
        {"incidents": [third.pk]},
        format="json",
    )
    assert taken.status_code == 409

    unlinked = client.post(
        f"/api/v1/problems/{problem['id']}/unlink-incident/", {"incident": third.pk}, format="json"
    )
    assert unlinked.status_code == 200
    assert Ticket.objects.get(pk=third.pk).problem_id is None


@pytest.mark.parametrize(
    "payload",
    [{"incidents": []}, {"incidents": [999999]}, {"incidents": "1"}, {"incident": 1}],
)
def test_bad_link_payloads_answer_400(agent, api_for, payload):
    problem = make_problem(by=agent)

    response = api_for(agent).post(
        f"/api/v1/problems/{problem.pk}/link-incidents/", payload, format="json"
    )

    assert response.status_code == 400


def test_end_users_cannot_use_problem_management(requester, api_for):
    incident = make_incident(caller=requester)
    client = api_for(requester)

    assert (
        client.post(
            "/api/v1/problems/from-incidents/", {"incidents": [incident.pk]}, format="json"
        ).status_code
        == 403
    )
    assert client.get("/api/v1/known-errors/").status_code == 403
    assert client.get("/api/v1/problem-candidates/").status_code == 403


def test_known_errors_are_published_and_searched(agent, api_for):
    problem = make_problem(by=agent, short_description="VPN drops on roaming")
    make_problem(by=agent, short_description="Printer jams")
    client = api_for(agent)

    refused = client.post(f"/api/v1/problems/{problem.pk}/mark-known-error/", {}, format="json")
    assert refused.status_code == 400 and refused.json()["field"] == "workaround"
    marked = client.post(
        f"/api/v1/problems/{problem.pk}/mark-known-error/",
        {"workaround": "Turn off *power saving*."},
        format="json",
    )
    assert marked.json()["is_known_error"] is True

    found = client.get("/api/v1/known-errors/?q=vpn").json()["results"]
    assert [row["number"] for row in found] == [problem.number]
    assert "<em>power saving</em>" in found[0]["workaround_html"]
    assert client.get("/api/v1/known-errors/?q=printer").json()["results"] == []

    client.post(f"/api/v1/problems/{problem.pk}/unmark-known-error/", {}, format="json")
    assert client.get("/api/v1/known-errors/").json()["results"] == []


def test_resolving_a_problem_through_the_api_reports_its_incidents(agent, api_for):
    incidents = [make_incident(by=agent) for _ in range(2)]
    problem = services.create_problem_from_incidents(incidents=incidents, by=agent)
    services.start_ticket(ticket=problem, by=agent)

    response = api_for(agent).post(
        f"/api/v1/problems/{problem.pk}/resolve/",
        {
            "resolution_code": "fix_applied",
            "resolution_notes": "Patched",
            "root_cause": "Leak",
            "resolve_incidents": True,
            "incident_note": "Fixed by the patch.",
        },
        format="json",
    )

    body = response.json()
    assert response.status_code == 200, body
    assert body["state"] == "resolved"
    assert sorted(row["number"] for row in body["incidents"]["resolved"]) == sorted(
        i.number for i in incidents
    )
    assert body["incidents"]["refused"] == []


def test_problem_candidates_are_listed_for_staff(agent, api_for):
    ci = make_affected_ci("web-01")
    incidents = [make_incident(by=agent, configuration_item=ci) for _ in range(3)]

    rows = api_for(agent).get("/api/v1/problem-candidates/").json()

    assert [(row["basis"], row["label"], row["count"]) for row in rows] == [("ci", "web-01", 3)]
    assert sorted(row["id"] for row in rows[0]["incidents"]) == sorted(i.pk for i in incidents)
