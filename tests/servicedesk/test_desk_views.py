"""The agent console's pages: who may open them, what they show, what their forms do."""

import re
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from itops.choices import Role
from itops.models import User
from servicedesk import services
from servicedesk.choices import TicketState
from servicedesk.models import SavedFilter, Ticket
from tests.factories import make_team, make_user
from tests.factories.servicedesk import (
    make_affected_ci,
    make_catalog_item,
    make_incident,
    make_problem,
    make_request,
    make_task_template,
    order_item,
)

pytestmark = pytest.mark.django_db

GET_URLS = [
    "/desk/",
    "/desk/?queue=open",
    "/desk/new/",
    "/desk/search/?q=printer",
    "/desk/problems/candidates/",
    "/desk/known-errors/",
    "/desk/tasks/",
    "/desk/priority/?impact=1&urgency=1",
    "/desk/tickets/{number}/",
]
POST_URLS = [
    "/desk/bulk/",
    "/desk/filters/",
    "/desk/new/",
    "/desk/problems/candidates/",
    "/desk/tickets/{number}/edit/",
    "/desk/tickets/{number}/comment/",
    "/desk/tickets/{number}/attach/",
    "/desk/tickets/{number}/take/",
    "/desk/tickets/{number}/state/resolve/",
    "/desk/tickets/{number}/problem/create/",
    "/desk/tickets/{number}/parent/",
    "/desk/tickets/{number}/links/",
    "/desk/tickets/{number}/watchers/me/",
    "/desk/tickets/{number}/analysis/",
    "/desk/tickets/{number}/known-error/",
]


@pytest.fixture
def team(agent):
    return make_team("Service Desk", members=[agent])


@pytest.fixture
def desk(client, agent):
    client.force_login(agent)
    return client


def page_text(response) -> str:
    html = response.content.decode()
    html = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


# --- who may use the console -------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["requester", "outsider"])
def test_end_users_and_people_without_a_role_get_403_on_every_desk_url(persona, request, client):
    user = request.getfixturevalue(persona)
    ticket = make_incident(caller=request.getfixturevalue("requester"))
    client.force_login(user)
    for url in GET_URLS:
        assert client.get(url.format(number=ticket.number)).status_code == 403, url
    for url in POST_URLS:
        assert client.post(url.format(number=ticket.number), {}).status_code == 403, url
    assert Ticket.objects.get(pk=ticket.pk).state == TicketState.NEW
    assert not SavedFilter.objects.exists()


