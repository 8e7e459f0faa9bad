import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from servicedesk import services
from servicedesk.models import Comment, Ticket
from tests.factories.servicedesk import (
    make_affected_ci,
    make_category,
    make_incident,
    make_problem,
    make_request,
)

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


# --- end users --------------------------------------------------------------------------------


def test_end_user_opens_an_incident_as_themselves_from_the_portal(
    requester, other_requester, api_for
):
    response = api_for(requester).post(
        "/api/v1/incidents/",
        {"short_description": "Laptop will not boot", "urgency": 2, "caller": other_requester.pk},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"caller": ["Only service desk staff may set this."]}

    response = api_for(requester).post(
        "/api/v1/incidents/",
        {"short_description": "Laptop will not boot", "urgency": 2},
        format="json",
    )

    body = response.json()
    assert response.status_code == 201
    assert body["number"] == "INC0001001"
    assert body["caller"]["username"] == requester.username
    assert (body["source"], body["state"], body["priority"]) == ("portal", "new", 4)


def test_end_user_cannot_set_agent_fields_when_opening(requester, api_for, service_desk_team):
    response = api_for(requester).post(
        "/api/v1/incidents/",
        {"short_description": "x", "assignment_group": service_desk_team.pk, "impact": 1},
        format="json",
    )

    assert response.status_code == 400
    assert set(response.json()) == {"assignment_group", "impact"}
    assert not Ticket.objects.exists()


def test_end_user_opens_a_request_for_a_catalog_item(requester, api_for, service_desk_team):
    from tests.factories.servicedesk import make_catalog_item

    item = make_catalog_item(name="New laptop", fulfilment_group=service_desk_team)

    response = api_for(requester).post(
        "/api/v1/requests/",
        {
            "short_description": "Laptop for new hire",
            "catalog_item": item.pk,
            "request_answers": {"model": "14 inch"},
        },
        format="json",
    )

    body = response.json()
    assert response.status_code == 201, body
    assert body["number"] == "REQ0001001"
    assert body["catalog_item"] == {"id": item.pk, "name": "New laptop"}
    assert body["assignment_group"]["name"] == service_desk_team.name
    assert body["request_answers"] == {"model": "14 inch"}


def test_end_user_cannot_open_problems(requester, api_for):
    response = api_for(requester).post(
        "/api/v1/problems/", {"short_description": "x"}, format="json"
    )

    assert response.status_code == 403


def test_people_without_a_role_get_nothing(outsider, api_for):
    assert api_for(outsider).get("/api/v1/incidents/").status_code == 403


def test_end_user_lists_and_reads_only_their_own_tickets(requester, other_requester, api_for):
    own = make_incident(caller=requester)
    foreign = make_incident(caller=other_requester)
    client = api_for(requester)

    listed = client.get("/api/v1/incidents/").json()
    assert [row["number"] for row in listed["results"]] == [own.number]
    assert listed["count"] == 1
    assert client.get(f"/api/v1/incidents/{own.pk}/").status_code == 200
    for key in (foreign.pk, foreign.number):
        response = client.get(f"/api/v1/incidents/{key}/")
        assert response.status_code == 404
        assert set(response.json()) == {"detail"}


@pytest.mark.parametrize(
    ("method", "suffix", "payload"),
    [
        ("get", "comments/", None),
        ("post", "comments/", {"body": "me too"}),
        ("get", "attachments/", None),
        ("get", "timeline/", None),
        ("patch", "", {"description": "mine now"}),
        ("post", "reopen/", {"reason": "x"}),
        ("post", "watchers/", {"user": 0}),
    ],
)
def test_guessing_another_users_ticket_id_answers_404(
    requester, other_requester, api_for, method, suffix, payload
):
    foreign = make_incident(caller=other_requester)

    response = getattr(api_for(requester), method)(
        f"/api/v1/incidents/{foreign.pk}/{suffix}", payload, format="json"
    )

    assert response.status_code == 404
    assert not Comment.objects.exists()


def test_end_user_cannot_attach_to_another_users_ticket(requester, other_requester, api_for):
    foreign = make_incident(caller=other_requester)

    response = api_for(requester).post(
        f"/api/v1/incidents/{foreign.pk}/attachments/",
        {"file": SimpleUploadedFile("a.png", PNG)},
        format="multipart",
    )

    assert response.status_code == 404
    assert not foreign.attachments.exists()


