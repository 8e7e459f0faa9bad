"""In-app notifications: what creates them, the bell, the list page and the live push."""

import pytest
from asgiref.sync import sync_to_async
from asgiref.testing import ApplicationCommunicator
from django.urls import reverse

from itops.choices import Role
from servicedesk import services
from servicedesk.models import Notification
from servicedesk.notifications import selectors
from servicedesk.notifications.consumers import NotificationConsumer
from servicedesk.notifications.services import mark_all_read, mark_read, notify_user
from tests.factories import make_team, make_user
from tests.factories.servicedesk import make_catalog_item, make_incident, order_item


@pytest.fixture
def second_agent(db):
    return make_user("bob", role=Role.AGENT, first_name="Bob", last_name="Second")


@pytest.fixture
def team(agent, second_agent):
    return make_team("Network", members=[agent, second_agent])


@pytest.fixture
def incident(requester):
    return make_incident(caller=requester, short_description="VPN drops")


class WebsocketCommunicator(ApplicationCommunicator):
    """The WebSocket half of channels.testing.WebsocketCommunicator: that package's __init__
    also imports its live-server test case, which needs daphne, a server itops does not use."""

    def __init__(self, application, path: str):
        super().__init__(
            application,
            {"type": "websocket", "path": path, "headers": [], "subprotocols": []},
        )

    async def connect(self, timeout: float = 5) -> tuple[bool, int | None]:
        await self.send_input({"type": "websocket.connect"})
        answer = await self.receive_output(timeout)
        if answer["type"] == "websocket.close":
            return False, answer.get("code", 1000)
        return True, answer.get("subprotocol")

    async def receive_from(self, timeout: float = 5) -> str:
        answer = await self.receive_output(timeout)
        assert answer["type"] == "websocket.send", answer
        return answer["text"]

    async def disconnect(self, code: int = 1000, timeout: float = 5) -> None:
        await self.send_input({"type": "websocket.disconnect", "code": code})
        await self.wait(timeout)


def _texts(user) -> list[str]:
    return [n.text for n in Notification.objects.filter(recipient=user)]


# --- what creates notifications ---------------------------------------------------------------


@pytest.mark.django_db
def test_assignment_to_me_notifies_me_and_not_the_one_assigning(
    incident, agent, second_agent, team, committed
):
    committed(
        services.assign_ticket,
        ticket=incident,
        assignment_group=team,
        assignee=second_agent,
        by=agent,
    )
    [notification] = Notification.objects.all()
    assert notification.recipient == second_agent
    assert notification.kind == "assigned_to_me"
    assert notification.text == f"{incident.number} was assigned to you: VPN drops"
    assert notification.url == f"/desk/tickets/{incident.number}/"
    assert notification.actor == agent


@pytest.mark.django_db
def test_assignment_to_my_group_notifies_its_members(
    incident, agent, second_agent, team, committed
):
    committed(services.assign_ticket, ticket=incident, assignment_group=team, by=agent)
    assert _texts(second_agent) == [f"{incident.number} was assigned to Network: VPN drops"]
    assert _texts(agent) == []  # the one assigning knows


@pytest.mark.django_db
def test_a_callers_reply_notifies_the_assignee(incident, requester, agent, team, committed):
    services.assign_ticket(ticket=incident, assignment_group=team, assignee=agent, by=agent)
    committed(services.add_comment, ticket=incident, author=requester, body="Still broken")
    [notification] = Notification.objects.filter(recipient=agent)
    assert notification.kind == "caller_replied"
    assert notification.text == f"Erin Requester replied on {incident.number}: Still broken"


@pytest.mark.django_db
def test_agents_comments_and_work_notes_notify_nobody_in_app(
    incident, requester, agent, team, committed
):
    services.assign_ticket(ticket=incident, assignment_group=team, assignee=agent, by=agent)
    committed(services.add_comment, ticket=incident, author=agent, body="On it")
    committed(services.add_work_note, ticket=incident, author=agent, body="note")
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_an_approver_is_notified_of_an_approval_request(committed, service_desk_team):
    boss = make_user("bea", role=Role.END_USER, first_name="Bea", last_name="Boss")
    employee = make_user("emil", role=Role.END_USER, first_name="Emil", manager=boss)
    item = make_catalog_item(name="Laptop", approval="manager", fulfilment_group=service_desk_team)
    request = committed(order_item, item, requester=employee)
    [notification] = Notification.objects.filter(recipient=boss)
    assert notification.kind == "approval_requested"
    assert notification.text.startswith(f"Emil asks for your approval of {request.number}")
    assert notification.url == f"/portal/tickets/{request.number}/"


