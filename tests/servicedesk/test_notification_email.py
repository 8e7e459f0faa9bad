"""Email of ticket events: who receives what, after commit, through the notify task."""

import smtplib
from email import message_from_bytes, policy

import pytest
from django.core import mail

from itops.choices import Role
from servicedesk import services
from servicedesk.notifications import outbound
from servicedesk.notifications.tasks import send_email_task
from tests.factories import make_team, make_user
from tests.factories.servicedesk import make_catalog_item, make_incident, order_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_agent(db):
    return make_user("bob", role=Role.AGENT, first_name="Bob", last_name="Second")


@pytest.fixture
def team(agent, second_agent):
    return make_team("Network", members=[agent, second_agent])


@pytest.fixture
def incident(requester, committed):
    ticket = committed(
        make_incident,
        caller=requester,
        short_description="VPN drops every hour",
        description="Since Monday.",
    )
    mail.outbox.clear()
    return ticket


def _to(message) -> set[str]:
    return {address.rpartition("<")[2].rstrip(">") for address in message.to}


def _mails_to(address: str):
    return [message for message in mail.outbox if address in _to(message)]


def _html(message) -> str:
    return next(body for body, kind in message.alternatives if kind == "text/html")


def test_caller_is_told_the_ticket_number_when_a_ticket_is_opened(requester, committed):
    ticket = committed(make_incident, caller=requester, short_description="Printer jams")

    [message] = mail.outbox
    assert _to(message) == {requester.email}
    assert message.subject == f"[{ticket.number}] We received your incident: Printer jams"
    assert ticket.number in message.body
    assert "Printer jams" in _html(message)
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    assert message.extra_headers["Message-ID"] == outbound.thread_root_id(ticket)
    assert message.extra_headers["Reply-To"] == "desk@itops.localhost"


def test_nothing_is_sent_before_the_transaction_commits(
    requester, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as pending:
        make_incident(caller=requester)
    assert mail.outbox == []
    assert pending, "the notification waits for the commit"


def test_assignee_is_mailed_when_a_ticket_is_assigned_to_them(
    incident, agent, second_agent, team, committed
):
    committed(
        services.assign_ticket,
        ticket=incident,
        assignment_group=team,
        assignee=second_agent,
        by=agent,
    )

    [message] = mail.outbox
    assert _to(message) == {second_agent.email}
    assert message.subject == f"[{incident.number}] Assigned to you: VPN drops every hour"
    assert message.extra_headers["In-Reply-To"] == outbound.thread_root_id(incident)
    assert message.extra_headers["References"] == outbound.thread_root_id(incident)
    assert f"/desk/tickets/{incident.number}/" in message.body


def test_group_members_are_mailed_when_only_a_group_is_assigned_but_not_the_one_assigning(
    incident, agent, second_agent, team, committed
):
    committed(services.assign_ticket, ticket=incident, assignment_group=team, by=agent)

    assert [_to(message) for message in mail.outbox] == [{second_agent.email}]
    assert mail.outbox[0].subject.startswith(f"[{incident.number}] Assigned to Network")


def test_agent_comment_reaches_caller_and_watchers_but_not_its_author(
    incident, agent, other_requester, committed
):
    services.add_watcher(ticket=incident, user=other_requester, by=agent)
    committed(services.add_comment, ticket=incident, author=agent, body="Please restart it.")

    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [
            f"Erin Requester <{incident.caller.email}>",
            f"Frank Other <{other_requester.email}>",
        ]
    )
    for message in mail.outbox:
        assert message.subject == f"[{incident.number}] New comment: VPN drops every hour"
        assert "Please restart it." in message.body
        assert f"/portal/tickets/{incident.number}/" in message.body


def test_callers_reply_reaches_the_assignee(incident, requester, agent, team, committed):
    services.assign_ticket(ticket=incident, assignment_group=team, assignee=agent, by=agent)
    committed(services.add_comment, ticket=incident, author=requester, body="Still broken.")

    [message] = mail.outbox
    assert _to(message) == {agent.email}
    assert message.subject == f"[{incident.number}] Reply from the caller: VPN drops every hour"
    assert "Still broken." in message.body


def test_work_notes_are_never_mailed(incident, requester, agent, team, committed):
    services.assign_ticket(ticket=incident, assignment_group=team, assignee=agent, by=agent)
    committed(
        services.add_work_note, ticket=incident, author=agent, body="Caller's laptop is ancient."
    )
    assert mail.outbox == []


