"""The agent console in a real browser against the real ASGI server, Redis channel layer and
the demo service desk."""

import re

import pytest
from playwright.sync_api import expect

from itops.demo import DEMO_PASSWORD, seeders
from itops.models import Team, User
from servicedesk import services
from servicedesk.models import SavedFilter, Ticket

# People, the CMDB estate, the service desk, its catalog process and the knowledge base.
DESK_SEEDERS_BELOW = 40


@pytest.fixture
def demo_desk(transactional_db):
    for _path, seeder in seeders():
        if _order_of(_path) < DESK_SEEDERS_BELOW:
            seeder()
    return {
        "agent": User.objects.get(username="agent"),
        "admin": User.objects.get(username="admin"),
        "enduser": User.objects.get(username="enduser"),
        "service_desk": Team.objects.get(slug="service-desk"),
        "network": Team.objects.get(slug="network"),
    }


def _order_of(path: str) -> int:
    from itops import demo

    return demo._SEEDERS[path]


@pytest.fixture
def sign_in(login):
    def as_user(user):
        login(user, password=DEMO_PASSWORD)

    return as_user


def live(page):
    """Wait until the page's live connection is open, so later changes reach it."""
    expect(page.locator("[hx-ext='ws'][data-live='open']")).to_have_count(1)


def test_an_agent_takes_an_unassigned_ticket_works_it_and_resolves_it(
    demo_desk, sign_in, page, live_server_url, screenshot
):
    people = demo_desk
    ticket = services.open_incident(
        by=people["enduser"],
        caller=people["enduser"],
        short_description="Outlook keeps asking for my password",
        impact=2,
        urgency=2,
        assignment_group=people["service_desk"],
    )
    sign_in(people["agent"])
    page.goto(f"{live_server_url}/desk/")
    page.get_by_test_id("queue-nav").get_by_role(
        "link", name=re.compile("Unassigned in my groups")
    ).click()
    expect(page.get_by_role("heading", name="Unassigned in my groups")).to_be_visible()
    row = page.locator(f"tr[data-ticket='{ticket.number}']")
    expect(row).to_contain_text("Outlook keeps asking for my password")
    screenshot("desk-queue-unassigned")

    row.get_by_role("link", name=ticket.number).click()
    expect(page.get_by_test_id("ticket-number")).to_have_text(ticket.number)
    page.get_by_role("button", name="Assign to me").click()
    expect(page.get_by_text(f"{ticket.number} is assigned to you.")).to_be_visible()
    expect(page.get_by_test_id("assignee")).to_have_text("Alex Agent")

    comment_form = page.get_by_test_id("comment-form")
    comment_form.get_by_label("Comment text").fill("Cleared the cached credentials on the laptop.")
    comment_form.get_by_role("button", name="Post").click()
    expect(page.get_by_text("Work note added.")).to_be_visible()
    timeline = page.get_by_test_id("timeline")
    expect(timeline.locator("li.tl-work_note").first).to_contain_text("Cleared the cached")

    page.get_by_test_id("comment-form").locator("label[for='vis-public']").click()
    page.get_by_test_id("comment-form").get_by_label("Comment text").fill(
        "Please restart Outlook and tell us if it still asks."
    )
    page.get_by_test_id("comment-form").get_by_role("button", name="Post").click()
    expect(page.get_by_text("Comment added.")).to_be_visible()
    expect(timeline.locator("li.tl-comment").first).to_contain_text("Please restart Outlook")

    # Someone else changes the ticket while it is open: the page says so.
    live(page)
    services.add_work_note(
        ticket=Ticket.objects.get(pk=ticket.pk).as_kind(),
        author=people["admin"],
        body="Seen the same on two other laptops.",
    )
    expect(page.get_by_test_id("live-banner")).to_contain_text("Ada Admin commented (work note)")
    screenshot("desk-ticket-working")

    page.reload()
    page.get_by_role("button", name="Resolve…").click()
    dialog = page.locator("#resolve-modal")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Resolution code").select_option("solved_permanently")
    dialog.get_by_label("Resolution notes").fill("Stale credentials removed; user confirmed.")
    dialog.get_by_role("button", name="Resolve").click()
    expect(page.get_by_text(f"{ticket.number} is resolved.")).to_be_visible()
    expect(page.get_by_test_id("state-badge")).to_have_text("Resolved")
    expect(page.get_by_role("button", name="Resolve…")).to_have_count(0)
    screenshot("desk-ticket-resolved")

    stored = Ticket.objects.get(pk=ticket.pk)
    assert (stored.state, stored.assignee, stored.resolution_code) == (
        "resolved",
        people["agent"],
        "solved_permanently",
    )
    assert {(c.is_internal, c.author.username) for c in stored.comments.all()} == {
        (True, "agent"),
        (False, "agent"),
        (True, "admin"),
    }


def test_resolving_without_notes_keeps_the_dialog_open_with_the_error(
    demo_desk, sign_in, page, live_server_url, screenshot
):
    people = demo_desk
    ticket = services.open_incident(
        by=people["agent"], caller=people["enduser"], short_description="Monitor flickers"
    )
    sign_in(people["agent"])
    page.goto(f"{live_server_url}/desk/tickets/{ticket.number}/")
    page.get_by_role("button", name="Resolve…").click()
    dialog = page.locator("#resolve-modal")
    dialog.get_by_label("Resolution code").select_option("solved_workaround")
    dialog.get_by_label("Resolution notes").evaluate("el => el.removeAttribute('required')")
    dialog.get_by_role("button", name="Resolve").click()
    expect(page.locator("#resolve-modal")).to_be_visible()
    expect(page.locator("#resolve-modal")).to_contain_text("This field is required.")
    expect(page.get_by_test_id("action-errors")).to_contain_text("Resolution notes")
    screenshot("desk-resolve-error")
    assert Ticket.objects.get(pk=ticket.pk).state == "new"