def test_signed_out_visitors_are_sent_to_sign_in(client, requester):
    ticket = make_incident(caller=requester)
    for url in GET_URLS:
        response = client.get(url.format(number=ticket.number))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
    response = client.post(f"/desk/tickets/{ticket.number}/take/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_ticket_numbers_that_do_not_exist_are_404(desk):
    for url in ("/desk/tickets/INC0099999/", "/desk/tickets/PRB0099999/"):
        assert desk.get(url).status_code == 404
    assert desk.post("/desk/tickets/INC0099999/take/").status_code == 404
    assert desk.get("/desk/tickets/12/").status_code == 404  # ids are not page addresses


def test_agents_see_nothing_the_visibility_selector_hides(desk, agent, requester, monkeypatch):
    shown = make_incident(caller=requester, short_description="Printer jam on floor 2")
    hidden = make_incident(caller=requester, short_description="Printer smoke in the lab")
    from servicedesk.selectors import tickets as ticket_selectors

    real_scope = ticket_selectors.visible_tickets

    def scope_without_hidden(user):
        return real_scope(user).exclude(pk=hidden.pk)

    monkeypatch.setattr(ticket_selectors, "visible_tickets", scope_without_hidden)

    queue = page_text(desk.get("/desk/?queue=all"))
    assert shown.number in queue and hidden.number not in queue
    assert desk.get(f"/desk/tickets/{hidden.number}/").status_code == 404
    assert desk.post(f"/desk/tickets/{hidden.number}/take/").status_code == 404
    search = page_text(desk.get("/desk/search/?q=printer"))
    assert shown.number in search and hidden.number not in search
    desk.post("/desk/bulk/", {"tickets": [hidden.pk], "action": "state", "state": "cancelled"})
    assert Ticket.objects.get(pk=hidden.pk).state == TicketState.NEW


# --- queues --------------------------------------------------------------------------------------


def test_queues_show_mine_my_groups_and_unassigned_with_counts(desk, agent, requester, team):
    other_team = make_team("Network")
    mine = make_incident(caller=requester, assignment_group=team, assignee=agent)
    in_group = make_incident(caller=requester, assignment_group=team)
    elsewhere = make_incident(caller=requester, assignment_group=other_team)
    done = make_incident(caller=requester, assignment_group=team, assignee=agent)
    services.resolve_ticket(
        ticket=done, resolution_code="solved_permanently", resolution_notes="ok", by=agent
    )

    def numbers(queue):
        response = desk.get(f"/desk/?queue={queue}")
        assert response.status_code == 200
        return set(re.findall(r'data-ticket="([A-Z]+\d+)"', response.content.decode()))

    assert numbers("mine") == {mine.number}
    assert numbers("groups") == {mine.number, in_group.number}
    assert numbers("unassigned_mine") == {in_group.number}
    assert numbers("unassigned") == {in_group.number, elsewhere.number}
    assert numbers("open") == {mine.number, in_group.number, elsewhere.number}
    assert done.number in numbers("all")
    html = desk.get("/desk/").content.decode()
    assert re.search(r'data-testid="count-mine">1<', html)
    assert re.search(r'data-testid="count-unassigned">2<', html)


def test_queue_filters_sort_and_search(desk, requester, agent, team):
    router = make_affected_ci("core-router")
    high = make_incident(
        caller=requester,
        impact=1,
        urgency=1,
        configuration_item=router,
        short_description="WAN down",
    )
    low = make_incident(caller=requester, short_description="Toner empty", assignment_group=team)
    request = make_request(caller=requester, short_description="New toner please")

    def numbers(query):
        html = desk.get(f"/desk/?queue=all&{query}").content.decode()
        return re.findall(r'data-ticket="([A-Z]+\d+)"', html)

    assert numbers("priority=1") == [high.number]
    assert numbers(f"ci={router.pk}") == [high.number]
    assert numbers(f"assignment_group={team.pk}") == [low.number]
    assert numbers("kind=request") == [request.number]
    assert set(numbers("q=toner")) == {low.number, request.number}
    assert numbers("kind=incident&sort=priority") == [high.number, low.number]
    assert numbers("kind=incident&sort=-priority") == [low.number, high.number]
    assert numbers("sort=number") == sorted([high.number, low.number, request.number])
    bad = desk.get("/desk/?queue=all&priority=9")
    assert bad.status_code == 400 and "Bad filter: priority" in page_text(bad)
    assert desk.get("/desk/?queue=nonsense").status_code == 404


def test_queue_pages_with_keyset_cursors_forward_and_back(desk, requester, monkeypatch):
    from servicedesk.desk import queues

    monkeypatch.setattr(queues, "PAGE_SIZE", 2)
    tickets = [make_incident(caller=requester) for _ in range(5)]
    expected = [ticket.number for ticket in sorted(tickets, key=lambda t: t.number)]

    seen, url, pages = [], "/desk/?queue=all&sort=number", []
    while url:
        html = desk.get(url).content.decode()
        page = re.findall(r'data-ticket="([A-Z]+\d+)"', html)
        pages.append((url, page))
        seen += page
        found = re.search(r'href="(\?[^"]*after=[^"]+)"', html)
        url = "/desk/" + found.group(1).replace("&amp;", "&") if found else None
    assert seen == expected and [len(page) for _, page in pages] == [2, 2, 1]

    last_html = desk.get(pages[-1][0]).content.decode()
    previous = re.search(r'href="(\?[^"]*before=[^"]+)"', last_html).group(1).replace("&amp;", "&")
    back = re.findall(r'data-ticket="([A-Z]+\d+)"', desk.get("/desk/" + previous).content.decode())
    assert back == pages[1][1]
    broken = desk.get("/desk/?queue=all&sort=number&after=not-a-cursor")
    assert broken.status_code == 400 and "no longer valid" in page_text(broken)


def test_counts_stop_at_the_cap(requester, agent, monkeypatch):
    from servicedesk.desk import queues

    for _ in range(4):
        make_incident(caller=requester)
    tickets = queues.queue_tickets(user=agent, queue="open", filters={}, team_ids=[])
    assert queues.capped_count(tickets, cap=3) == (3, False)
    assert queues.capped_count(tickets, cap=10) == (4, True)


# --- bulk actions ---------------------------------------------------------------------------------


def test_bulk_assign_applies_to_every_selected_ticket(desk, agent, requester, team):
    first, second = make_incident(caller=requester), make_incident(caller=requester)
    response = desk.post(
        "/desk/bulk/",
        {
            "tickets": [first.pk, second.pk],
            "action": "assign",
            "assignment_group": team.pk,
            "assignee": agent.pk,
            "next": "/desk/?queue=open",
        },
        follow=True,
    )
    assert "Updated 2 ticket(s)" in page_text(response)
    for ticket in (first, second):
        ticket.refresh_from_db()
        assert (ticket.assignment_group_id, ticket.assignee_id) == (team.pk, agent.pk)


def test_bulk_state_change_reports_each_refusal_and_applies_the_rest(desk, agent, requester):
    movable = make_incident(caller=requester)
    closed = make_incident(caller=requester)
    services.cancel_ticket(ticket=closed, by=agent)
    response = desk.post(
        "/desk/bulk/",
        {
            "tickets": [movable.pk, closed.pk],
            "action": "state",
            "state": "on_hold",
            "on_hold_reason": "awaiting_vendor",
        },
        follow=True,
    )
    text = page_text(response)
    assert f"Updated 1 ticket(s): {movable.number}" in text
    assert f"{closed.number}: {closed.number} (incident) cannot move from cancelled" in text
    assert Ticket.objects.get(pk=movable.pk).state == TicketState.ON_HOLD


def test_bulk_all_or_nothing_changes_nothing_when_one_ticket_refuses(desk, agent, requester):
    movable = make_incident(caller=requester)
    missing_reason = make_incident(caller=requester)
    services.cancel_ticket(ticket=missing_reason, by=agent)
    response = desk.post(
        "/desk/bulk/",
        {
            "tickets": [movable.pk, missing_reason.pk],
            "action": "state",
            "state": "resolved",
            "resolution_code": "solved_permanently",
            "resolution_notes": "Fixed",
            "all_or_nothing": "on",
        },
        follow=True,
    )
    text = page_text(response)
    assert "Nothing was changed: 1 ticket(s) refused" in text
    assert missing_reason.number in text
    assert Ticket.objects.get(pk=movable.pk).state == TicketState.NEW


def test_bulk_resolve_without_notes_names_the_missing_field(desk, requester):
    ticket = make_incident(caller=requester)
    response = desk.post(
        "/desk/bulk/",
        {"tickets": [ticket.pk], "action": "state", "state": "resolved"},
        follow=True,
    )
    assert "Resolving needs a resolution code" in page_text(response)
    assert Ticket.objects.get(pk=ticket.pk).state == TicketState.NEW


# --- saved filters --------------------------------------------------------------------------------


def test_saving_a_filter_lists_it_shares_it_and_only_the_owner_deletes_it(
    desk, agent, client, team
):
    response = desk.post(
        "/desk/filters/",
        {"name": "P1 network", "query": "queue=open&priority=1&after=xyz", "is_shared": "on"},
        follow=True,
    )
    saved = SavedFilter.objects.get(owner=agent)
    assert saved.query == "priority=1&queue=open"
    assert "Saved filter 'P1 network'" in page_text(response)
    again = desk.post("/desk/filters/", {"name": "p1 NETWORK", "query": ""}, follow=True)
    assert "already have a filter named" in page_text(again)

    colleague = make_user("bea", role=Role.AGENT)
    client.force_login(colleague)
    assert "P1 network" in page_text(client.get("/desk/"))
    assert client.post(f"/desk/filters/{saved.pk}/delete/").status_code == 403
    assert SavedFilter.objects.filter(pk=saved.pk).exists()
    client.force_login(agent)
    client.post(f"/desk/filters/{saved.pk}/delete/")
    assert not SavedFilter.objects.exists()


# --- the ticket page ------------------------------------------------------------------------------


def test_ticket_page_shows_fields_timeline_and_only_allowed_transitions(desk, agent, requester):
    ticket = make_incident(caller=requester, short_description="VPN drops every hour")
    services.add_work_note(ticket=ticket, author=agent, body="Checked the concentrator")
    html = desk.get(f"/desk/tickets/{ticket.number}/").content.decode()
    text = page_text(html_response := desk.get(f"/desk/tickets/{ticket.number.lower()}/"))
    assert html_response.status_code == 200
    assert "VPN drops every hour" in text and "Checked the concentrator" in text
    assert "Assign to me" in text
    for verb in ("start", "hold", "resolve", "cancel"):
        assert f"/state/{verb}/" in html
    for verb in ("reopen", "close"):
        assert f"/state/{verb}/" not in html


def test_assign_to_me_comment_work_note_and_resolve(desk, agent, requester, team):
    ticket = make_incident(caller=requester, assignment_group=team)
    url = f"/desk/tickets/{ticket.number}/"
    desk.post(url + "take/")
    ticket.refresh_from_db()
    assert (ticket.assignee_id, ticket.assignment_group_id) == (agent.pk, team.pk)

    desk.post(url + "comment/", {"body": "Internal: rebooted", "internal": "1"})
    desk.post(url + "comment/", {"body": "We are on it", "internal": "0"})
    notes = {(c.body, c.is_internal) for c in ticket.comments.all()}
    assert notes == {("Internal: rebooted", True), ("We are on it", False)}

    refused = desk.post(url + "state/resolve/", {"resolution_code": "solved_permanently"})
    assert refused.status_code == 400
    assert "Resolution notes" in page_text(refused)
    assert Ticket.objects.get(pk=ticket.pk).state == TicketState.NEW

    done = desk.post(
        url + "state/resolve/",
        {"resolution_code": "solved_permanently", "resolution_notes": "Replaced the cable"},
        follow=True,
    )
    assert f"{ticket.number} is resolved" in page_text(done)
    assert Ticket.objects.get(pk=ticket.pk).state == TicketState.RESOLVED


def test_on_hold_needs_a_reason_and_illegal_moves_are_refused(desk, agent, requester):
    ticket = make_incident(caller=requester)
    url = f"/desk/tickets/{ticket.number}/state/"
    assert desk.post(url + "hold/", {"reason": ""}).status_code == 400
    desk.post(url + "hold/", {"reason": "awaiting_vendor"})
    assert Ticket.objects.get(pk=ticket.pk).state == TicketState.ON_HOLD
    refused = desk.post(url + "close/")
    assert refused.status_code == 409
    assert "cannot move from on_hold to closed" in page_text(refused)
    assert desk.post(url + "explode/").status_code == 404


def test_editing_recomputes_priority_and_reassigns(desk, agent, requester, team):
    ticket = make_incident(caller=requester, impact=3, urgency=3)
    data = {
        "short_description": "Mail is slow",
        "description": "Since 9:00",
        "caller": requester.pk,
        "impact": 1,
        "urgency": 2,
        "assignment_group": team.pk,
        "assignee": agent.pk,
        "is_major_incident": "on",
        "source": "phone",
    }
    response = desk.post(f"/desk/tickets/{ticket.number}/edit/", data)
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.short_description, ticket.priority, ticket.is_major_incident) == (
        "Mail is slow",
        2,
        True,
    )
    assert ticket.source == "phone"
    assert ticket.assignee_id == agent.pk
    bad = desk.post(
        f"/desk/tickets/{ticket.number}/edit/", data | {"short_description": "", "impact": 1}
    )
    assert bad.status_code == 400 and "This field is required" in page_text(bad)
    outsider_assignee = make_user("zed", role=Role.AGENT)
    refused = desk.post(
        f"/desk/tickets/{ticket.number}/edit/", data | {"assignee": outsider_assignee.pk}
    )
    assert refused.status_code == 400 and "is not a member of" in page_text(refused)
    assert Ticket.objects.get(pk=ticket.pk).assignee_id == agent.pk


