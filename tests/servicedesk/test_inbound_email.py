"""Mail to the desk address, delivered with a real SMTP client to the real aiosmtpd receiver."""

import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from django.core import mail

from itops.choices import Role
from servicedesk import services
from servicedesk.choices import CommentVisibility, TicketSource
from servicedesk.models import InboundEmail, Ticket
from servicedesk.notifications import outbound
from servicedesk.notifications.inbound import html_to_text, strip_quoted_reply
from servicedesk.notifications.smtp import build_controller
from tests.conftest import _free_port, run_platform_until
from tests.factories import make_team, make_user
from tests.factories.servicedesk import make_incident

DESK = "desk@itops.localhost"


@pytest.fixture
def start_receiver(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    controllers = []

    def start(**overrides):
        for name, value in overrides.items():
            setattr(settings, name, value)
        controller = build_controller(host="127.0.0.1", port=_free_port())
        controller.start()
        controllers.append(controller)
        return controller

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture
def receiver(start_receiver):
    return start_receiver()


def email(
    *,
    sender="erin@example.com",
    subject="Printer on floor 3 is jammed",
    body="It shows error E42.\n",
    to=DESK,
    **headers,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="mail.example.com")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message


def deliver(receiver, message, *, mail_from=None, to_addrs=None):
    with smtplib.SMTP(receiver.hostname, receiver.port, timeout=30) as client:
        return client.send_message(message, from_addr=mail_from, to_addrs=to_addrs)


def _log(message) -> InboundEmail:
    return InboundEmail.objects.get(message_id=message["Message-ID"])


# --- new tickets ----------------------------------------------------------------------------------


def test_mail_from_a_known_sender_opens_an_incident_for_them(receiver, requester):
    deliver(
        receiver,
        email(body="It shows error E42.\n\nOn Mon, Bob wrote:\n> old stuff\n"),
    )

    ticket = Ticket.objects.get()
    assert ticket.caller == requester
    assert ticket.source == TicketSource.EMAIL
    assert ticket.short_description == "Printer on floor 3 is jammed"
    assert ticket.description == "It shows error E42."
    log = InboundEmail.objects.get()
    assert (log.outcome, log.ticket, log.sender) == ("created", ticket, "erin@example.com")
    [confirmation] = mail.outbox
    assert confirmation.subject.startswith(f"[{ticket.number}] We received your incident")
    assert confirmation.extra_headers["In-Reply-To"] == log.message_id


def test_mail_from_an_unknown_sender_is_refused_without_a_bounce(receiver, db):
    answer = deliver(receiver, email(sender="stranger@elsewhere.example"))

    assert answer == {}  # accepted: the sending server sends no bounce either
    assert not Ticket.objects.exists()
    log = InboundEmail.objects.get()
    assert log.outcome == "refused"
    assert "unknown sender stranger@elsewhere.example" in log.reason
    assert mail.outbox == []


def test_unknown_senders_become_guest_callers_when_configured(start_receiver, db):
    receiver = start_receiver(ITOPS_INBOUND_UNKNOWN_SENDERS="guest")
    deliver(receiver, email(sender="Gus Guest <gus@elsewhere.example>"))

    ticket = Ticket.objects.get()
    assert ticket.caller.email == "gus@elsewhere.example"
    assert ticket.caller.get_full_name() == "Gus Guest"
    assert not ticket.caller.has_usable_password()
    assert ticket.caller.groups.filter(name=Role.END_USER.label).exists()
    assert mail.outbox[0].to == ["Gus Guest <gus@elsewhere.example>"]


def test_html_only_mail_is_converted_to_text(receiver, requester):
    message = email()
    message.set_content(
        "<html><body><p>Screen is <b>black</b>.</p><p>Since 9:00</p>"
        "<blockquote>quoted history</blockquote></body></html>",
        subtype="html",
    )
    deliver(receiver, message)
    assert Ticket.objects.get().description == "Screen is black.\n\nSince 9:00"


def test_attachments_are_stored_and_refused_ones_noted_in_a_work_note(receiver, requester):
    message = email()
    message.add_attachment(
        b"line one\nline two\n", maintype="text", subtype="plain", filename="error.log"
    )
    message.add_attachment(
        b"MZ\x90\x00binary", maintype="application", subtype="octet-stream", filename="tool.exe"
    )
    deliver(receiver, message)

    ticket = Ticket.objects.get()
    [stored] = ticket.attachments.all()
    assert stored.filename == "error.log"
    assert stored.uploaded_by == requester
    assert stored.file.read() == b"line one\nline two\n"
    [note] = ticket.comments.filter(visibility=CommentVisibility.INTERNAL)
    assert "tool.exe" in note.body
    assert "not accepted" in note.body


# --- replies --------------------------------------------------------------------------------------


@pytest.fixture
def worked_incident(transactional_db, requester, agent):
    team = make_team("Service Desk", members=[agent])
    incident = make_incident(caller=requester, short_description="VPN drops")
    services.assign_ticket(ticket=incident, assignment_group=team, assignee=agent, by=agent)
    mail.outbox.clear()
    return incident


def test_a_reply_with_the_ticket_number_becomes_a_public_comment(
    receiver, worked_incident, requester, agent
):
    reply = email(
        subject=f"Re: [{worked_incident.number}] New comment: VPN drops",
        body=f"Yes, it happened again.\n\n{outbound.REPLY_MARKER}\nHello Erin, ...\n",
        In_Reply_To=outbound.thread_root_id(worked_incident),
    )
    deliver(receiver, reply)

    [comment] = worked_incident.comments.all()
    assert comment.author == requester
    assert comment.visibility == CommentVisibility.PUBLIC
    assert comment.body == "Yes, it happened again."
    assert _log(reply).outcome == "commented"
    assert _log(reply).ticket_id == worked_incident.pk
    [to_agent] = mail.outbox
    assert to_agent.to == [f"Alex Agent <{agent.email}>"]
    assert "Yes, it happened again." in to_agent.body


def test_a_reply_whose_subject_lost_the_number_threads_by_its_headers(
    receiver, worked_incident, requester
):
    reply = email(
        subject="Re: your ticket",
        body="Works again.",
        In_Reply_To=outbound.new_message_id(worked_incident),
    )
    deliver(receiver, reply)
    assert [c.body for c in worked_incident.comments.all()] == ["Works again."]
    assert Ticket.objects.count() == 1


def test_a_reply_from_someone_not_on_the_ticket_is_refused(
    receiver, worked_incident, other_requester
):
    reply = email(sender=other_requester.email, subject=f"Re: [{worked_incident.number}] hi")
    deliver(receiver, reply)

    assert not worked_incident.comments.exists()
    log = _log(reply)
    assert log.outcome == "refused"
    assert "may not comment" in log.reason


def test_staff_may_reply_by_mail_too(receiver, worked_incident, agent, requester):
    deliver(
        receiver,
        email(
            sender=agent.email, subject=f"RE: {worked_incident.number}", body="Try the new profile."
        ),
    )
    [comment] = worked_incident.comments.all()
    assert comment.author == agent
    assert [m.to for m in mail.outbox] == [[f"Erin Requester <{requester.email}>"]]


# --- loops, robots, limits ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers, reason",
    [
        ({"Auto_Submitted": "auto-replied"}, "auto-reply"),
        ({"X_Autoreply": "yes"}, "auto-reply"),
        ({"X_Autorespond": "Out of office"}, "auto-reply"),
        ({"Precedence": "bulk"}, "bulk mail"),
        ({"Precedence": "auto_reply"}, "bulk mail"),
        ({"List_Id": "<news.example.com>"}, "mailing list"),
    ],
)
def test_auto_replies_and_list_mail_are_dropped(receiver, requester, headers, reason):
    message = email(**headers)
    deliver(receiver, message)
    assert not Ticket.objects.exists()
    log = _log(message)
    assert log.outcome == "dropped"
    assert log.reason.startswith(reason)
    assert mail.outbox == []