def test_work_notes_never_reach_end_users(requester, agent, api_for):
    incident = make_incident(caller=requester, short_description="Slow laptop")
    services.add_comment(ticket=incident, author=agent, body="Looks like malware", internal=True)
    services.add_comment(ticket=incident, author=agent, body="Working on it")
    client = api_for(requester)

    comments = client.get(f"/api/v1/incidents/{incident.pk}/comments/").json()
    timeline = client.get(f"/api/v1/incidents/{incident.pk}/timeline/").json()
    detail = client.get(f"/api/v1/incidents/{incident.pk}/").json()
    search = client.get("/api/v1/incidents/", {"q": "malware"}).json()
    staff_comments = api_for(agent).get(f"/api/v1/incidents/{incident.pk}/comments/").json()

    assert [c["body"] for c in comments] == ["Working on it"]
    assert "malware" not in str(timeline) + str(detail)
    assert search["count"] == 0
    assert [c["internal"] for c in staff_comments] == [True, False]


def test_end_user_cannot_write_work_notes(requester, api_for):
    incident = make_incident(caller=requester)

    response = api_for(requester).post(
        f"/api/v1/incidents/{incident.pk}/comments/",
        {"body": "psst", "internal": True},
        format="json",
    )

    assert response.status_code == 403
    assert not Comment.objects.exists()


