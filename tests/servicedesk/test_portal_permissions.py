"""Who may do what in the portal: an end user reaches only their own tickets, by page or by
guessing numbers and ids (404 either way), never sees work notes, and rates once."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from servicedesk import services
from servicedesk.models import Attachment, Comment, SatisfactionRating, Ticket
from tests.factories.servicedesk import make_incident, make_request

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def url(name: str, ticket: Ticket | str | int | None = None) -> str:
    if ticket is None:
        return reverse(f"servicedesk:{name}")
    key = ticket.number if isinstance(ticket, Ticket) else str(ticket)
    return reverse(f"servicedesk:{name}", args=[key])


def resolve(ticket: Ticket, agent) -> Ticket:
    services.start_ticket(ticket=ticket, by=agent)
    return services.resolve_ticket(
        ticket=ticket,
        resolution_code="solved_permanently",
        resolution_notes="Replaced the toner.",
        by=agent,
    )


@pytest.fixture
def franks_incident(other_requester):
    return make_incident(caller=other_requester, short_description="Frank's secret printer")


@pytest.fixture
def franks_resolved(other_requester, agent, service_desk_team):
    return resolve(make_incident(caller=other_requester), agent)


# --- reading ----------------------------------------------------------------------------------


@pytest.mark.parametrize("by", ["number", "lowercase number", "id"])
def test_end_user_cannot_read_another_users_ticket_by_guessing(
    page_client_for, requester, franks_incident, by
):
    key = {
        "number": franks_incident.number,
        "lowercase number": franks_incident.number.lower(),
        "id": franks_incident.pk,
    }[by]

    response = page_client_for(requester).get(url("portal-ticket", key))

    assert response.status_code == 404
    assert "secret printer" not in response.content.decode()


def test_a_ticket_that_does_not_exist_is_the_same_404(page_client_for, requester):
    response = page_client_for(requester).get(url("portal-ticket", "INC9999999"))
    assert response.status_code == 404


def test_end_user_does_not_see_another_users_tickets_in_my_tickets_or_search(
    page_client_for, requester, franks_incident
):
    mine = make_incident(caller=requester, short_description="My printer is broken too")
    client = page_client_for(requester)

    listing = client.get(url("portal-tickets"), {"status": "all"}).content.decode()
    found = client.get(url("portal-search"), {"q": "printer"}).content.decode()

    assert mine.number in listing and franks_incident.number not in listing
    assert franks_incident.number not in found


def test_problems_are_not_portal_tickets_even_for_staff(page_client_for, agent):
    problem = services.open_problem(by=agent, short_description="Root cause hunt")
    response = page_client_for(agent).get(url("portal-ticket", problem))
    assert response.status_code == 404


def test_end_user_never_sees_work_notes_on_their_ticket(
    page_client_for, requester, agent, service_desk_team
):
    ticket = make_incident(caller=requester)
    services.add_comment(ticket=ticket, author=agent, body="Please reboot and tell us.")
    services.add_work_note(ticket=ticket, author=agent, body="Caller is on the watch list")
    note = Comment.objects.get(body="Caller is on the watch list")
    services.add_attachment(
        ticket=ticket,
        upload=SimpleUploadedFile("internal-dump.txt", b"secret"),
        comment=note,
        by=agent,
    )

    page = page_client_for(requester).get(url("portal-ticket", ticket)).content.decode()

    assert "Please reboot and tell us." in page
    assert "Caller is on the watch list" not in page
    assert "Work note" not in page
    assert "internal-dump.txt" not in page


def test_the_manager_who_ordered_for_a_report_follows_that_request(
    page_client_for, requester, other_requester
):
    other_requester.manager = requester
    other_requester.save(update_fields=["manager"])
    request = make_request(caller=other_requester, by=requester, watchers=[requester])
    reports_own = make_request(caller=other_requester)
    client = page_client_for(requester)

    assert client.get(url("portal-ticket", request)).status_code == 200
    listing = client.get(url("portal-tickets")).content.decode()
    assert request.number in listing
    assert reports_own.number not in listing  # the selector does not show it: neither do we


# --- writing on another user's ticket ---------------------------------------------------------


def test_end_user_cannot_comment_on_another_users_ticket(
    page_client_for, requester, franks_incident
):
    response = page_client_for(requester).post(
        url("portal-ticket-comment", franks_incident), {"body": "Let me in"}
    )
    assert response.status_code == 404
    assert not Comment.objects.filter(ticket=franks_incident).exists()


def test_end_user_cannot_attach_to_another_users_ticket(
    page_client_for, requester, franks_incident
):
    response = page_client_for(requester).post(
        url("portal-ticket-attach", franks_incident.pk),
        {"files": SimpleUploadedFile("note.txt", b"hello")},
    )
    assert response.status_code == 404
    assert not Attachment.objects.exists()


def test_end_user_cannot_reopen_confirm_or_rate_another_users_ticket(
    page_client_for, requester, franks_resolved
):
    client = page_client_for(requester)

    reopened = client.post(url("portal-ticket-reopen", franks_resolved), {"reason": "No"})
    confirmed = client.post(url("portal-ticket-confirm", franks_resolved))
    rated = client.post(url("portal-ticket-rate", franks_resolved), {"rating": "1"})

    assert (reopened.status_code, confirmed.status_code, rated.status_code) == (404, 404, 404)
    franks_resolved.refresh_from_db()
    assert franks_resolved.state == "resolved"
    assert not SatisfactionRating.objects.exists()


def test_end_user_cannot_decide_someone_elses_approval(page_client_for, other_requester):
    from servicedesk.models import RequestApproval

    response = page_client_for(other_requester).post(
        reverse("servicedesk:portal-approval-decide", args=[12345]), {"a12345-decision": "approve"}
    )
    assert response.status_code == 404
    assert not RequestApproval.objects.exists()


# --- their own ticket: the rules still hold -----------------------------------------------------


def test_end_user_cannot_rate_twice(page_client_for, requester, agent, service_desk_team):
    ticket = resolve(make_incident(caller=requester), agent)
    client = page_client_for(requester)

    first = client.post(url("portal-ticket-rate", ticket), {"rating": "4", "comment": "Quick"})
    second = client.post(url("portal-ticket-rate", ticket), {"rating": "1", "comment": "Changed"})

    assert first.status_code == 302
    assert second.status_code == 409
    assert "already been rated" in second.content.decode()
    rating = SatisfactionRating.objects.get(ticket=ticket)
    assert (rating.rating, rating.comment) == (4, "Quick")


def test_end_user_cannot_reopen_a_closed_ticket(
    page_client_for, requester, agent, service_desk_team
):
    ticket = services.close_ticket(
        ticket=resolve(make_incident(caller=requester), agent), by=requester
    )
    client = page_client_for(requester)

    page = client.get(url("portal-ticket", ticket)).content.decode()
    response = client.post(url("portal-ticket-reopen", ticket), {"reason": "Broken again"})

    assert "No, still broken" not in page
    assert response.status_code == 409
    ticket.refresh_from_db()
    assert ticket.state == "closed"
    assert not Comment.objects.filter(ticket=ticket, body="Broken again").exists()


def test_end_user_cannot_reopen_after_the_auto_close_window(
    page_client_for, requester, agent, service_desk_team, settings
):
    ticket = resolve(make_incident(caller=requester), agent)
    Ticket.objects.filter(pk=ticket.pk).update(
        resolved_at=timezone.now() - timedelta(days=settings.ITOPS_AUTO_CLOSE_DAYS, minutes=1)
    )
    client = page_client_for(requester)

    page = client.get(url("portal-ticket", ticket)).content.decode()
    response = client.post(url("portal-ticket-reopen", ticket), {"reason": "Broken again"})

    assert "No, still broken" not in page
    assert "can no longer be reopened" in page
    assert response.status_code == 409
    assert "can no longer be reopened" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.state == "resolved"


def test_a_watcher_may_comment_but_not_confirm_or_rate(
    page_client_for, requester, other_requester, agent, service_desk_team
):
    ticket = resolve(make_incident(caller=other_requester, watchers=[requester]), agent)
    client = page_client_for(requester)

    page = client.get(url("portal-ticket", ticket)).content.decode()
    commented = client.post(url("portal-ticket-comment", ticket), {"body": "Same here"})
    confirmed = client.post(url("portal-ticket-confirm", ticket))
    rated = client.post(url("portal-ticket-rate", ticket), {"rating": "5"})

    assert "Yes, it's fixed" not in page and 'data-testid="rating-form"' not in page
    assert commented.status_code == 302
    assert confirmed.status_code == 403
    assert rated.status_code == 403
    ticket.refresh_from_db()
    assert ticket.state == "resolved"
    assert not SatisfactionRating.objects.exists()


# --- who gets in at all -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["portal", "portal-report", "portal-catalog", "portal-tickets", "portal-approvals"],
)
def test_anonymous_people_are_sent_to_sign_in(client, name):
    response = client.get(url(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_anonymous_people_are_sent_to_sign_in_from_a_ticket(client, requester):
    ticket = make_incident(caller=requester)
    response = client.get(url("portal-ticket", ticket))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_anonymous_posts_change_nothing(client, requester, agent, service_desk_team):
    ticket = resolve(make_incident(caller=requester), agent)
    response = client.post(url("portal-ticket-rate", ticket), {"rating": "5"})
    assert response.status_code == 302
    assert not SatisfactionRating.objects.exists()


def test_people_without_a_role_are_told_why_and_refused_the_rest(
    page_client_for, outsider, requester
):
    ticket = make_incident(caller=requester)
    client = page_client_for(outsider)

    home = client.get(url("portal"))
    refused = [
        client.get(url("portal-report")).status_code,
        client.post(url("portal-report"), {"short_description": "Hi", "urgency": "3"}).status_code,
        client.get(url("portal-catalog")).status_code,
        client.get(url("portal-tickets")).status_code,
        client.get(url("portal-ticket", ticket)).status_code,
    ]

    assert home.status_code == 200
    assert "no role has been given to your account" in home.content.decode()
    assert refused == [403] * 5
    assert Ticket.objects.count() == 1


def test_the_attachment_links_on_the_page_open_for_the_caller_only(
    page_client_for, requester, other_requester
):
    ticket = make_incident(caller=requester)
    services.add_attachment(
        ticket=ticket, upload=SimpleUploadedFile("trace.log", b"line 1"), by=requester
    )
    attachment = Attachment.objects.get()
    link = reverse("servicedesk-api:attachment-download", args=[attachment.pk])

    page = page_client_for(requester).get(url("portal-ticket", ticket)).content.decode()
    mine = page_client_for(requester).get(link)
    theirs = page_client_for(other_requester).get(link)

    assert f'href="{link}"' in page
    assert mine.status_code == 200 and b"".join(mine.streaming_content) == b"line 1"
    assert theirs.status_code == 404


def test_staff_opening_their_own_ticket_in_the_portal_see_the_callers_view(
    page_client_for, agent, service_desk_team
):
    ticket = make_incident(caller=agent, short_description="My own laptop")
    services.add_work_note(ticket=ticket, author=agent, body="Desk-only remark")
    note = Comment.objects.get(body="Desk-only remark")
    services.add_attachment(
        ticket=ticket, upload=SimpleUploadedFile("desk-only.txt", b"x"), comment=note, by=agent
    )

    page = page_client_for(agent).get(url("portal-ticket", ticket)).content.decode()

    assert "My own laptop" in page
    assert "Desk-only remark" not in page and "desk-only.txt" not in page


def test_the_activity_fragment_shows_public_entries_to_the_caller_only(
    page_client_for, requester, agent, franks_incident, service_desk_team
):
    ticket = make_incident(caller=requester)
    services.add_comment(ticket=ticket, author=agent, body="We are on it.")
    services.add_work_note(ticket=ticket, author=agent, body="Escalate if it recurs")
    client = page_client_for(requester)

    fragment = client.get(url("portal-ticket-activity", ticket)).content.decode()
    theirs = client.get(url("portal-ticket-activity", franks_incident))

    assert "We are on it." in fragment and "Escalate if it recurs" not in fragment
    assert 'hx-trigger="every 30s"' in fragment and "<html" not in fragment
    assert theirs.status_code == 404