def test_auto_submitted_no_is_a_person(receiver, requester):
    deliver(receiver, email(Auto_Submitted="no"))
    assert Ticket.objects.count() == 1


def test_bounces_with_an_empty_return_path_are_dropped(receiver, requester):
    message = email()
    deliver(receiver, message, mail_from="")
    assert _log(message).reason.startswith("bounce")
    assert not Ticket.objects.exists()


def test_mailer_daemon_is_dropped(receiver, db):
    message = email(sender="MAILER-DAEMON@mx.example.com", subject="Undelivered Mail")
    deliver(receiver, message)
    assert _log(message).outcome == "dropped"


def test_our_own_message_bounced_back_is_dropped(receiver, worked_incident, agent, requester):
    services.add_comment(ticket=worked_incident, author=agent, body="Please try again.")
    [ours] = mail.outbox
    mail.outbox.clear()
    looped = ours.message()
    del looped["Auto-Submitted"]  # even without it, our own address and thread give it away

    deliver(receiver, looped, to_addrs=[DESK])

    log = InboundEmail.objects.get()
    assert log.outcome == "dropped"
    assert log.reason == "loop: our own message came back"
    assert worked_incident.comments.count() == 1
    assert mail.outbox == []


def test_a_sender_over_the_hourly_limit_is_dropped(start_receiver, requester):
    receiver = start_receiver(ITOPS_INBOUND_EMAIL_RATE_LIMIT=2)
    messages = [email(subject=f"Flood {n}") for n in range(4)]
    for message in messages:
        deliver(receiver, message)
    assert Ticket.objects.count() == 2
    assert [_log(message).outcome for message in messages] == [
        "created",
        "created",
        "dropped",
        "dropped",
    ]
    assert _log(messages[2]).reason.startswith("rate limit")


