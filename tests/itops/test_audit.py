import pytest
from auditlog.models import LogEntry

from itops.audit import acting_as
from itops.services import create_team

pytestmark = pytest.mark.django_db


def test_create_update_and_delete_are_recorded_with_who_and_what(admin_user):
    team = create_team(name="Network", slug="network", by=admin_user)
    with acting_as(admin_user):
        team.email = "net@example.com"
        team.save()
        team_id = team.pk
        team.delete()

    entries = LogEntry.objects.filter(content_type__model="team", object_pk=str(team_id)).order_by(
        "timestamp"
    )
    actions = [entry.action for entry in entries]
    assert actions == [LogEntry.Action.CREATE, LogEntry.Action.UPDATE, LogEntry.Action.DELETE]
    update = next(e for e in entries if e.action == LogEntry.Action.UPDATE)
    assert update.actor == admin_user
    assert update.changes_dict == {"email": ["", "net@example.com"]}


def test_api_writes_are_attributed_to_the_token_user(agent, token_api_for):
    client = token_api_for(agent, "write")

    response = client.post("/api/v1/tokens/", {"name": "ci", "scopes": ["read"]}, format="json")

    entry = LogEntry.objects.get(content_type__model="apitoken", object_id=response.json()["id"])
    assert entry.actor == agent


def test_audit_entries_are_listed_through_the_api_with_old_and_new(admin_user, agent, api_for):
    team = create_team(name="Network", slug="network", by=admin_user)
    with acting_as(admin_user):
        team.description = "Routers and switches"
        team.save()

    response = api_for(agent).get("/api/v1/audit/", {"model": "itops.team", "object_id": team.pk})

    assert response.status_code == 200
    latest = response.json()["results"][0]
    assert latest["action"] == "update"
    assert latest["actor"] == admin_user.username
    assert latest["changes"]["description"] == {"old": "", "new": "Routers and switches"}


def test_unknown_model_in_the_audit_filter_is_a_400(agent, api_for):
    response = api_for(agent).get("/api/v1/audit/", {"model": "nope.nothing"})

    assert response.status_code == 400
    assert "Unknown model" in response.json()["model"]