def test_priority_preview_follows_the_matrix(desk):
    assert "P1 - Critical" in desk.get("/desk/priority/?impact=1&urgency=1").content.decode()
    assert "P4 - Low" in desk.get("/desk/priority/?impact=2&urgency=3").content.decode()


def test_attachments_upload_and_bad_files_are_refused(desk, requester):
    ticket = make_incident(caller=requester)
    url = f"/desk/tickets/{ticket.number}/attach/"
    good = SimpleUploadedFile("log.txt", b"line one\nline two\n", content_type="text/plain")
    desk.post(url, {"file": good})
    assert [a.filename for a in ticket.attachments.all()] == ["log.txt"]
    fake = SimpleUploadedFile("photo.png", b"not an image at all", content_type="image/png")
    refused = desk.post(url, {"file": fake})
    assert refused.status_code == 400 and "is not a png file" in page_text(refused)


def test_problem_link_create_and_known_error_hint(desk, agent, requester):
    incident = make_incident(caller=requester, short_description="Disk full on db-01")
    problem = make_problem(by=agent, workaround="Rotate the logs", short_description="Logs fill")
    services.mark_known_error(problem=problem, by=agent)
    url = f"/desk/tickets/{incident.number}/"
    missing = desk.post(url + "problem/link/", {"number": "PRB0099999"})
    assert missing.status_code == 400 and "There is no problem PRB0099999" in page_text(missing)
    desk.post(url + "problem/link/", {"number": problem.number})
    assert Ticket.objects.get(pk=incident.pk).problem_id == problem.pk
    text = page_text(desk.get(url))
    assert "Known error" in text and "Rotate the logs" in text

    other = make_incident(caller=requester)
    response = desk.post(f"/desk/tickets/{other.number}/problem/create/")
    created = Ticket.objects.get(pk=other.pk).problem
    assert created is not None and response["Location"].endswith(f"/{created.number}/")