def test_end_user_comments_publicly_and_renders_markdown_safely(requester, api_for):
    incident = make_incident(caller=requester)

    response = api_for(requester).post(
        f"/api/v1/incidents/{incident.pk}/comments/",
        {"body": "**Still** broken <script>alert(1)</script>"},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["body_html"] == "<p><strong>Still</strong> broken </p>"


def test_end_user_cannot_patch_state_or_assignment(requester, api_for, service_desk_team):
    incident = make_incident(caller=requester)
    client = api_for(requester)

    state = client.patch(f"/api/v1/incidents/{incident.pk}/", {"state": "closed"}, format="json")
    group = client.patch(
        f"/api/v1/incidents/{incident.pk}/",
        {"assignment_group": service_desk_team.pk},
        format="json",
    )
    own_text = client.patch(
        f"/api/v1/incidents/{incident.pk}/", {"description": "More detail"}, format="json"
    )

    assert state.status_code == 400 and "state" in state.json()
    assert group.status_code == 400 and "assignment_group" in group.json()
    assert own_text.status_code == 200
    assert Ticket.objects.get(pk=incident.pk).state == "new"


def test_end_user_cannot_use_agent_actions(requester, api_for):
    incident = make_incident(caller=requester)

    response = api_for(requester).post(
        f"/api/v1/incidents/{incident.pk}/resolve/",
        {"resolution_code": "solved_permanently", "resolution_notes": "I fixed it"},
        format="json",
    )

    assert response.status_code == 403
    assert Ticket.objects.get(pk=incident.pk).state == "new"


def test_caller_reopens_and_closes_their_resolved_ticket(requester, agent, api_for):
    first, second = make_incident(caller=requester), make_incident(caller=requester)
    for ticket in (first, second):
        services.resolve_ticket(
            ticket=ticket, resolution_code="solved_permanently", resolution_notes="ok", by=agent
        )
    client = api_for(requester)

    detail = client.get(f"/api/v1/incidents/{first.pk}/").json()
    reopened = client.post(
        f"/api/v1/incidents/{first.pk}/reopen/", {"reason": "Still broken"}, format="json"
    )
    closed = client.post(f"/api/v1/incidents/{second.pk}/close/", {}, format="json")

    assert detail["actions"] == ["reopen", "close"] and detail["reopen_until"]
    assert reopened.status_code == 200 and reopened.json()["state"] == "in_progress"
    assert closed.status_code == 200 and closed.json()["state"] == "closed"


def test_history_is_for_staff(requester, agent, api_for):
    incident = make_incident(caller=requester)

    assert api_for(requester).get(f"/api/v1/incidents/{incident.pk}/history/").status_code == 403
    history = api_for(agent).get(f"/api/v1/incidents/{incident.pk}/history/")
    assert history.status_code == 200
    assert history.json()[0]["action"] == "create"


# --- agents -----------------------------------------------------------------------------------


def test_agent_works_an_incident_through_its_actions(requester, agent, api_for, service_desk_team):
    incident = make_incident(caller=requester)
    client = api_for(agent)
    url = f"/api/v1/incidents/{incident.number}"

    steps = [
        client.post(
            f"{url}/assign/",
            {"assignment_group": service_desk_team.pk, "assignee": agent.pk},
            format="json",
        ),
        client.post(f"{url}/start/", {}, format="json"),
        client.post(
            f"{url}/hold/", {"reason": "awaiting_vendor", "comment": "Asked Dell"}, format="json"
        ),
        client.post(f"{url}/start/", {}, format="json"),
        client.post(
            f"{url}/resolve/",
            {"resolution_code": "solved_permanently", "resolution_notes": "New disk"},
            format="json",
        ),
        client.post(f"{url}/close/", {}, format="json"),
    ]

    assert [step.status_code for step in steps] == [200] * 6
    assert [step.json()["state"] for step in steps] == [
        "new",
        "in_progress",
        "on_hold",
        "in_progress",
        "resolved",
        "closed",
    ]
    assert steps[0].json()["assignee"]["username"] == agent.username


def test_an_illegal_move_answers_409_naming_current_and_allowed_states(requester, agent, api_for):
    incident = make_incident(caller=requester)

    response = api_for(agent).post(f"/api/v1/incidents/{incident.pk}/close/", {}, format="json")

    body = response.json()
    assert response.status_code == 409
    assert body["code"] == "invalid_transition"
    assert body["current_state"] == "new"
    assert body["allowed_states"] == ["cancelled", "in_progress", "on_hold", "resolved"]
    assert "new" in body["detail"] and "in_progress" in body["detail"]


@pytest.mark.parametrize(
    ("suffix", "payload", "field"),
    [
        ("hold/", {}, "reason"),
        ("hold/", {"reason": "bored"}, "reason"),
        ("resolve/", {"resolution_code": "fulfilled", "resolution_notes": "x"}, "resolution_code"),
        ("resolve/", {"resolution_code": "duplicate"}, "resolution_notes"),
        ("assign/", {"assignment_group": 999999}, "assignment_group"),
        ("start/", {"force": True}, "force"),
    ],
)
def test_bad_action_payloads_answer_400_naming_the_field(
    requester, agent, api_for, suffix, payload, field
):
    incident = make_incident(caller=requester)

    response = api_for(agent).post(
        f"/api/v1/incidents/{incident.pk}/{suffix}", payload, format="json"
    )

    assert response.status_code == 400
    body = response.json()
    assert field in body or body.get("field") == field
    assert Ticket.objects.get(pk=incident.pk).state == "new"


def test_assignee_outside_the_group_is_refused(
    requester, agent, ops_engineer, api_for, service_desk_team
):
    incident = make_incident(caller=requester)

    response = api_for(agent).post(
        f"/api/v1/incidents/{incident.pk}/assign/",
        {"assignment_group": service_desk_team.pk, "assignee": ops_engineer.pk},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["field"] == "assignee"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "short_description"),
        ({"short_description": "x", "impact": 7}, "impact"),
        ({"short_description": "x", "category": 999999}, "category"),
        ({"short_description": "x", "colour": "red"}, "colour"),
        ({"short_description": "x", "state": "closed"}, "state"),
        ({"short_description": "x" * 201}, "short_description"),
        ({"short_description": "x", "root_cause": "y"}, "root_cause"),
    ],
)
def test_bad_create_payloads_answer_400_and_save_nothing(agent, api_for, payload, field):
    response = api_for(agent).post("/api/v1/incidents/", payload, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not Ticket.objects.exists()


def test_a_subcategory_of_another_category_is_refused_without_using_a_number(agent, api_for):
    hardware, software = make_category("Hardware"), make_category("Software")
    laptop = make_category("Laptop", parent=hardware)

    refused = api_for(agent).post(
        "/api/v1/incidents/",
        {"short_description": "x", "category": software.pk, "subcategory": laptop.pk},
        format="json",
    )
    accepted = api_for(agent).post(
        "/api/v1/incidents/",
        {"short_description": "x", "category": hardware.pk, "subcategory": laptop.pk},
        format="json",
    )

    assert refused.status_code == 400 and refused.json()["field"] == "subcategory"
    assert accepted.json()["number"] == "INC0001001"


def test_non_json_and_non_object_bodies_answer_400(agent, api_for):
    client = api_for(agent)

    broken = client.post("/api/v1/incidents/", "{not json", content_type="application/json")
    listed = client.post("/api/v1/incidents/", [1, 2], format="json")

    assert broken.status_code == 400
    assert listed.status_code == 400


def test_unknown_ids_answer_404_json(agent, api_for):
    client = api_for(agent)

    for url in (
        "/api/v1/incidents/999999/",
        "/api/v1/incidents/INC9999999/",
        "/api/v1/attachments/999999/",
        "/api/v1/problems/999999/resolve/",
    ):
        response = client.get(url) if "resolve" not in url else client.post(url, {}, format="json")
        assert response.status_code == 404, url
        assert "detail" in response.json()


def test_a_ticket_of_another_kind_is_not_found_under_this_kind(requester, agent, api_for):
    request = make_request(caller=requester)

    assert api_for(agent).get(f"/api/v1/incidents/{request.pk}/").status_code == 404
    assert api_for(agent).get(f"/api/v1/requests/{request.pk}/").status_code == 200
    assert api_for(agent).get(f"/api/v1/tickets/{request.pk}/").status_code == 200


def test_list_filters_search_ordering_and_pagination(requester, agent, api_for, service_desk_team):
    router = make_affected_ci("core-router")
    high = make_incident(caller=requester, impact=1, urgency=1, configuration_item=router)
    low = make_incident(caller=requester, short_description="Printer toner low")
    services.assign_ticket(ticket=low, assignment_group=service_desk_team, assignee=agent, by=agent)
    make_request(caller=requester)
    client = api_for(agent)

    def numbers(**params):
        return [row["number"] for row in client.get("/api/v1/incidents/", params).json()["results"]]

    assert numbers(priority=1) == [high.number]
    assert numbers(ci=router.pk) == [high.number]
    assert numbers(assignee=agent.pk) == [low.number]
    assert numbers(assignment_group=service_desk_team.pk, state="new") == [low.number]
    assert numbers(q="toner") == [low.number]
    assert numbers(ordering="priority") == [high.number, low.number]
    assert numbers(ordering="-priority") == [low.number, high.number]
    page = client.get("/api/v1/tickets/", {"page_size": 2}).json()
    assert (page["count"], len(page["results"])) == (3, 2)
    bad = client.get("/api/v1/incidents/", {"priority": 9})
    assert bad.status_code == 400 and "priority" in bad.json()


def test_a_read_only_token_cannot_write(agent, token_api_for):
    response = token_api_for(agent, "read").post(
        "/api/v1/incidents/", {"short_description": "x"}, format="json"
    )

    assert response.status_code == 403


def test_a_token_opens_an_incident_with_source_api(agent, token_api_for):
    response = token_api_for(agent, "write").post(
        "/api/v1/incidents/", {"short_description": "Disk full on db-1"}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["source"] == "api"


def test_problems_link_incidents_and_record_root_cause(requester, agent, api_for):
    incident = make_incident(caller=requester)
    client = api_for(agent)

    created = client.post(
        "/api/v1/problems/",
        {"short_description": "Recurring DB lockups", "incidents": [incident.pk]},
        format="json",
    )
    problem_id = created.json()["id"]
    client.post(f"/api/v1/problems/{problem_id}/start/", {}, format="json")
    patched = client.patch(
        f"/api/v1/problems/{problem_id}/",
        {"workaround": "Restart the pool", "is_known_error": True},
        format="json",
    )
    resolved = client.post(
        f"/api/v1/problems/{problem_id}/resolve/",
        {
            "resolution_code": "fix_applied",
            "resolution_notes": "Pool resized",
            "root_cause": "Pool too small",
        },
        format="json",
    )

    assert created.status_code == 201
    assert Ticket.objects.get(pk=incident.pk).problem_id == problem_id
    assert patched.json()["is_known_error"] is True
    assert resolved.json()["root_cause"] == "Pool too small"


def test_staff_link_a_ticket_to_another_apps_object(requester, agent, api_for):
    incident = make_incident(caller=requester)
    router = make_affected_ci("edge-router")
    client = api_for(agent)

    created = client.post(
        f"/api/v1/incidents/{incident.pk}/links/",
        {"model": "cmdb.configurationitem", "object_id": router.pk, "link_type": "caused_by"},
        format="json",
    )
    unknown = client.post(
        f"/api/v1/incidents/{incident.pk}/links/",
        {"model": "nope.nothing", "object_id": 1},
        format="json",
    )
    listed = client.get(f"/api/v1/incidents/{incident.pk}/links/").json()
    removed = client.delete(f"/api/v1/incidents/{incident.pk}/links/{created.json()['id']}/")

    assert created.status_code == 201 and created.json()["target"] == "edge-router"
    assert unknown.status_code == 400 and "model" in unknown.json()
    assert [link["link_type"] for link in listed] == ["caused_by"]
    assert removed.status_code == 204
    assert api_for(requester).get(f"/api/v1/incidents/{incident.pk}/links/").status_code == 403


def test_watchers_are_added_and_removed(requester, other_requester, agent, api_for):
    incident = make_incident(caller=requester)

    added = api_for(requester).post(
        f"/api/v1/incidents/{incident.pk}/watchers/", {"user": other_requester.pk}, format="json"
    )
    seen = api_for(other_requester).get(f"/api/v1/incidents/{incident.pk}/")
    removed = api_for(other_requester).delete(
        f"/api/v1/incidents/{incident.pk}/watchers/{other_requester.pk}/"
    )

    assert [w["username"] for w in added.json()["watchers"]] == [other_requester.username]
    assert seen.status_code == 200
    assert removed.status_code == 204
    assert not incident.watchers.exists()
    assert api_for(other_requester).get(f"/api/v1/incidents/{incident.pk}/").status_code == 404


# --- attachments through the API ---------------------------------------------------------------


def test_attachments_upload_list_and_download(requester, api_for):
    incident = make_incident(caller=requester)
    client = api_for(requester)

    uploaded = client.post(
        f"/api/v1/incidents/{incident.pk}/attachments/",
        {"file": SimpleUploadedFile("screen.png", PNG, content_type="image/png")},
        format="multipart",
    )
    listed = client.get(f"/api/v1/incidents/{incident.pk}/attachments/").json()
    download = client.get(uploaded.json()["download_url"])

    assert uploaded.status_code == 201
    assert [a["filename"] for a in listed] == ["screen.png"]
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PNG
    assert "attachment" in download["Content-Disposition"]


def test_attachment_limits_answer_413_and_400(requester, api_for, settings):
    settings.ITOPS_ATTACHMENT_MAX_BYTES = 1024
    incident = make_incident(caller=requester)
    client = api_for(requester)
    url = f"/api/v1/incidents/{incident.pk}/attachments/"

    too_big = client.post(
        url, {"file": SimpleUploadedFile("a.txt", b"a" * 2000)}, format="multipart"
    )
    disguised = client.post(url, {"file": SimpleUploadedFile("a.pdf", PNG)}, format="multipart")
    missing = client.post(url, {}, format="multipart")

    assert too_big.status_code == 413 and too_big.json()["code"] == "too_large"
    assert disguised.status_code == 400 and disguised.json()["field"] == "file"
    assert missing.status_code == 400 and "file" in missing.json()
    assert not incident.attachments.exists()


def test_attachments_on_work_notes_and_other_tickets_stay_hidden(
    requester, other_requester, agent, api_for
):
    incident = make_incident(caller=requester)
    note = services.add_comment(ticket=incident, author=agent, body="log", internal=True)
    hidden = services.add_attachment(
        ticket=incident, upload=SimpleUploadedFile("server.log", b"secret"), by=agent, comment=note
    )
    foreign = make_incident(caller=other_requester)
    theirs = services.add_attachment(
        ticket=foreign, upload=SimpleUploadedFile("x.png", PNG), by=other_requester
    )
    client = api_for(requester)

    assert client.get(f"/api/v1/incidents/{incident.pk}/attachments/").json() == []
    assert client.get(f"/api/v1/attachments/{hidden.pk}/download/").status_code == 404
    assert client.get(f"/api/v1/attachments/{theirs.pk}/").status_code == 404
    assert client.delete(f"/api/v1/attachments/{theirs.pk}/").status_code == 404
    assert api_for(agent).get(f"/api/v1/attachments/{hidden.pk}/download/").status_code == 200


def test_problem_kind_fields_are_refused_on_incidents(requester, agent, api_for):
    incident = make_incident(caller=requester)
    problem = make_problem(by=agent)

    response = api_for(agent).patch(
        f"/api/v1/incidents/{incident.pk}/",
        {"problem": problem.pk, "workaround": "x"},
        format="json",
    )

    assert response.status_code == 400
    assert "workaround" in response.json()
    assert Ticket.objects.get(pk=incident.pk).problem_id is None