@pytest.mark.django_db
def test_other_apps_notify_with_their_own_text_and_link(agent, incident):
    notification = notify_user(
        recipient=agent,
        kind="sla_warning",
        text="  SLA of INC  due in 10 minutes ",
        ticket=incident,
        url="/slas/clocks/7/",
    )
    assert notification.text == "SLA of INC due in 10 minutes"
    assert notification.url == "/slas/clocks/7/"
    with pytest.raises(ValueError):
        notify_user(recipient=agent, kind="nonsense", text="x")


# --- reading and marking read -------------------------------------------------------------------


@pytest.mark.django_db
def test_unread_count_and_marking_read(agent, second_agent):
    first = notify_user(recipient=agent, kind="other", text="one")
    notify_user(recipient=agent, kind="other", text="two")
    notify_user(recipient=second_agent, kind="other", text="not yours")
    assert selectors.unread_count(user=agent) == 2

    mark_read(notification=first, user=agent)
    assert selectors.unread_count(user=agent) == 1
    with pytest.raises(Notification.DoesNotExist):
        mark_read(notification=first, user=second_agent)

    assert mark_all_read(user=agent) == 1
    assert selectors.unread_count(user=agent) == 0
    assert selectors.unread_count(user=second_agent) == 1


@pytest.mark.django_db
def test_the_bell_shows_the_unread_count_on_every_page(page_client_for, agent):
    notify_user(recipient=agent, kind="other", text="Look at this")
    html = page_client_for(agent).get(reverse("home"), follow=True).content.decode()
    assert 'data-testid="notification-bell"' in html
    assert 'data-count="1"' in html
    assert 'ws-connect="/ws/notifications/"' in html


@pytest.mark.django_db
def test_the_bell_costs_one_query(rf, agent, django_assert_num_queries):
    from django.template import Context, Template

    request = rf.get("/")
    request.user = agent
    template = Template("{% load notification_tags %}{% notification_bell %}")
    with django_assert_num_queries(1):
        template.render(Context({"request": request}))


@pytest.mark.django_db
def test_the_list_page_shows_only_my_notifications(page_client_for, agent, second_agent):
    notify_user(recipient=agent, kind="assigned_to_me", text="Mine: INC0001001")
    notify_user(recipient=second_agent, kind="assigned_to_me", text="Theirs: INC0001002")
    html = page_client_for(agent).get(reverse("notifications:list")).content.decode()
    assert "Mine: INC0001001" in html
    assert "Theirs" not in html
    assert "1 unread" in html


@pytest.mark.django_db
def test_the_unread_filter_hides_read_ones(page_client_for, agent):
    read = notify_user(recipient=agent, kind="other", text="Old news")
    mark_read(notification=read, user=agent)
    notify_user(recipient=agent, kind="other", text="Fresh")
    html = page_client_for(agent).get(reverse("notifications:list") + "?show=unread").content
    assert b"Fresh" in html and b"Old news" not in html