def test_a_caller_never_receives_a_work_note_across_a_tickets_life(
    incident, requester, agent, second_agent, team, other_requester, committed
):
    services.add_watcher(ticket=incident, user=other_requester, by=agent)
    secret = "internal-only-4711"
    committed(services.assign_ticket, ticket=incident, assignment_group=team, by=agent)
    committed(services.add_work_note, ticket=incident, author=agent, body=f"note {secret}")
    committed(services.add_comment, ticket=incident, author=agent, body="Public answer.")
    committed(services.add_work_note, ticket=incident, author=second_agent, body=f"again {secret}")
    committed(
        services.resolve_ticket,
        ticket=incident,
        resolution_code="solved_permanently",
        resolution_notes="Replaced the VPN profile.",
        by=agent,
    )

    for person in (requester, other_requester):
        received = _mails_to(person.email)
        assert received, "the caller and the watcher hear of the public events"
        for message in received:
            assert secret not in message.body
            assert secret not in _html(message)


def test_resolution_mail_tells_the_caller_how_to_confirm_or_reopen(
    incident, agent, requester, committed
):
    committed(
        services.resolve_ticket,
        ticket=incident,
        resolution_code="solved_permanently",
        resolution_notes="Replaced the VPN profile.",
        by=agent,
    )

    [message] = _mails_to(requester.email)
    assert message.subject == f"[{incident.number}] Resolved: VPN drops every hour"
    assert "Replaced the VPN profile." in message.body
    assert "reopen" in message.body
    assert f"http://127.0.0.1:8000/portal/tickets/{incident.number}/" in message.body
    assert "Confirm or reopen" in _html(message)


def test_links_start_with_the_configured_base_url(requester, committed, settings):
    settings.ITOPS_BASE_URL = "https://help.example.com"
    ticket = committed(make_incident, caller=requester)
    assert f"https://help.example.com/portal/tickets/{ticket.number}/" in mail.outbox[0].body


def test_approver_is_asked_and_the_requester_hears_the_decision(committed, service_desk_team):
    boss = make_user("bea", role=Role.END_USER, first_name="Bea", last_name="Boss")
    employee = make_user("emil", role=Role.END_USER, first_name="Emil", manager=boss)
    item = make_catalog_item(
        name="New laptop", approval="manager", fulfilment_group=service_desk_team
    )
    request = committed(order_item, item, requester=employee)

    [asked] = _mails_to(boss.email)
    assert (
        asked.subject == f"[{request.number}] Your approval is needed: {request.short_description}"
    )
    assert "Emil" in asked.body
    mail.outbox.clear()

    approval = request.approvals.get()
    committed(
        services.decide_approval, approval=approval, approve=False, comment="No budget", by=boss
    )

    [decided] = _mails_to(employee.email)
    assert decided.subject == f"[{request.number}] Rejected: {request.short_description}"
    assert "No budget" in decided.body
    assert _mails_to(boss.email) == []


def test_text_bodies_are_not_html_escaped(requester, agent, committed, incident):
    committed(services.add_comment, ticket=incident, author=agent, body="Don't <panic> & wait")
    [message] = mail.outbox
    assert "Don't <panic> & wait" in message.body
    assert "Don&#x27;t &lt;panic&gt; &amp; wait" in _html(message)


def test_smtp_trouble_is_retried_and_the_message_sent_once(monkeypatch, requester):
    calls = []
    real_send = outbound.send_email

    def flaky(message):
        calls.append(message["to"])
        if len(calls) == 1:
            raise smtplib.SMTPServerDisconnected("connection lost")
        real_send(message)

    monkeypatch.setattr(outbound, "send_email", flaky)
    message = {
        "to": requester.email,
        "subject": "[INC0001001] x",
        "text": "t",
        "html": "",
        "headers": {},
    }
    # Run as a worker would (tests make eager tasks raise instead of retrying).
    send_email_task.apply(args=[message], throw=False)
    assert len(calls) == 2
    assert len(mail.outbox) == 1


def test_a_permanent_refusal_is_not_retried(monkeypatch, requester):
    calls = []

    def refused(message):
        calls.append(message)
        raise smtplib.SMTPDataError(550, b"mailbox unavailable")

    monkeypatch.setattr(outbound, "send_email", refused)
    message = {"to": requester.email, "subject": "s", "text": "t", "html": "", "headers": {}}
    send_email_task.apply(args=[message], throw=False)
    assert len(calls) == 1


def test_the_sent_message_carries_the_threading_headers(incident, agent, committed):
    committed(services.add_comment, ticket=incident, author=agent, body="Hello")
    raw = mail.outbox[0].message().as_bytes()
    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed["In-Reply-To"] == outbound.thread_root_id(incident)
    assert parsed["Message-ID"].startswith(f"<itops.{incident.number}.")
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert parsed["Subject"].startswith(f"[{incident.number}]")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_mail_after_commit(celery_worker, requester, settings):
    from tests.conftest import wait_for

    ticket = make_incident(caller=requester, short_description="Worker test")
    wait_for(lambda: len(mail.outbox) == 1, message="the worker did not send the mail")
    assert mail.outbox[0].subject == f"[{ticket.number}] We received your incident: Worker test"