def test_an_oversized_message_is_refused_with_552(start_receiver, requester):
    receiver = start_receiver(ITOPS_INBOUND_EMAIL_MAX_BYTES=2048)
    with pytest.raises(smtplib.SMTPException) as refused:
        deliver(receiver, email(body=("x" * 70 + "\n") * 80))
    assert refused.value.smtp_code == 552
    assert not InboundEmail.objects.exists()


def test_an_oversized_message_without_a_size_hint_is_refused_with_552(start_receiver, requester):
    receiver = start_receiver(ITOPS_INBOUND_EMAIL_MAX_BYTES=2048)
    with smtplib.SMTP(receiver.hostname, receiver.port, timeout=30) as client:
        client.ehlo()
        client.esmtp_features.pop("size", None)  # as a client that ignores SIZE would
        with pytest.raises(smtplib.SMTPDataError) as refused:
            client.sendmail(requester.email, [DESK], email(body=("x" * 70 + "\n") * 80).as_string())
    assert refused.value.smtp_code == 552
    assert not InboundEmail.objects.exists()


def test_other_recipients_are_refused_with_550(receiver, requester):
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        deliver(receiver, email(to="someone@itops.localhost"))
    [(code, _text)] = refused.value.recipients.values()
    assert code == 550
    assert not InboundEmail.objects.exists()


def test_a_message_delivered_twice_is_handled_once(receiver, requester):
    message = email()
    deliver(receiver, message)
    deliver(receiver, message)
    assert Ticket.objects.count() == 1
    assert InboundEmail.objects.count() == 1
    assert len(mail.outbox) == 1


# --- parsing ------------------------------------------------------------------------------------


def test_quoted_history_and_signatures_are_cut():
    text = "Thanks, that worked.\n\n-- \nErin\n"
    assert strip_quoted_reply(text) == "Thanks, that worked."
    outlook = "Fine now.\r\n\r\n________________________________\r\nFrom: desk\r\nSent: ..."
    assert strip_quoted_reply(outlook) == "Fine now."
    wrapped = "Done.\n\nOn Tue, 3 Mar 2026 at 10:00, itops service desk <desk@itops.localhost>\nwrote:\n> hi"
    assert strip_quoted_reply(wrapped) == "Done."


def test_html_to_text_keeps_paragraphs_and_drops_scripts():
    html = "<style>p{}</style><div>One<br>Two</div><script>x()</script><p>Three &amp; four</p>"
    assert html_to_text(html) == "One\nTwo\n\nThree & four"


def test_staff_persona_is_known_by_address_case_insensitively(receiver, db):
    make_user("zoe", role=Role.END_USER, email="Zoe@Example.com")
    deliver(receiver, email(sender="zoe@EXAMPLE.com"))
    assert Ticket.objects.get().caller.username == "zoe"


@pytest.mark.worker
def test_run_platform_starts_the_smtp_receiver_when_a_port_is_set(transactional_db, requester):
    smtp_port = _free_port()

    def accepted():
        try:
            with smtplib.SMTP("127.0.0.1", smtp_port, timeout=5) as client:
                client.send_message(email(subject="Sent while the platform runs"))
            return True
        except OSError:
            return False

    returncode, output = run_platform_until(
        accepted, PORT=str(_free_port()), ITOPS_INBOUND_SMTP_PORT=str(smtp_port)
    )

    assert returncode == 0, output
    assert f"over SMTP on 127.0.0.1:{smtp_port}" in output
    assert "smtp: stopped" in output
    ticket = Ticket.objects.get()
    assert (ticket.short_description, ticket.caller) == ("Sent while the platform runs", requester)