def test_looks_like_a_problem_hint_opens_one_problem_for_the_group(desk, requester):
    ci = make_affected_ci("mail-01")
    incidents = [make_incident(caller=requester, configuration_item=ci) for _ in range(3)]
    text = page_text(desk.get(f"/desk/tickets/{incidents[0].number}/"))
    assert "This looks like a problem: 3 incidents on mail-01" in text
    desk.post(
        "/desk/problems/candidates/",
        {"incidents": [i.pk for i in incidents], "short_description": "Mail keeps failing"},
    )
    problems = {Ticket.objects.get(pk=i.pk).problem.short_description for i in incidents}
    assert problems == {"Mail keeps failing"}


def test_parent_child_watchers_and_change_links(desk, agent, requester):
    parent = make_incident(caller=requester)
    child = make_incident(caller=requester)
    desk.post(f"/desk/tickets/{child.number}/parent/", {"number": parent.number})
    assert Ticket.objects.get(pk=child.pk).parent_id == parent.pk
    assert child.number in page_text(desk.get(f"/desk/tickets/{parent.number}/"))
    desk.post(f"/desk/tickets/{child.number}/parent/", {"number": ""})
    assert Ticket.objects.get(pk=child.pk).parent_id is None

    desk.post(f"/desk/tickets/{child.number}/watchers/add/", {"user": requester.pk})
    assert list(child.watchers.all()) == [requester]
    desk.post(f"/desk/tickets/{child.number}/watchers/remove/", {"user": requester.pk})
    assert not child.watchers.exists()

    refused = desk.post(f"/desk/tickets/{child.number}/links/", {"number": "CHG0001001"})
    assert refused.status_code == 400 and "No app here keeps records numbered CHG" in page_text(
        refused
    )


