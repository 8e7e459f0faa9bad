import base64
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from itops.models import ApiToken
from itops.services import create_api_token, revoke_api_token
from tests.factories import make_token

pytestmark = pytest.mark.django_db


def test_a_token_is_stored_only_as_a_digest(agent):
    token, secret = create_api_token(user=agent, name="ci", scopes=["read"])

    stored = ApiToken.objects.get(pk=token.pk)
    assert secret.startswith("itops_")
    assert secret not in (stored.digest, stored.prefix)
    assert stored.digest != secret and len(stored.digest) == 64
    assert secret.startswith(stored.prefix)


def test_the_secret_is_answered_once_on_create_and_never_listed(agent, api_for):
    client = api_for(agent)

    created = client.post("/api/v1/tokens/", {"name": "grafana", "scopes": ["read"]}, format="json")
    listed = client.get("/api/v1/tokens/")

    assert created.status_code == 201
    assert created.json()["token"].startswith("itops_")
    assert "token" not in listed.json()["results"][0]
    assert listed.json()["results"][0]["name"] == "grafana"


def test_bearer_token_signs_in_as_its_user(agent, token_api_for):
    response = token_api_for(agent, "read").get("/api/v1/users/me/")

    assert response.status_code == 200
    assert response.json()["username"] == agent.username


def test_basic_auth_with_the_token_as_password_signs_in(agent, client):
    secret = make_token(agent, "read")
    credentials = base64.b64encode(f"prometheus:{secret}".encode()).decode()

    response = client.get("/api/v1/users/me/", HTTP_AUTHORIZATION=f"Basic {credentials}")

    assert response.status_code == 200
    assert response.json()["username"] == agent.username


def test_a_read_token_cannot_write(agent, token_api_for):
    response = token_api_for(agent, "read").post(
        "/api/v1/tokens/", {"name": "x", "scopes": ["read"]}, format="json"
    )

    assert response.status_code == 403
    assert response.json()["detail"] == "This API token lacks the 'write' scope."


def test_an_ingest_token_cannot_read_the_api(agent, token_api_for):
    response = token_api_for(agent, "ingest").get("/api/v1/users/me/")

    assert response.status_code == 403
    assert "'read' scope" in response.json()["detail"]


def test_a_write_token_can_read_too(agent, token_api_for):
    assert token_api_for(agent, "write").get("/api/v1/users/me/").status_code == 200


def test_an_expired_token_is_refused(agent, client):
    token, secret = create_api_token(
        user=agent, name="short", scopes=["read"], expires_at=timezone.now() + timedelta(hours=1)
    )
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    response = client.get("/api/v1/users/me/", HTTP_AUTHORIZATION=f"Bearer {secret}")

    assert response.status_code == 401
    assert response.json()["detail"] == "This API token has expired."


def test_a_revoked_token_is_refused(agent, client):
    token, secret = create_api_token(user=agent, name="old", scopes=["read"])
    revoke_api_token(token=token, by=agent)

    response = client.get("/api/v1/users/me/", HTTP_AUTHORIZATION=f"Bearer {secret}")

    assert response.status_code == 401
    assert response.json()["detail"] == "This API token has been revoked."


def test_revoking_through_the_api_stops_the_token(agent, api_for, client):
    token, secret = create_api_token(user=agent, name="old", scopes=["read"])

    assert api_for(agent).delete(f"/api/v1/tokens/{token.pk}/").status_code == 204
    assert client.get("/api/v1/users/me/", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401


@pytest.mark.parametrize(
    ("header", "complaint"),
    [
        ("Bearer itops_not-a-real-token", "Invalid API token."),
        ("Bearer ", "The Bearer header has no token."),
        ("Basic !!!notbase64", "The Basic credentials are not valid base64."),
        ("Basic " + base64.b64encode(b"just-a-user").decode(), "Basic auth needs the API token"),
    ],
)
def test_bad_credentials_get_401_naming_the_problem(client, header, complaint):
    response = client.get("/api/v1/users/me/", HTTP_AUTHORIZATION=header)

    assert response.status_code == 401
    assert complaint in response.json()["detail"]


def test_unknown_scope_is_refused_with_the_field_named(agent, api_for):
    response = api_for(agent).post(
        "/api/v1/tokens/", {"name": "x", "scopes": ["root"]}, format="json"
    )

    assert response.status_code == 400
    assert "scopes" in response.json()


def test_a_user_cannot_revoke_another_users_token_by_guessing_its_id(agent, requester, api_for):
    token, _ = create_api_token(user=agent, name="mine", scopes=["read"])

    response = api_for(requester).delete(f"/api/v1/tokens/{token.pk}/")

    assert response.status_code == 404
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


def test_create_api_token_command_prints_a_working_token_once(agent, client, capsys):
    call_command("create_api_token", agent.username, "--scopes", "read", "ingest")

    secret = capsys.readouterr().out.strip()
    token = ApiToken.objects.get(user=agent)
    assert token.scopes == ["ingest", "read"]
    assert client.get("/api/v1/users/me/", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 200


def test_create_api_token_command_names_an_unknown_user():
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        call_command("create_api_token", "nobody")