def test_bulk_assign_and_a_saved_filter(demo_desk, sign_in, page, live_server_url, screenshot):
    people = demo_desk
    flapping = [
        services.open_incident(
            by=people["agent"],
            caller=people["enduser"],
            short_description=f"Switch port {port} flapping",
            impact=1,
            urgency=1,
            assignment_group=people["network"],
        )
        for port in ("ge-0/0/1", "ge-0/0/2")
    ]
    sign_in(people["agent"])
    page.goto(f"{live_server_url}/desk/?queue=unassigned")
    for ticket in flapping:
        page.get_by_label(f"Select {ticket.number}").check()
    bulk = page.get_by_test_id("bulk-form")
    expect(bulk).to_contain_text("2 selected")
    bulk.get_by_label("Bulk assignment group").select_option(label="Service Desk")
    bulk.get_by_label("Bulk assignee").select_option(label="Alex Agent (agent)")
    bulk.get_by_role("button", name="Apply to selected").click()
    expect(page.get_by_role("alert").filter(has_text="Updated 2 ticket(s)")).to_be_visible()
    screenshot("desk-bulk-assigned")
    for ticket in flapping:
        stored = Ticket.objects.get(pk=ticket.pk)
        assert (stored.assignment_group, stored.assignee) == (
            people["service_desk"],
            people["agent"],
        )

    # Filter my queue to P1 incidents, save the filter, use it from the sidebar.
    page.goto(f"{live_server_url}/desk/?queue=mine")
    filters = page.get_by_test_id("queue-filters")
    filters.get_by_label("Priority").select_option(label="P1 - Critical")
    filters.get_by_label("Type").select_option(label="Incident")
    filters.get_by_role("button", name="Apply").click()
    mine_p1 = Ticket.objects.open().filter(assignee=people["agent"], priority=1, kind="incident")
    expect(page.get_by_test_id("queue-table").locator("tbody tr")).to_have_count(mine_p1.count())
    save = page.get_by_test_id("save-filter-form")
    save.get_by_label("Filter name").fill("My P1 incidents")
    save.get_by_role("button", name="Save").click()
    expect(
        page.get_by_role("alert").filter(has_text="Saved filter 'My P1 incidents'")
    ).to_be_visible()
    assert (
        SavedFilter.objects.get(owner=people["agent"], name="My P1 incidents").query
        == "kind=incident&priority=1&queue=mine&sort=-updated"
    )

    page.goto(f"{live_server_url}/desk/?queue=open")
    page.get_by_test_id("saved-filters").get_by_role("link", name="My P1 incidents").click()
    rows = page.get_by_test_id("queue-table").locator("tbody tr")
    expect(rows).to_have_count(mine_p1.count())
    for ticket in flapping:
        expect(page.locator(f"tr[data-ticket='{ticket.number}']")).to_be_visible()
    screenshot("desk-saved-filter")


def test_the_queue_tells_of_new_tickets_and_the_other_desk_pages_render(
    demo_desk, sign_in, page, live_server_url, screenshot
):
    people = demo_desk
    sign_in(people["agent"])
    page.goto(f"{live_server_url}/desk/?queue=open")
    live(page)
    services.open_incident(
        by=people["enduser"], caller=people["enduser"], short_description="Laptop will not boot"
    )
    expect(page.get_by_test_id("live-banner")).to_contain_text(
        "1 new/updated ticket in this queue — refresh"
    )
    screenshot("desk-queue-live")
    page.get_by_test_id("live-banner").click()
    expect(page.get_by_test_id("queue-table")).to_contain_text("Laptop will not boot")

    page.get_by_role("link", name="New incident").click()
    form = page.get_by_test_id("new-incident-form")
    form.get_by_label("Caller").select_option(label="Erin User (enduser)")
    form.get_by_label("Short description").fill("Docking station does not charge")
    form.get_by_label("Impact").select_option(label="2 - Medium")
    screenshot("desk-new-incident")
    form.get_by_role("button", name="Open incident").click()
    expect(
        page.get_by_role("heading", name=re.compile("Docking station does not charge"))
    ).to_be_visible()

    for path, name, marker in (
        ("/desk/problems/candidates/", "desk-problem-candidates", "Problem candidates"),
        ("/desk/known-errors/", "desk-known-errors", "Known errors"),
        ("/desk/tasks/?scope=all", "desk-tasks", "Fulfilment tasks"),
        ("/desk/search/?q=vpn", "desk-search", "Results for “vpn”"),
    ):
        page.goto(f"{live_server_url}{path}")
        expect(page.get_by_role("heading", name=marker)).to_be_visible()
        screenshot(name)

    request = (
        Ticket.objects.filter(kind="request", catalog_item__isnull=False).order_by("-id").first()
    )
    page.goto(f"{live_server_url}/desk/tickets/{request.number}/")
    expect(page.get_by_test_id("fulfilment-tasks")).to_be_visible()
    screenshot("desk-request")
    problem = Ticket.objects.filter(kind="problem", is_known_error=True).first()
    page.goto(f"{live_server_url}/desk/tickets/{problem.number}/")
    expect(page.get_by_test_id("problem-incidents")).to_be_visible()
    screenshot("desk-problem")