def test_change_links_resolve_through_a_registered_resolver(desk, agent, requester):
    from servicedesk.desk import services as desk_services

    ci = make_affected_ci("app-01")
    desk_services.register_link_resolver(
        "CHG", "change", lambda number: ci if number == "CHG0001001" else None
    )
    try:
        ticket = make_incident(caller=requester)
        desk.post(f"/desk/tickets/{ticket.number}/links/", {"number": "chg0001001"})
        assert ticket.links.get().object_id == ci.pk
        unknown = desk.post(f"/desk/tickets/{ticket.number}/links/", {"number": "CHG0001002"})
        assert "There is no change CHG0001002" in page_text(unknown)
    finally:
        desk_services._LINK_RESOLVERS.pop("CHG", None)


def test_problem_page_analysis_known_error_and_resolving_its_incidents(desk, agent, requester):
    problem = make_problem(by=agent)
    incidents = [make_incident(caller=requester) for _ in range(2)]
    services.link_incidents_to_problem(incidents=incidents, problem=problem, by=agent)
    url = f"/desk/tickets/{problem.number}/"
    text = page_text(desk.get(url))
    assert all(incident.number in text for incident in incidents)
    refused = desk.post(url + "known-error/", {"known_error": "1"})
    assert refused.status_code == 400
    desk.post(url + "analysis/", {"root_cause": "Bad firmware", "workaround": "Reboot"})
    desk.post(url + "known-error/", {"known_error": "1"})
    assert Ticket.objects.get(pk=problem.pk).is_known_error
    assert problem.number in page_text(desk.get("/desk/known-errors/"))
    services.start_ticket(ticket=problem, by=agent)
    response = desk.post(
        url + "state/resolve/",
        {
            "resolution_code": "fix_applied",
            "resolution_notes": "Firmware 2.1",
            "resolve_incidents": "on",
        },
        follow=True,
    )
    assert "Resolved incidents" in page_text(response)
    states = {Ticket.objects.get(pk=i.pk).state for i in incidents}
    assert states == {TicketState.RESOLVED}


