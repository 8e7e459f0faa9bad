"""The bell: an agent sees a ticket assigned to them by someone else arrive live."""

import httpx
from playwright.sync_api import expect

from itops.choices import Role
from tests.factories import make_team, make_token, make_user
from tests.factories.servicedesk import make_incident


def test_an_agent_sees_the_bell_count_go_up_live_when_a_ticket_is_assigned_to_them(
    agent, requester, page, login, live_server_url, screenshot
):
    dispatcher = make_user("dana", role=Role.AGENT, first_name="Dana", last_name="Dispatch")
    team = make_team("Network", members=[agent, dispatcher])
    incident = make_incident(
        caller=requester, by=requester, short_description="Wi-Fi drops in meeting room 4"
    )
    token = make_token(dispatcher, "write")

    login(agent)
    page.goto(f"{live_server_url}/notifications/")
    count = page.get_by_test_id("notification-count")
    expect(count).to_be_hidden()
    expect(page.locator(".notification-bell[data-live=connected]")).to_have_count(1)
    expect(page.get_by_test_id("notification-table")).to_contain_text("No notifications yet")

    # Another session: the dispatcher assigns the ticket through the API.
    response = httpx.post(
        f"{live_server_url}/api/v1/incidents/{incident.pk}/assign/",
        json={"assignment_group": team.pk, "assignee": agent.pk},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text

    expect(count).to_be_visible()
    expect(count).to_have_attribute("data-count", "1")
    toast = page.get_by_test_id("notification-toast")
    expect(toast).to_contain_text(f"{incident.number} was assigned to you")
    expect(page.get_by_test_id("notification-unread-total")).to_have_text("1 unread")
    expect(page.get_by_test_id("notification-list-fresh")).to_be_visible()
    expect(page.get_by_test_id("mark-all-read")).to_be_enabled()
    screenshot("notifications-bell-live")

    page.get_by_test_id("notification-bell").click()
    item = page.get_by_test_id("notification-item").first
    expect(item).to_contain_text("Wi-Fi drops in meeting room 4")
    screenshot("notifications-dropdown")

    page.get_by_test_id("notification-bell").click()  # close the menu
    page.reload()
    row = page.get_by_test_id("notification-row").first
    expect(row).to_contain_text(f"{incident.number} was assigned to you")
    expect(row).to_contain_text("by Dana Dispatch")
    screenshot("notifications-list")

    row.get_by_test_id("mark-read").click()
    expect(row).to_contain_text("Read")
    expect(count).to_be_hidden()


def test_a_person_turns_off_one_kind_of_email(requester, page, login, live_server_url, screenshot):
    from servicedesk.models import EmailOptOut

    login(requester)
    page.goto(f"{live_server_url}/notifications/")
    page.get_by_role("link", name="Email settings").click()
    settings = page.get_by_test_id("email-settings")
    expect(settings).to_contain_text("Ticket received")
    settings.get_by_label("Comment from the service desk").uncheck()
    screenshot("notifications-email-settings")
    settings.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("Email settings saved.")
    expect(settings.get_by_label("Comment from the service desk")).not_to_be_checked()
    assert list(EmailOptOut.objects.values_list("event", flat=True)) == ["agent_commented"]
