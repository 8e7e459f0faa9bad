"""One ticket's whole life across the two sides of the service desk, in two browser sessions:
an end user files it in the portal, an agent takes it from the queue in the console, comments,
writes a work note and resolves it, and the end user sees the resolution, confirms it and rates
it. The agent then sees the rating on the ticket."""

import re

import pytest
from playwright.sync_api import expect

from servicedesk.models import SatisfactionRating, Ticket
from tests.conftest import ARTIFACTS
from tests.factories import PASSWORD, make_team


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def open_session(browser, live_server_url):
    """`open_session(user)`: a page in a browser context of its own, signed in as `user`."""
    contexts = []

    def sign_in(user):
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{live_server_url}/accounts/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        return page

    yield sign_in
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


def test_a_ticket_from_the_portal_is_worked_in_the_desk_and_rated_by_its_caller(
    transactional_db, requester, agent, open_session, live_server_url
):
    make_team("Service Desk", members=[agent])
    caller_page = open_session(requester)
    agent_page = open_session(agent)

    # The end user reports the problem.
    caller_page.goto(f"{live_server_url}/portal/")
    caller_page.get_by_test_id("action-report").click()
    caller_page.get_by_label("What is the problem?").fill("Docking station not detected")
    caller_page.get_by_label("Details").fill("Since this morning neither screen lights up.")
    caller_page.get_by_role("button", name="Submit").click()
    expect(caller_page).to_have_url(re.compile(r"/portal/tickets/INC\d+/$"))
    number = caller_page.url.rstrip("/").rsplit("/", 1)[-1]
    expect(caller_page.get_by_test_id("state-badge").first).to_have_text("New")

    # The agent finds it among the unassigned tickets and takes it.
    agent_page.goto(f"{live_server_url}/desk/")
    agent_page.get_by_test_id("queue-nav").get_by_role(
        "link", name=re.compile(r"Unassigned \(all\)")
    ).click()
    row = agent_page.locator(f"tr[data-ticket='{number}']")
    expect(row).to_contain_text("Docking station not detected")
    row.get_by_role("link", name=number).click()
    expect(agent_page.get_by_test_id("ticket-number")).to_have_text(number)
    agent_page.get_by_role("button", name="Assign to me").click()
    expect(agent_page.get_by_test_id("assignee")).to_have_text("Alex Agent")

    comment_form = agent_page.get_by_test_id("comment-form")
    comment_form.get_by_label("Comment text").fill("Dock firmware 1.2 is known to be flaky.")
    comment_form.get_by_role("button", name="Post").click()
    expect(agent_page.get_by_text("Work note added.")).to_be_visible()
    comment_form = agent_page.get_by_test_id("comment-form")
    comment_form.locator("label[for='vis-public']").click()
    comment_form.get_by_label("Comment text").fill("Please unplug the dock for ten seconds.")
    comment_form.get_by_role("button", name="Post").click()
    expect(agent_page.get_by_text("Comment added.")).to_be_visible()

    agent_page.get_by_role("button", name="Resolve…").click()
    dialog = agent_page.locator("#resolve-modal")
    dialog.get_by_label("Resolution code").select_option("solved_permanently")
    dialog.get_by_label("Resolution notes").fill("Dock firmware updated to 1.4; screens work.")
    dialog.get_by_role("button", name="Resolve").click()
    expect(agent_page.get_by_test_id("state-badge")).to_have_text("Resolved")
    screenshot(agent_page, "flow-desk-resolved")

    # The end user sees the resolution and the public comment, never the work note.
    caller_page.goto(f"{live_server_url}/portal/tickets/{number}/")
    expect(caller_page.get_by_test_id("resolution")).to_contain_text("Dock firmware updated to 1.4")
    timeline = caller_page.get_by_test_id("timeline")
    expect(timeline).to_contain_text("Please unplug the dock for ten seconds.")
    expect(caller_page.locator("body")).not_to_contain_text("known to be flaky")
    screenshot(caller_page, "flow-portal-resolved")

    caller_page.get_by_role("button", name="Yes, it's fixed").click()
    expect(caller_page.get_by_role("alert")).to_contain_text(f"{number} is closed")
    caller_page.locator('label[for="rating-5"]').click()
    caller_page.get_by_label("Anything to add? (optional)").fill("Fixed within the hour.")
    caller_page.get_by_role("button", name="Send rating").click()
    expect(caller_page.get_by_test_id("satisfaction")).to_contain_text(
        "You rated the resolution 5 out of 5"
    )
    screenshot(caller_page, "flow-portal-rated")

    # The agent sees the outcome on the ticket.
    agent_page.reload()
    expect(agent_page.get_by_test_id("state-badge")).to_have_text("Closed")
    expect(agent_page.get_by_test_id("timeline")).to_contain_text("5 out of 5")
    screenshot(agent_page, "flow-desk-rated")

    ticket = Ticket.objects.get(number=number)
    assert (ticket.caller, ticket.assignee, ticket.source, ticket.state) == (
        requester,
        agent,
        "portal",
        "closed",
    )
    assert SatisfactionRating.objects.get(ticket=ticket).rating == 5