def test_staff_see_the_emails_on_the_ticket_timeline_and_callers_do_not(
    receiver, worked_incident, requester, agent
):
    from servicedesk.selectors import ticket_timeline

    deliver(receiver, email(subject=f"Re: [{worked_incident.number}]", body="More info"))

    staff_view = ticket_timeline(ticket=worked_incident, user=agent)
    [entry] = [e for e in staff_view if e.kind == "inbound_email"]
    assert entry.title == "Email from erin@example.com: comment added"
    caller_view = ticket_timeline(ticket=worked_incident, user=requester)
    assert not [e for e in caller_view if e.kind == "inbound_email"]


def test_known_people_in_cc_watch_the_new_ticket(receiver, requester, other_requester):
    deliver(
        receiver,
        email(Cc=f"Frank <{other_requester.email}>, nobody@elsewhere.example, {DESK}"),
    )
    ticket = Ticket.objects.get()
    assert list(ticket.watchers.all()) == [other_requester]


def test_a_reply_to_a_work_note_email_stays_a_work_note(
    receiver, worked_incident, agent, requester
):
    colleague = make_user("bob", role=Role.AGENT, first_name="Bob")
    services.add_work_note(ticket=worked_incident, author=colleague, body="Check the VPN logs")
    [note_mail] = mail.outbox
    mail.outbox.clear()

    deliver(
        receiver,
        email(
            sender=agent.email,
            subject=f"Re: {note_mail.subject}",
            body="Logs show the tunnel flapping.",
            In_Reply_To=note_mail.extra_headers["Message-ID"],
        ),
    )

    reply = worked_incident.comments.order_by("id").last()
    assert reply.body == "Logs show the tunnel flapping."
    assert reply.visibility == CommentVisibility.INTERNAL
    assert _mails_to_address(requester.email) == []


def test_a_caller_cannot_answer_a_work_note_email(receiver, worked_incident, requester, agent):
    colleague = make_user("bob", role=Role.AGENT, first_name="Bob")
    services.add_work_note(ticket=worked_incident, author=colleague, body="internal")
    [note_mail] = mail.outbox
    message = email(
        subject=f"Re: {note_mail.subject}",
        body="I saw this somehow",
        In_Reply_To=note_mail.extra_headers["Message-ID"],
    )
    deliver(receiver, message)
    assert _log(message).outcome == "refused"
    assert worked_incident.comments.filter(body="I saw this somehow").count() == 0


def _mails_to_address(address):
    return [m for m in mail.outbox if any(address in to for to in m.to)]


def test_a_message_with_broken_mime_still_opens_a_ticket_from_its_subject(receiver, requester):
    raw = (
        "From: erin@example.com\r\nTo: desk@itops.localhost\r\nSubject: Broken body\r\n"
        "Message-ID: <broken-1@example.com>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="never-closed"\r\n\r\n'
        "--never-closed\r\nContent-Type: text/plain; charset=x-unknown-charset\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n%%%not base64%%%\r\n"
    )
    with smtplib.SMTP(receiver.hostname, receiver.port, timeout=30) as client:
        client.sendmail(requester.email, [DESK], raw)
    ticket = Ticket.objects.get()
    assert ticket.short_description == "Broken body"


def test_a_reply_to_a_closed_ticket_opens_a_follow_up(receiver, worked_incident, agent, requester):
    services.resolve_ticket(
        ticket=worked_incident,
        resolution_code="solved_permanently",
        resolution_notes="ok",
        by=agent,
    )
    services.close_ticket(ticket=worked_incident, by=agent)
    reply = email(subject=f"Re: [{worked_incident.number}] Resolved", body="It is back.")
    deliver(receiver, reply)

    follow_up = Ticket.objects.exclude(pk=worked_incident.pk).get()
    assert follow_up.caller == requester
    assert (
        follow_up.description
        == f"Follow-up to {worked_incident.number}, which is closed.\n\nIt is back."
    )
    log = _log(reply)
    assert (log.outcome, log.ticket) == ("created", follow_up)
    assert log.reason == f"{worked_incident.number} is closed: opened a follow-up"
    assert not worked_incident.comments.filter(body="It is back.").exists()


def test_a_stranger_replying_to_a_closed_ticket_is_refused(
    receiver, worked_incident, agent, other_requester
):
    services.cancel_ticket(ticket=worked_incident, by=agent, reason="dup")
    reply = email(sender=other_requester.email, subject=f"Re: [{worked_incident.number}]")
    deliver(receiver, reply)
    assert _log(reply).outcome == "refused"
    assert Ticket.objects.count() == 1