def test_a_person_who_opted_out_of_an_event_gets_no_email_for_it(
    incident, agent, requester, committed, page_client_for
):
    from servicedesk.notifications.selectors import email_events_for

    wanted = [event for event in email_events_for(requester) if event != "agent_commented"]
    response = page_client_for(requester).post(
        "/notifications/settings/", {"events": wanted}, follow=True
    )
    assert b"Email settings saved." in response.content

    committed(services.add_comment, ticket=incident, author=agent, body="Try again")
    assert mail.outbox == []
    committed(
        services.resolve_ticket,
        ticket=incident,
        resolution_code="solved_permanently",
        resolution_notes="Fixed.",
        by=agent,
    )
    assert [m.subject for m in mail.outbox] == [
        f"[{incident.number}] Resolved: VPN drops every hour"
    ]


def test_end_users_choose_among_the_events_they_can_receive(page_client_for, requester, agent):
    html = page_client_for(requester).get("/notifications/settings/").content.decode()
    assert "Ticket received" in html and "Ticket assigned" not in html
    html = page_client_for(agent).get("/notifications/settings/").content.decode()
    assert "Ticket assigned" in html


def test_an_unknown_event_is_refused_on_the_settings_page(page_client_for, requester):
    response = page_client_for(requester).post("/notifications/settings/", {"events": ["nope"]})
    assert response.status_code == 200
    assert b"Unknown email event" in response.content


@pytest.mark.parametrize(
    "task",
    [
        "servicedesk.notifications.tasks.notify_ticket_event_task",
        "servicedesk.notifications.tasks.send_email_task",
        "servicedesk.notifications.tasks.notify_push_task",
    ],
)
def test_notification_tasks_run_on_the_notify_queue(task):
    from itops.celery import app

    assert task in app.tasks
    assert app.amqp.router.route({}, task)["queue"].name == "notify"


def test_loading_demo_data_mails_nobody_but_fills_the_bell(
    requester, agent, second_agent, team, committed
):
    from itops.demo import seeding
    from servicedesk.models import Notification

    with seeding():
        ticket = committed(make_incident, caller=requester, by=agent)
        committed(
            services.assign_ticket,
            ticket=ticket,
            assignment_group=team,
            assignee=second_agent,
            by=agent,
        )
    assert mail.outbox == []
    assert Notification.objects.filter(recipient=second_agent).count() == 1


def test_mail_goes_out_through_a_real_smtp_server(requester, committed, settings):
    """The SMTP backend, configured by settings, against an SMTP server on a free port."""
    import socket

    from aiosmtpd.controller import Controller

    class Collector:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append((envelope.rcpt_tos, envelope.content))
            return "250 OK"

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    collector = Collector()
    server = Controller(collector, hostname="127.0.0.1", port=port)
    server.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        ticket = committed(make_incident, caller=requester, short_description="Over SMTP")
    finally:
        server.stop()

    [(recipients, raw)] = collector.messages
    assert recipients == [requester.email]
    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed["Subject"] == f"[{ticket.number}] We received your incident: Over SMTP"
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert parsed.get_body(preferencelist=("html",)) is not None


def test_a_work_note_reaches_the_assignee_and_watching_staff_only(
    incident, requester, agent, second_agent, team, other_requester, committed
):
    ops = make_user("olga", role=Role.OPS_ENGINEER, first_name="Olga")
    services.assign_ticket(ticket=incident, assignment_group=team, assignee=agent, by=agent)
    services.add_watcher(ticket=incident, user=other_requester, by=agent)
    services.add_watcher(ticket=incident, user=ops, by=agent)
    mail.outbox.clear()

    committed(services.add_work_note, ticket=incident, author=second_agent, body="Vendor case 4711")

    assert sorted(_to(m).pop() for m in mail.outbox) == sorted([agent.email, ops.email])
    for message in mail.outbox:
        assert message.subject == f"[{incident.number}] Work note: VPN drops every hour"
        assert "Vendor case 4711" in message.body
        assert "staff only" in message.body
        assert ".wn." in message.extra_headers["Message-ID"]
    assert _mails_to(requester.email) == []
    assert _mails_to(other_requester.email) == []


def test_a_work_note_never_reaches_the_caller_even_when_the_caller_is_staff(
    agent, second_agent, team, committed
):
    ticket = make_incident(caller=second_agent, by=second_agent, short_description="My laptop")
    services.assign_ticket(ticket=ticket, assignment_group=team, assignee=agent, by=agent)
    services.add_watcher(ticket=ticket, user=second_agent, by=agent)
    mail.outbox.clear()
    committed(services.add_work_note, ticket=ticket, author=agent, body="internal")
    assert mail.outbox == []