def test_request_page_shows_answers_approvals_and_task_actions(desk, agent, requester, team):
    item = make_catalog_item(
        name="Laptop",
        form_definition=[{"name": "model", "label": "Model", "type": "text", "required": True}],
        fulfilment_group=team,
    )
    make_task_template(item, team=team, title="Image the laptop")
    request = order_item(item, requester=requester, answers={"model": "X1"})
    text = page_text(desk.get(f"/desk/tickets/{request.number}/"))
    assert "Model" in text and "X1" in text and "Image the laptop" in text
    task = request.fulfilment_tasks.get()
    desk.post(f"/desk/tasks/{task.pk}/complete/", {"note": "Imaged"})
    task.refresh_from_db()
    assert task.state == "done"
    assert Ticket.objects.get(pk=request.pk).state == TicketState.RESOLVED


def test_fulfilment_tasks_queue_shows_my_teams_tasks(desk, agent, requester, team):
    other = make_team("Facilities")
    item = make_catalog_item(name="Desk move", fulfilment_group=team)
    make_task_template(item, team=team, title="Move the desk")
    make_task_template(item, team=other, title="Move the phone")
    order_item(item, requester=requester)
    text = page_text(desk.get("/desk/tasks/"))
    assert "Move the desk" in text and "Move the phone" not in text
    assert "Move the phone" in page_text(desk.get("/desk/tasks/?scope=all"))


