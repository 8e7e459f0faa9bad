"""The self-service portal in a real browser: an end user reports a problem (seeing a suggested
article on the way) with a file, orders from the catalog after fixing a mistake, confirms a
resolved ticket and rates it, and a manager decides an approval. Pages are screenshotted at
desktop width and checked for sideways scrolling on a phone-sized window."""

import re

import pytest
from playwright.sync_api import expect

from itops.choices import Role
from servicedesk import services
from servicedesk.models import SatisfactionRating, Ticket
from tests.conftest import ARTIFACTS
from tests.factories import PASSWORD, make_team, make_user
from tests.factories.knowledge import make_article
from tests.factories.servicedesk import (
    make_affected_ci,
    make_catalog_item,
    make_incident,
    order_item,
)

PHONE = {"width": 390, "height": 844}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def fits_the_window(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_an_end_user_reports_a_problem_sees_a_suggested_article_and_finds_the_ticket(
    transactional_db, requester, page, login, live_server_url, screenshot
):
    make_article(
        "Connect to the VPN from home",
        summary="Install the VPN client, sign in with your badge and pick the nearest gateway.",
    )
    make_article("Add an office printer")
    make_affected_ci("Remote access", is_service=True)
    login(requester)

    page.goto(f"{live_server_url}/portal/")
    expect(page.get_by_role("heading", name=re.compile("how can we help"))).to_be_visible()
    screenshot("portal-home")
    page.get_by_test_id("action-report").click()

    summary = page.get_by_label("What is the problem?")
    summary.press_sequentially("VPN disconnects every", delay=40)
    suggestions = page.get_by_test_id("kb-suggestions")
    expect(
        suggestions.get_by_role("link", name=re.compile("Connect to the VPN from home"))
    ).to_be_visible()
    expect(suggestions).not_to_contain_text("printer")
    screenshot("portal-report-suggestions")

    summary.press_sequentially(" few minutes", delay=20)
    page.get_by_label("Details").fill("It drops at **random**; the client says `TLS timeout`.")
    page.get_by_label("Affected service or application").select_option(label="Remote access")
    page.get_by_label("It slows me down").check()
    page.get_by_label("Attachments").set_input_files(
        [{"name": "vpn-client.log", "mimeType": "text/plain", "buffer": b"12:01 TLS timeout\n"}]
    )
    page.get_by_role("button", name="Submit").click()

    expect(page).to_have_url(re.compile(r"/portal/tickets/INC\d+/$"))
    incident = Ticket.objects.get(short_description="VPN disconnects every few minutes")
    expect(page).to_have_url(re.compile(rf"/portal/tickets/{incident.number}/$"))
    expect(page.get_by_role("alert")).to_contain_text(f"{incident.number} is with the service desk")
    expect(page.get_by_test_id("ticket-title")).to_have_text("VPN disconnects every few minutes")
    expect(page.get_by_test_id("attachments")).to_contain_text("vpn-client.log")
    expect(page.get_by_test_id("ticket-description").locator("strong")).to_have_text("random")
    expect(page.get_by_test_id("ticket-details")).to_contain_text("Remote access")
    screenshot("portal-ticket-new")
    assert (incident.source, incident.urgency, incident.caller) == ("portal", 2, requester)

    page.get_by_test_id("nav-my-tickets").click()
    rows = page.get_by_test_id("my-tickets")
    expect(rows.get_by_role("link", name=incident.number)).to_be_visible()
    expect(
        rows.get_by_role("row", name=re.compile(incident.number)).get_by_test_id("state-badge")
    ).to_have_text("New")
    screenshot("portal-my-tickets")
    page.get_by_text("Closed", exact=True).click()
    expect(rows).not_to_contain_text(incident.number)
    expect(page).to_have_url(re.compile(r"status=closed"))


def test_an_end_user_orders_from_the_catalog_after_fixing_a_mistake(
    transactional_db, requester, page, login, live_server_url, screenshot
):
    team = make_team("Service Desk")
    make_catalog_item(
        name="Software installation",
        short_description="Install licensed software on your computer.",
        fulfilment_group=team,
        form_definition=[
            {"name": "software", "type": "text", "required": True, "label": "Software and version"},
            {
                "name": "edition",
                "type": "choice",
                "required": True,
                "choices": ["Standard", "Professional"],
            },
            {"name": "seats", "type": "number", "integer": True, "min": 1, "max": 5, "default": 1},
            {
                "name": "policy",
                "type": "checkbox",
                "required": True,
                "label": "I accept the licence terms",
            },
        ],
    )
    login(requester)

    page.goto(f"{live_server_url}/portal/")
    page.get_by_test_id("action-request").click()
    expect(page.get_by_role("heading", name="Request something")).to_be_visible()
    screenshot("portal-catalog")
    page.get_by_role("link", name=re.compile("Software installation")).click()

    page.get_by_label("Seats").fill("9")
    page.get_by_role("button", name="Order now").click()
    expect(page.get_by_test_id("order-errors")).to_be_visible()
    expect(page.get_by_test_id("error-software")).to_contain_text("required")
    expect(page.get_by_test_id("error-edition")).to_contain_text("required")
    expect(page.get_by_test_id("error-seats")).to_contain_text("less than or equal to 5")
    expect(page.get_by_test_id("error-policy")).to_be_visible()
    screenshot("portal-order-errors")
    assert not Ticket.objects.exists()

    page.get_by_label("Software and version").fill("Power BI Desktop 2.130")
    page.get_by_label("Edition").select_option("Professional")
    page.get_by_label("Seats").fill("2")
    page.get_by_label("I accept the licence terms").check()
    page.get_by_role("button", name="Order now").click()

    expect(page).to_have_url(re.compile(r"/portal/tickets/REQ\d+/$"))
    request = Ticket.objects.get(kind="request")
    expect(page).to_have_url(re.compile(rf"/portal/tickets/{request.number}/$"))
    expect(page.get_by_test_id("state-badge").first).to_have_text("In progress")
    answers = page.get_by_test_id("request-answers")
    expect(answers).to_contain_text("Power BI Desktop 2.130")
    expect(answers).to_contain_text("Professional")
    screenshot("portal-request")
    assert request.request_answers["seats"] == 2


def test_an_end_user_confirms_a_resolved_ticket_and_rates_it(
    transactional_db, requester, agent, page, login, live_server_url, screenshot
):
    make_team("Service Desk", members=[agent])
    incident = make_incident(caller=requester, short_description="Printer on floor 3 jams")
    services.add_comment(ticket=incident, author=agent, body="Which tray do you print from?")
    services.add_work_note(ticket=incident, author=agent, body="Vendor contract ends soon")
    services.start_ticket(ticket=incident, by=agent)
    services.resolve_ticket(
        ticket=incident,
        resolution_code="solved_permanently",
        resolution_notes="Replaced the pickup roller of tray 2.",
        by=agent,
    )
    login(requester)

    page.goto(f"{live_server_url}/portal/")
    page.get_by_test_id("awaiting-confirmation").get_by_role(
        "link", name=re.compile("Printer on floor 3")
    ).click()
    expect(page.get_by_test_id("resolution")).to_contain_text(
        "Replaced the pickup roller of tray 2."
    )
    timeline = page.get_by_test_id("timeline")
    expect(timeline).to_contain_text("Which tray do you print from?")
    expect(timeline).to_contain_text("In progress → Resolved")
    expect(page.locator("body")).not_to_contain_text("Vendor contract")
    screenshot("portal-resolved")

    page.get_by_role("button", name="Yes, it's fixed").click()
    expect(page.get_by_role("alert")).to_contain_text(f"{incident.number} is closed")
    expect(page.get_by_test_id("state-badge").first).to_have_text("Closed")
    expect(page.get_by_role("button", name="No, still broken")).to_have_count(0)

    page.locator('label[for="rating-4"]').click()
    expect(page.get_by_label("4 stars: Satisfied")).to_be_checked()
    page.get_by_label("Anything to add? (optional)").fill("Quick and friendly, thanks!")
    page.get_by_role("button", name="Send rating").click()

    expect(page.get_by_role("alert")).to_contain_text("Thank you for rating")
    satisfaction = page.get_by_test_id("satisfaction")
    expect(satisfaction).to_contain_text("You rated the resolution 4 out of 5")
    expect(satisfaction).to_contain_text("Quick and friendly, thanks!")
    expect(page.get_by_test_id("rating-form")).to_have_count(0)
    expect(timeline).to_contain_text("Rated the resolution 4 out of 5")
    screenshot("portal-rated")
    rating = SatisfactionRating.objects.get(ticket=incident)
    assert (rating.rating, rating.comment, rating.rated_by) == (
        4,
        "Quick and friendly, thanks!",
        requester,
    )


def test_an_end_user_says_a_resolved_ticket_is_still_broken(
    transactional_db, requester, agent, page, login, live_server_url
):
    make_team("Service Desk", members=[agent])
    incident = make_incident(caller=requester, short_description="Monitor flickers")
    services.start_ticket(ticket=incident, by=agent)
    services.resolve_ticket(
        ticket=incident,
        resolution_code="solved_workaround",
        resolution_notes="Swapped the cable.",
        by=agent,
    )
    login(requester)

    page.goto(f"{live_server_url}/portal/tickets/{incident.number}/")
    page.get_by_role("button", name="No, still broken").click()
    page.get_by_role("button", name=f"Reopen {incident.number}").click()
    expect(page.get_by_test_id("error-reason")).to_be_visible()  # a reason is needed
    page.get_by_label("What is still wrong?").fill("It flickers again after lunch.")
    page.get_by_role("button", name=f"Reopen {incident.number}").click()

    expect(page.get_by_role("alert")).to_contain_text("is reopened")
    expect(page.get_by_test_id("state-badge").first).to_have_text("In progress")
    expect(page.get_by_test_id("timeline")).to_contain_text("It flickers again after lunch.")
    expect(page.get_by_test_id("resolution")).to_have_count(0)
    incident.refresh_from_db()
    assert incident.state == "in_progress"


def test_a_manager_rejects_a_request_with_a_reason(
    transactional_db, page, login, live_server_url, screenshot
):
    boss = make_user("bea", role=Role.END_USER, first_name="Bea", last_name="Boss")
    employee = make_user(
        "emil", role=Role.END_USER, first_name="Emil", last_name="Employee", manager=boss
    )
    item = make_catalog_item(
        name="New laptop",
        approval="manager",
        form_definition=[
            {"name": "model", "type": "choice", "choices": ["13", "14"], "required": True}
        ],
    )
    request = order_item(item, requester=employee, answers={"model": "14"})
    login(boss)

    page.goto(f"{live_server_url}/portal/")
    page.get_by_test_id("action-approvals").click()
    card = page.get_by_test_id("approval")
    expect(card).to_contain_text(request.number)
    expect(card).to_contain_text("Emil Employee")
    card.get_by_role("button", name="Reject").click()
    expect(page.get_by_test_id("error-comment")).to_contain_text("Say why")
    screenshot("portal-approvals")

    page.get_by_test_id("approval").get_by_label(re.compile("Comment")).fill(
        "We have spare laptops."
    )
    page.get_by_test_id("approval").get_by_role("button", name="Reject").click()
    expect(page.get_by_role("alert")).to_contain_text(f"You rejected {request.number}")
    expect(page.get_by_test_id("no-approvals")).to_be_visible()
    request.refresh_from_db()
    assert request.state == "rejected"


def test_the_portal_fits_a_phone_screen(
    transactional_db, requester, agent, browser, live_server_url
):
    make_team("Service Desk", members=[agent])
    make_article("Reset your password")
    ticket = make_incident(
        caller=requester, short_description="A rather long summary of a problem that wraps"
    )
    services.add_comment(ticket=ticket, author=agent, body="Could you send a screenshot?")
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        page.goto(f"{live_server_url}/accounts/login/")
        page.get_by_label("Username").fill(requester.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        for path, name in (
            ("/portal/", "portal-home-phone"),
            ("/portal/report/", "portal-report-phone"),
            ("/portal/tickets/", "portal-my-tickets-phone"),
            (f"/portal/tickets/{ticket.number}/", "portal-ticket-phone"),
            ("/portal/catalog/", "portal-catalog-phone"),
            ("/portal/search/?q=password", "portal-search-phone"),
        ):
            page.goto(f"{live_server_url}{path}")
            expect(page.locator("main")).to_be_visible()
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)
            assert fits_the_window(page), f"{path} scrolls sideways on a phone"
    finally:
        context.close()
