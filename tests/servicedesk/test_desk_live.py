"""Live pushes to the agent console, end to end: services commit, the receivers publish through
the real Redis channel layer, and WebSocket clients of /ws/desk/ on a real ASGI server (signed
in with a real session cookie) get the banner fragment they may see.

"Nothing arrives" is asserted by order, not by waiting: a change that must not be pushed is
followed by one that must, and the first message received has to be the second."""

from contextlib import ExitStack

import pytest
from django.conf import settings
from django.test import Client
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from itops.choices import Role
from servicedesk import services
from tests.factories import make_user
from tests.factories.servicedesk import make_incident

pytestmark = pytest.mark.django_db(transaction=True)

TIMEOUT = 10


@pytest.fixture
def people(db):
    return {
        "alex": make_user("alex", role=Role.AGENT, first_name="Alex"),
        "bea": make_user("bea", role=Role.AGENT, first_name="Bea"),
        "erin": make_user("erin", role=Role.END_USER, first_name="Erin"),
    }


@pytest.fixture
def desk_socket(live_server_url):
    """`desk_socket(user, "view=queue")`: a WebSocket to /ws/desk/ signed in as `user`."""
    with ExitStack() as sockets:

        def open_socket(user, query: str = "view=queue&queue=open"):
            client = Client()
            client.force_login(user)
            cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
            return sockets.enter_context(
                connect(
                    live_server_url.replace("http://", "ws://") + f"/ws/desk/?{query}",
                    origin=live_server_url,
                    additional_headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}"},
                    open_timeout=TIMEOUT,
                )
            )

        yield open_socket


def test_the_queue_page_hears_of_tickets_others_open_and_counts_each_once(people, desk_socket):
    socket = desk_socket(people["alex"])
    first = make_incident(caller=people["erin"], by=people["bea"], short_description="Printer")
    html = socket.recv(timeout=TIMEOUT)
    assert 'id="desk-live"' in html
    assert "1 new/updated ticket in this queue — refresh" in html
    assert f"{first.number} opened by Bea" in html

    services.add_comment(ticket=first, author=people["bea"], body="Looking at it")
    assert "1 new/updated ticket in this queue — refresh" in socket.recv(timeout=TIMEOUT)
    second = make_incident(caller=people["erin"], by=people["bea"])
    html = socket.recv(timeout=TIMEOUT)
    assert "2 new/updated tickets in this queue — refresh" in html and second.number in html


def test_an_agents_own_changes_raise_no_banner(people, desk_socket):
    socket = desk_socket(people["alex"])
    make_incident(caller=people["erin"], by=people["alex"])
    by_someone_else = make_incident(caller=people["erin"], by=people["bea"])
    html = socket.recv(timeout=TIMEOUT)
    assert "1 new/updated ticket in this queue — refresh" in html and by_someone_else.number in html


def test_the_ticket_page_hears_only_of_its_own_ticket(people, desk_socket):
    watched = make_incident(caller=people["erin"], by=people["erin"])
    other = make_incident(caller=people["erin"], by=people["erin"])
    socket = desk_socket(people["alex"], f"ticket={watched.number.lower()}")
    services.add_comment(ticket=other, author=people["bea"], body="Not this one")
    services.add_work_note(ticket=watched, author=people["bea"], body="Internal finding")
    html = socket.recv(timeout=TIMEOUT)
    assert "Bea commented (work note) on this ticket" in html


def test_end_users_cannot_open_the_desk_socket(people, desk_socket):
    with pytest.raises(InvalidStatus) as refused:
        desk_socket(people["erin"])
    assert refused.value.response.status_code == 403


def test_changes_to_tickets_the_visibility_selector_hides_are_not_pushed(
    people, desk_socket, monkeypatch
):
    from servicedesk.selectors import tickets as ticket_selectors

    real_scope = ticket_selectors.visible_tickets
    monkeypatch.setattr(
        ticket_selectors,
        "visible_tickets",
        lambda person: real_scope(person).exclude(short_description__startswith="Secret"),
    )
    socket = desk_socket(people["alex"])
    hidden = make_incident(by=people["bea"], short_description="Secret HR laptop")
    shown = make_incident(by=people["bea"], short_description="Shared drive slow")
    html = socket.recv(timeout=TIMEOUT)
    assert shown.number in html and hidden.number not in html
    assert "1 new/updated ticket" in html


def test_the_queue_page_counts_only_tickets_of_its_own_queue(people, desk_socket):
    from tests.factories import make_team

    team = make_team("Desk", members=[people["alex"]])
    socket = desk_socket(people["alex"], f"view=queue&queue=mine&assignment_group={team.pk}")
    not_mine = make_incident(caller=people["erin"], by=people["bea"], assignment_group=team)
    mine = make_incident(
        caller=people["erin"], by=people["bea"], assignment_group=team, assignee=people["alex"]
    )
    html = socket.recv(timeout=TIMEOUT)
    assert mine.number in html and not_mine.number not in html
    assert "1 new/updated ticket in this queue" in html


def test_a_channel_layer_outage_pauses_live_pushes_and_never_fails_the_change(
    people, monkeypatch, caplog
):
    from itops import live

    attempts = []

    def unreachable(group, message):
        attempts.append(message["number"])
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(live, "_group_send", unreachable)
    monkeypatch.setattr(live.outage, "until", 0.0)
    first = make_incident(caller=people["erin"], by=people["bea"])
    second = make_incident(caller=people["erin"], by=people["bea"])
    assert first.pk and second.pk  # both changes committed
    assert attempts == [first.number]  # the second waited out the pause
    assert "pausing live pushes" in caplog.text
