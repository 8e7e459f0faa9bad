import pytest

pytestmark = pytest.mark.django_db

PAGES = ["/desk/", "/portal/", "/cmdb/", "/changes/", "/ops/", "/account/"]
# Which role may open which page (admin may open all).
ALLOWED = {
    "requester": {"/portal/", "/account/"},
    "agent": {"/desk/", "/portal/", "/cmdb/", "/changes/", "/account/"},
    "ops_engineer": {"/desk/", "/portal/", "/cmdb/", "/changes/", "/ops/", "/account/"},
    "change_manager": {"/desk/", "/portal/", "/cmdb/", "/changes/", "/account/"},
    "admin_user": set(PAGES),
    "outsider": {"/portal/", "/account/"},
}


@pytest.mark.parametrize("persona", sorted(ALLOWED))
@pytest.mark.parametrize("path", PAGES)
def test_each_role_opens_its_pages_and_is_refused_the_rest(persona, path, request, client):
    user = request.getfixturevalue(persona)
    client.force_login(user)

    response = client.get(path)

    expected = 200 if path in ALLOWED[persona] else 403
    assert response.status_code == expected


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/desk/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/desk/")


def test_home_sends_staff_to_the_desk_and_end_users_to_the_portal(client, agent, requester):
    client.force_login(agent)
    assert client.get("/")["Location"] == "/desk/"
    client.force_login(requester)
    assert client.get("/")["Location"] == "/portal/"


def test_only_admins_reach_django_admin(client, admin_user, agent):
    client.force_login(agent)
    assert client.get("/admin/").status_code == 302
    client.force_login(admin_user)
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/users/", "/api/v1/teams/", "/api/v1/audit/"])
def test_end_users_are_refused_staff_api_resources(path, requester, agent, api_for):
    assert api_for(requester).get(path).status_code == 403
    assert api_for(agent).get(path).status_code == 200


def test_the_api_refuses_anonymous_callers_with_a_json_reason(client):
    response = client.get("/api/v1/users/")

    assert response.status_code == 401
    assert response.json()["detail"] == "Authentication credentials were not provided."


def test_unknown_api_paths_answer_json_404(client, agent):
    client.force_login(agent)
    response = client.get("/api/v1/no-such-thing/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