def test_new_incident_on_behalf_of_a_caller(desk, agent, requester):
    missing = desk.post("/desk/new/", {"short_description": "No caller", "impact": 3, "urgency": 3})
    assert missing.status_code == 400 and "This field is required" in page_text(missing)
    response = desk.post(
        "/desk/new/",
        {
            "caller": requester.pk,
            "source": "phone",
            "short_description": "Screen flickers",
            "impact": 2,
            "urgency": 2,
        },
    )
    ticket = Ticket.objects.get(short_description="Screen flickers")
    assert response["Location"] == f"/desk/tickets/{ticket.number}/"
    assert (ticket.caller_id, ticket.opened_by_id, ticket.source, ticket.priority) == (
        requester.pk,
        agent.pk,
        "phone",
        3,
    )


def test_search_finds_tickets_cis_and_articles_and_jumps_to_an_exact_number(desk, requester):
    ticket = make_incident(caller=requester, short_description="Payroll export fails")
    make_affected_ci("payroll-app")
    text = page_text(desk.get("/desk/search/?q=payroll"))
    assert ticket.number in text and "payroll-app" in text
    jump = desk.get(f"/desk/search/?q={ticket.number.lower()}")
    assert jump.status_code == 302 and jump["Location"] == f"/desk/tickets/{ticket.number}/"


def test_the_demo_seeder_adds_shared_saved_filters_once(client):
    from itops.demo import seed_people
    from servicedesk.desk.demo import DEMO_FILTERS, seed_desk

    seed_people()
    seed_desk()
    seed_desk()
    assert SavedFilter.objects.filter(is_shared=True).count() == len(DEMO_FILTERS)
    client.force_login(User.objects.get(username="agent"))
    assert "Open P1 and P2 incidents" in page_text(client.get("/desk/"))


def test_an_agent_who_is_the_approver_decides_on_the_request_page(desk, agent, team):
    employee = make_user("emil", role=Role.END_USER, manager=agent)
    item = make_catalog_item(name="Monitor", approval="manager", fulfilment_group=team)
    make_task_template(item, team=team, title="Deliver the monitor")
    request = order_item(item, requester=employee)
    approval = request.approvals.get()
    url = f"/desk/tickets/{request.number}/"
    assert 'data-testid="my-approval"' in desk.get(url).content.decode()
    refused = desk.post(url + f"approvals/{approval.pk}/", {"decision": "reject"})
    assert refused.status_code == 400 and "comment" in page_text(refused).lower()
    desk.post(url + f"approvals/{approval.pk}/", {"decision": "approve"})
    approval.refresh_from_db()
    assert approval.state == "approved"
    assert Ticket.objects.get(pk=request.pk).state == TicketState.IN_PROGRESS


def test_someone_elses_approval_cannot_be_decided_from_the_desk(desk, agent, requester, team):
    boss = make_user("boss", role=Role.END_USER)
    employee = make_user("emil", role=Role.END_USER, manager=boss)
    item = make_catalog_item(name="Monitor", approval="manager", fulfilment_group=team)
    request = order_item(item, requester=employee)
    approval = request.approvals.get()
    response = desk.post(
        f"/desk/tickets/{request.number}/approvals/{approval.pk}/", {"decision": "approve"}
    )
    assert response.status_code == 404
    approval.refresh_from_db()
    assert approval.state == "pending"


def test_linking_an_incident_from_the_problem_page(desk, agent, requester):
    problem = make_problem(by=agent)
    incident = make_incident(caller=requester)
    url = f"/desk/tickets/{problem.number}/incidents/"
    missing = desk.post(url, {"number": "INC0099999"})
    assert missing.status_code == 400 and "There is no incident INC0099999" in page_text(missing)
    desk.post(url, {"number": incident.number.lower()})
    assert Ticket.objects.get(pk=incident.pk).problem_id == problem.pk
    not_a_problem = desk.post(f"/desk/tickets/{incident.number}/incidents/", {"number": "x"})
    assert not_a_problem.status_code == 404


def test_a_queue_page_costs_the_same_queries_for_two_tickets_or_twenty(desk, requester, team):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert desk.get("/desk/?queue=all").status_code == 200
        return len(captured.captured_queries)

    for _ in range(2):
        make_incident(caller=requester, assignment_group=team)
    few = queries()
    for _ in range(18):
        make_incident(caller=requester, assignment_group=team)
    assert queries() == few