@pytest.mark.django_db
def test_marking_one_read_by_htmx_returns_the_row(page_client_for, agent):
    notification = notify_user(recipient=agent, kind="other", text="Ping")
    response = page_client_for(agent).post(
        reverse("notifications:read", args=[notification.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert b"Read" in response.content and b"mark-read" not in response.content
    notification.refresh_from_db()
    assert notification.read_at is not None


@pytest.mark.django_db
def test_someone_elses_notification_is_not_found(page_client_for, agent, second_agent):
    theirs = notify_user(recipient=second_agent, kind="other", text="Secret")
    client = page_client_for(agent)
    assert client.post(reverse("notifications:read", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("notifications:open", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.django_db
def test_opening_a_notification_marks_it_read_and_follows_its_link(page_client_for, agent):
    notification = notify_user(recipient=agent, kind="other", text="Go", url="/desk/")
    response = page_client_for(agent).get(reverse("notifications:open", args=[notification.pk]))
    assert response.status_code == 302 and response.url == "/desk/"
    notification.refresh_from_db()
    assert notification.read_at is not None


@pytest.mark.django_db
def test_an_offsite_link_is_not_followed(page_client_for, agent):
    notification = notify_user(recipient=agent, kind="other", text="x", url="https://evil.test/")
    response = page_client_for(agent).get(reverse("notifications:open", args=[notification.pk]))
    assert response.url == reverse("notifications:list")


@pytest.mark.django_db
def test_mark_all_read_from_the_list_page(page_client_for, agent):
    notify_user(recipient=agent, kind="other", text="a")
    notify_user(recipient=agent, kind="other", text="b")
    response = page_client_for(agent).post(reverse("notifications:read-all"))
    assert response.status_code == 302
    assert selectors.unread_count(user=agent) == 0


@pytest.mark.django_db
def test_pages_need_a_sign_in(client):
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 302 and "/accounts/login/" in response.url


# --- live push ----------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.django_db(transaction=True)
async def test_a_new_notification_is_pushed_to_the_recipients_open_pages():
    agent = await sync_to_async(make_user)("alex", role=Role.AGENT)
    other = await sync_to_async(make_user)("bob", role=Role.AGENT)
    mine = WebsocketCommunicator(NotificationConsumer.as_asgi(), "/ws/notifications/")
    mine.scope["user"] = agent
    theirs = WebsocketCommunicator(NotificationConsumer.as_asgi(), "/ws/notifications/")
    theirs.scope["user"] = other
    assert (await mine.connect())[0]
    assert (await theirs.connect())[0]
    try:
        await sync_to_async(notify_user)(recipient=agent, kind="other", text="Hello live")

        fragment = await mine.receive_from(timeout=10)
        assert 'id="notification-count"' in fragment
        assert 'data-count="1"' in fragment
        assert "Hello live" in fragment
        assert await theirs.receive_nothing(timeout=0.5)
    finally:
        await mine.disconnect()
        await theirs.disconnect()


@pytest.mark.anyio
async def test_anonymous_sockets_are_refused():
    from django.contrib.auth.models import AnonymousUser

    communicator = WebsocketCommunicator(NotificationConsumer.as_asgi(), "/ws/notifications/")
    communicator.scope["user"] = AnonymousUser()
    connected, code = await communicator.connect()
    assert not connected
    assert code == 4401


@pytest.mark.django_db
def test_a_fulfilment_task_opening_notifies_its_team(committed, agent, second_agent, team):
    from tests.factories.servicedesk import make_task_template

    employee = make_user("emil", role=Role.END_USER, first_name="Emil")
    item = make_catalog_item(name="Monitor", fulfilment_group=team)
    make_task_template(item, team=team, title="Hand over a monitor")
    request = committed(order_item, item, requester=employee)
    task = request.fulfilment_tasks.get()
    for member in (agent, second_agent):
        assert f"{task.number} of {request.number} is for Network: Hand over a monitor" in _texts(
            member
        )


@pytest.mark.django_db
def test_a_redelivered_event_is_delivered_once(incident, agent, second_agent, team):
    from django.core.cache import cache

    from servicedesk.notifications.tasks import notify_ticket_event_task

    services.assign_ticket(ticket=incident, assignment_group=team, assignee=second_agent, by=agent)
    cache.delete("notifications:event:evt-1")
    event = {
        "event": "assigned",
        "ticket_id": incident.pk,
        "actor_id": agent.pk,
        "event_id": "evt-1",
    }
    notify_ticket_event_task.delay(**event)
    notify_ticket_event_task.delay(**event)
    assert Notification.objects.filter(recipient=second_agent).count() == 1


@pytest.mark.django_db
def test_admins_read_the_inbound_email_log_but_cannot_change_it(page_client_for, admin_user):
    from servicedesk.models import InboundEmail

    log = InboundEmail.objects.create(
        message_id="<m1@example.com>",
        sender="x@example.com",
        subject="Hi",
        outcome="refused",
        reason="unknown sender x@example.com",
    )
    client = page_client_for(admin_user)
    listing = client.get("/admin/servicedesk/inboundemail/")
    assert listing.status_code == 200
    assert b"unknown sender x@example.com" in listing.content
    assert client.get("/admin/servicedesk/inboundemail/add/").status_code == 403
    detail = client.get(f"/admin/servicedesk/inboundemail/{log.pk}/change/")
    assert detail.status_code == 200 and b'name="_save"' not in detail.content


@pytest.mark.django_db
def test_when_one_approver_decides_the_others_requests_are_settled(committed, service_desk_team):
    gina = make_user("gina", role=Role.END_USER, first_name="Gina")
    hugo = make_user("hugo", role=Role.END_USER, first_name="Hugo")
    employee = make_user("emil", role=Role.END_USER, first_name="Emil")
    approvers = make_team("Access Approvers", members=[gina, hugo])
    item = make_catalog_item(
        name="Access",
        approval="group",
        approval_group=approvers,
        group_approval_mode="any",
        fulfilment_group=service_desk_team,
    )
    request = committed(order_item, item, requester=employee)
    assert selectors.unread_count(user=hugo) == 1

    approval = request.approvals.get(approver=gina)
    committed(services.decide_approval, approval=approval, approve=True, by=gina)

    assert selectors.unread_count(user=hugo) == 0
    [decided] = Notification.objects.filter(recipient=employee, kind="approval_decided")
    assert decided.text == f"Gina approved {request.number}: {request.short_description}"


@pytest.mark.django_db
def test_mark_all_read_in_the_bell_works_without_javascript(agent):
    from django.test import Client

    notify_user(recipient=agent, kind="other", text="a")
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    page = client.get(reverse("notifications:list")).content.decode()
    token = page.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    response = client.post(
        reverse("notifications:read-all"), {"csrfmiddlewaretoken": token, "next": "/kb/"}
    )
    assert response.status_code == 302 and response.url == "/kb/"
    assert selectors.unread_count(user=agent) == 0


@pytest.mark.django_db
def test_opening_a_ticket_reads_its_notifications(agent, incident):
    from servicedesk.notifications.services import mark_ticket_read

    notify_user(recipient=agent, kind="other", text="about it", ticket=incident)
    notify_user(recipient=agent, kind="other", text="something else")
    assert mark_ticket_read(ticket=incident, user=agent) == 1
    assert [n.text for n in selectors.notifications_for(user=agent, unread_only=True)] == [
        "something else"
    ]


# --- API ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_api_lists_only_my_notifications_and_marks_them_read(
    api_for, token_api_for, agent, second_agent, incident
):
    mine = notify_user(recipient=agent, kind="other", text="Mine", ticket=incident)
    notify_user(recipient=agent, kind="other", text="Also mine")
    theirs = notify_user(recipient=second_agent, kind="other", text="Theirs")
    client = api_for(agent)

    listing = client.get("/api/v1/notifications/?unread=true").json()
    assert [row["text"] for row in listing["results"]] == ["Also mine", "Mine"]
    assert listing["results"][1]["ticket_number"] == incident.number
    assert client.get("/api/v1/notifications/unread-count/").json() == {"unread": 2}

    assert client.post(f"/api/v1/notifications/{mine.pk}/read/").json()["is_unread"] is False
    assert client.post(f"/api/v1/notifications/{theirs.pk}/read/").status_code == 404
    assert client.post("/api/v1/notifications/read-all/").json() == {"marked": 1}
    assert selectors.unread_count(user=second_agent) == 1

    reader = token_api_for(agent, "read")
    assert reader.get("/api/v1/notifications/").status_code == 200
    assert reader.post("/api/v1/notifications/read-all/").status_code == 403


@pytest.mark.django_db
def test_the_api_needs_a_sign_in(client):
    assert client.get("/api/v1/notifications/").status_code in (401, 403)


def test_opening_the_ticket_page_reads_its_notifications(page_client_for, agent, requester):
    ticket = make_incident(caller=requester, short_description="Dock not detected")
    about_ticket = notify_user(
        recipient=agent, kind="assigned_to_me", text="Yours now", ticket=ticket
    )
    about_other = notify_user(recipient=agent, kind="assigned_to_me", text="Another", ticket=None)
    caller_note = notify_user(recipient=requester, kind="other", text="Reply", ticket=ticket)

    page_client_for(agent).get(reverse("servicedesk:desk-ticket", args=[ticket.number]))
    page_client_for(requester).get(reverse("servicedesk:portal-ticket", args=[ticket.number]))

    read = set(Notification.objects.filter(read_at__isnull=False).values_list("pk", flat=True))
    assert read == {about_ticket.pk, caller_note.pk}
    assert about_other.pk not in read
