"""With persistent database connections the ticket API runs on its long-lived threads."""

import threading

import httpx
import pytest
from django.db import connections

from itops import connection_threads
from servicedesk.api import threads
from tests.factories import make_token
from tests.factories.servicedesk import make_incident

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def pooled_api(settings, monkeypatch):
    settings.ITOPS_API_THREADS = 2
    monkeypatch.setitem(connections["default"].settings_dict, "CONN_MAX_AGE", 60)
    names = []
    original = connection_threads.keeping_connection

    def recording(*args):
        names.append(threading.current_thread().name)
        return original(*args)

    monkeypatch.setattr(connection_threads, "keeping_connection", recording)
    yield names
    threads.api_threads.shutdown()


def test_ticket_api_requests_run_on_the_api_threads_and_answer_as_usual(
    pooled_api, agent, live_server_url
):
    incident = make_incident(caller=agent, short_description="Pooled printer")
    client = httpx.Client(
        base_url=live_server_url, headers={"Authorization": f"Bearer {make_token(agent, 'write')}"}
    )
    with client:
        listed = [client.get("/api/v1/incidents/").json() for _ in range(6)]
        created = client.post(
            "/api/v1/incidents/", json={"short_description": "Opened on a pool thread"}
        )
        cis = client.get("/api/v1/cis/")
    assert all(page["results"][0]["number"] == incident.number for page in listed)
    assert created.status_code == 201 and created.json()["number"].startswith("INC")
    assert cis.status_code == 200
    # Seven ticket requests, all on the (at most two) API threads; the CI list is not pooled.
    assert len(pooled_api) == 7
    assert {name.rsplit("_", 1)[0] for name in pooled_api} == {"api"}
    assert len(set(pooled_api)) <= 2
