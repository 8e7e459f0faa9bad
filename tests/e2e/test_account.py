from playwright.sync_api import expect

from itops.models import ApiToken


def test_an_agent_signs_in_creates_a_token_sees_it_once_and_revokes_it(
    page, login, live_server_url, agent, screenshot
):
    login(agent)
    expect(page.get_by_test_id("user-menu")).to_contain_text("Alex Agent")

    page.goto(f"{live_server_url}/account/")
    page.get_by_label("Name").fill("grafana")
    page.get_by_label("Read", exact=True).check()
    page.get_by_role("button", name="Create token").click()

    secret_box = page.get_by_test_id("new-token")
    expect(secret_box).to_contain_text("it will not be shown again")
    secret = secret_box.locator("code").inner_text()
    assert ApiToken.objects.get(name="grafana").digest != secret
    screenshot("account-new-token")

    page.reload()
    expect(page.get_by_test_id("new-token")).to_have_count(0)
    expect(page.get_by_role("cell", name="grafana")).to_be_visible()

    page.get_by_role("button", name="Revoke").click()
    expect(page.get_by_text("Token grafana revoked.")).to_be_visible()
    expect(page.get_by_text("revoked", exact=True)).to_be_visible()


def test_a_wrong_password_shows_an_error_on_the_sign_in_page(page, live_server_url, agent):
    page.goto(f"{live_server_url}/accounts/login/")
    page.get_by_label("Username").fill(agent.username)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("alert")).to_contain_text("enter a correct username and password")
