"""The portal's pages as an end user meets them: reporting with files and suggestions, ordering
from the catalog, following, confirming, reopening and commenting on tickets, approving."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from itops.choices import Role
from servicedesk import services
from servicedesk.knowledge.choices import ArticleAudience
from servicedesk.models import Attachment, Comment, RequestApproval, Ticket
from tests.factories import make_user
from tests.factories.knowledge import make_article
from tests.factories.servicedesk import (
    make_affected_ci,
    make_catalog_item,
    make_incident,
    make_task_template,
    order_item,
)

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.ITOPS_ATTACHMENT_MAX_BYTES = 4096
    return tmp_path


@pytest.fixture
def client_as(page_client_for):
    return page_client_for


def stored_files(media_root) -> list:
    return [path for path in media_root.rglob("*") if path.is_file()]


def ticket_url(name: str, ticket: Ticket) -> str:
    return reverse(f"servicedesk:{name}", args=[ticket.number])


# --- reporting an incident --------------------------------------------------------------------


def test_end_user_reports_an_incident_with_files(client_as, requester, media_root):
    service = make_affected_ci("Payroll", is_service=True)

    response = client_as(requester).post(
        reverse("servicedesk:portal-report"),
        {
            "short_description": "Payroll shows last month's payslip",
            "description": "Since **Monday**.",
            "affected": service.pk,
            "urgency": "2",
            "attachments": [
                SimpleUploadedFile("screen.png", PNG),
                SimpleUploadedFile("steps.txt", b"1. open payroll"),
            ],
        },
    )

    incident = Ticket.objects.get(short_description="Payroll shows last month's payslip")
    assert response.status_code == 302
    assert response["Location"] == ticket_url("portal-ticket", incident)
    assert (incident.kind, incident.source, incident.caller, incident.opened_by) == (
        "incident",
        "portal",
        requester,
        requester,
    )
    assert (incident.urgency, incident.impact, incident.business_service) == (2, 3, service)
    assert sorted(a.filename for a in incident.attachments.all()) == ["screen.png", "steps.txt"]
    page = client_as(requester).get(response["Location"]).content.decode()
    assert "screen.png" in page and "<strong>Monday</strong>" in page


def test_an_application_is_recorded_as_the_affected_ci(client_as, requester):
    from cmdb.models import CIClass

    application_class, _ = CIClass.objects.get_or_create(
        slug="application", defaults={"name": "Application"}
    )
    crm = make_affected_ci("crm-app")
    crm.ci_class = application_class
    crm.save()

    client_as(requester).post(
        reverse("servicedesk:portal-report"),
        {"short_description": "CRM is slow", "affected": crm.pk, "urgency": "3"},
    )

    incident = Ticket.objects.get(short_description="CRM is slow")
    assert (incident.configuration_item, incident.business_service) == (crm, None)


def test_servers_are_not_offered_to_end_users(client_as, requester):
    server = make_affected_ci("db-prod-01")
    client = client_as(requester)

    form = client.get(reverse("servicedesk:portal-report")).content.decode()
    response = client.post(
        reverse("servicedesk:portal-report"),
        {"short_description": "DB down", "affected": server.pk, "urgency": "3"},
    )

    assert "db-prod-01" not in form
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not Ticket.objects.exists()


def test_a_refused_attachment_leaves_no_ticket_and_no_file(client_as, requester, media_root):
    response = client_as(requester).post(
        reverse("servicedesk:portal-report"),
        {
            "short_description": "Printer broken",
            "urgency": "3",
            "attachments": [
                SimpleUploadedFile("fine.txt", b"all good"),
                SimpleUploadedFile("photo.png", b"this is not a png at all"),
            ],
        },
    )

    body = response.content.decode()
    assert response.status_code == 400
    assert "photo.png" in body and "is not a png file" in body
    assert 'value="Printer broken"' in body  # what they typed is kept
    assert not Ticket.objects.exists()
    assert not Attachment.objects.exists()
    assert stored_files(media_root) == []


def test_a_too_large_attachment_names_the_limit(client_as, requester):
    response = client_as(requester).post(
        reverse("servicedesk:portal-report"),
        {
            "short_description": "Big log",
            "urgency": "3",
            "attachments": [SimpleUploadedFile("big.log", b"x" * 5000)],
        },
    )
    assert response.status_code == 400
    assert "at most 4096 bytes" in response.content.decode()
    assert not Ticket.objects.exists()


def test_an_attachment_failing_after_the_ticket_is_written_rolls_everything_back(
    client_as, requester, media_root, monkeypatch
):
    from servicedesk.portal import services as portal_services

    real = portal_services.add_attachment
    calls = []

    def fail_on_second(**kwargs):
        calls.append(kwargs["upload"].name)
        if len(calls) == 2:
            raise OSError("disk full")
        return real(**kwargs)

    monkeypatch.setattr(portal_services, "add_attachment", fail_on_second)
    with pytest.raises(OSError):
        portal_services.report_incident(
            by=requester,
            short_description="Half saved?",
            uploads=[SimpleUploadedFile("a.txt", b"one"), SimpleUploadedFile("b.txt", b"two")],
        )

    assert not Ticket.objects.exists()
    assert not Attachment.objects.exists()
    assert stored_files(media_root) == []


def test_a_report_without_a_short_description_shows_the_error(client_as, requester):
    response = client_as(requester).post(
        reverse("servicedesk:portal-report"), {"short_description": "  ", "urgency": "3"}
    )
    assert response.status_code == 400
    assert 'data-testid="error-short_description"' in response.content.decode()
    assert not Ticket.objects.exists()


def test_suggestions_match_the_short_description_and_skip_internal_articles(client_as, requester):
    make_article("Connect to the VPN from home", summary="Install the client and sign in.")
    make_article("VPN failover runbook", audience=ArticleAudience.STAFF)
    client = client_as(requester)

    found = client.get(
        reverse("servicedesk:portal-suggest"), {"short_description": "vpn keeps dropp"}
    ).content.decode()
    nothing = client.get(reverse("servicedesk:portal-suggest"), {"short_description": "vp"})

    assert "Connect to the VPN from home" in found
    assert "/kb/articles/connect-to-the-vpn-from-home/" in found
    assert "runbook" not in found
    assert 'data-testid="kb-suggestions"' not in nothing.content.decode()


# --- the catalog ------------------------------------------------------------------------------


@pytest.fixture
def laptop(service_desk_team):
    item = make_catalog_item(
        name="New laptop",
        short_description="A standard laptop.",
        approval="manager",
        fulfilment_group=service_desk_team,
        form_definition=[
            {"name": "model", "type": "choice", "choices": ["13", "14"], "required": True},
            {"name": "reason", "type": "textarea", "required": True},
        ],
    )
    make_task_template(item, team=service_desk_team, title="Prepare the laptop")
    return item


@pytest.fixture
def boss(db):
    return make_user("bea", role=Role.END_USER, first_name="Bea", last_name="Boss")


@pytest.fixture
def employee(boss):
    return make_user("emil", role=Role.END_USER, first_name="Emil", manager=boss)


def test_the_catalog_lists_items_and_their_form(client_as, employee, boss, laptop):
    client = client_as(employee)

    listing = client.get(reverse("servicedesk:portal-catalog")).content.decode()
    item_page = client.get(reverse("servicedesk:portal-catalog-item", args=[laptop.pk]))
    for_boss = client_as(boss).get(reverse("servicedesk:portal-catalog-item", args=[laptop.pk]))

    assert "New laptop" in listing and "Manager approves" in listing
    assert item_page.status_code == 200
    assert 'name="model"' in item_page.content.decode()
    assert "(you)" in item_page.content.decode()  # no reports: nobody else to order for
    options = for_boss.content.decode()
    assert "Myself (Bea Boss)" in options and f'<option value="{employee.pk}">Emil' in options


def test_an_inactive_item_is_not_found(client_as, employee, laptop):
    laptop.is_active = False
    laptop.save()
    response = client_as(employee).get(reverse("servicedesk:portal-catalog-item", args=[laptop.pk]))
    assert response.status_code == 404


def test_ordering_with_a_missing_answer_names_the_question(client_as, employee, laptop):
    response = client_as(employee).post(
        reverse("servicedesk:portal-catalog-item", args=[laptop.pk]),
        {"model": "14", "reason": "", "order-requested_for": employee.pk},
    )

    body = response.content.decode()
    assert response.status_code == 400
    assert 'data-testid="error-reason"' in body
    assert 'data-testid="error-model"' not in body
    assert not Ticket.objects.exists()


def test_ordering_opens_a_request_that_waits_for_the_manager(client_as, employee, boss, laptop):
    response = client_as(employee).post(
        reverse("servicedesk:portal-catalog-item", args=[laptop.pk]),
        {"model": "14", "reason": "Mine is broken", "order-requested_for": employee.pk},
    )

    request = Ticket.objects.get(kind="request")
    assert response.status_code == 302
    assert response["Location"] == ticket_url("portal-ticket", request)
    assert (request.caller, request.source, request.state) == (
        employee,
        "portal",
        "pending_approval",
    )
    assert request.request_answers == {"model": "14", "reason": "Mine is broken"}
    assert request.approvals.get().approver == boss


def test_a_manager_orders_for_a_report_and_follows_it(client_as, employee, boss, laptop):
    response = client_as(boss).post(
        reverse("servicedesk:portal-catalog-item", args=[laptop.pk]),
        {"model": "13", "reason": "New hire", "order-requested_for": employee.pk},
    )

    request = Ticket.objects.get(kind="request")
    assert response.status_code == 302
    assert request.caller == employee
    assert list(request.watchers.all()) == [boss]
    assert request.state == "in_progress"  # the manager approved by ordering
    listing = client_as(boss).get(reverse("servicedesk:portal-tickets")).content.decode()
    assert request.number in listing and "for Emil" in listing


def test_nobody_orders_for_someone_who_is_not_their_report(client_as, employee, boss, laptop):
    response = client_as(employee).post(
        reverse("servicedesk:portal-catalog-item", args=[laptop.pk]),
        {"model": "13", "reason": "For my boss", "order-requested_for": boss.pk},
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not Ticket.objects.exists()


def test_without_a_manager_the_approval_problem_is_shown(client_as, requester, laptop):
    response = client_as(requester).post(
        reverse("servicedesk:portal-catalog-item", args=[laptop.pk]),
        {"model": "13", "reason": "Broken", "order-requested_for": requester.pk},
    )
    assert response.status_code == 400
    assert "no manager is recorded" in response.content.decode()
    assert not Ticket.objects.exists()


def test_the_request_page_shows_answers_approvals_and_progress(client_as, employee, boss, laptop):
    request = order_item(
        laptop, requester=boss, on_behalf_of=employee, answers={"model": "14", "reason": "Hire"}
    )

    page = client_as(employee).get(ticket_url("portal-ticket", request)).content.decode()

    assert 'data-testid="request-answers"' in page and "Hire" in page
    assert "Bea Boss" in page and "Approved" in page
    assert "0 of 1 step done" in page
    assert "Prepare the laptop" not in page  # tasks are desk business


# --- approvals --------------------------------------------------------------------------------


@pytest.fixture
def waiting(employee, laptop):
    return order_item(laptop, requester=employee, answers={"model": "14", "reason": "Broken"})


def test_the_manager_sees_and_approves_a_pending_request(client_as, boss, waiting):
    client = client_as(boss)
    approval = waiting.approvals.get()

    home = client.get(reverse("servicedesk:portal")).content.decode()
    listing = client.get(reverse("servicedesk:portal-approvals")).content.decode()
    response = client.post(
        reverse("servicedesk:portal-approval-decide", args=[approval.pk]),
        {f"a{approval.pk}-decision": "approve", f"a{approval.pk}-comment": ""},
    )

    assert "1 approval waiting" in home and waiting.number in home
    assert waiting.number in listing and "Broken" in listing
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.state == "in_progress"


def test_rejecting_needs_a_comment(client_as, boss, waiting):
    approval = waiting.approvals.get()
    client = client_as(boss)
    decide = reverse("servicedesk:portal-approval-decide", args=[approval.pk])

    refused = client.post(decide, {f"a{approval.pk}-decision": "reject"})
    rejected = client.post(
        decide, {f"a{approval.pk}-decision": "reject", f"a{approval.pk}-comment": "Not this year"}
    )

    assert refused.status_code == 400
    assert 'data-testid="error-comment"' in refused.content.decode()
    assert rejected.status_code == 302
    waiting.refresh_from_db()
    assert waiting.state == "rejected"
    assert "Not this year" in waiting.resolution_notes


def test_a_decided_approval_cannot_be_decided_again(client_as, boss, waiting):
    approval = waiting.approvals.get()
    services.decide_approval(approval=approval, approve=True, by=boss)

    response = client_as(boss).post(
        reverse("servicedesk:portal-approval-decide", args=[approval.pk]),
        {f"a{approval.pk}-decision": "reject", f"a{approval.pk}-comment": "Changed my mind"},
    )

    assert response.status_code == 409
    assert "already approved" in response.content.decode()
    assert RequestApproval.objects.get(pk=approval.pk).state == "approved"


# --- following a ticket -----------------------------------------------------------------------


@pytest.fixture
def resolved(requester, agent, service_desk_team):
    ticket = make_incident(caller=requester, short_description="Printer jams")
    services.start_ticket(ticket=ticket, by=agent)
    return services.resolve_ticket(
        ticket=ticket,
        resolution_code="solved_permanently",
        resolution_notes="Replaced the pickup roller.",
        by=agent,
    )


def test_a_resolved_ticket_shows_the_resolution_and_both_answers(client_as, requester, resolved):
    page = client_as(requester).get(ticket_url("portal-ticket", resolved)).content.decode()
    assert "Replaced the pickup roller." in page
    assert "Yes, it's fixed" in page and "No, still broken" in page
    assert 'data-testid="rating-form"' in page


def test_confirming_closes_the_ticket(client_as, requester, resolved):
    response = client_as(requester).post(ticket_url("portal-ticket-confirm", resolved))
    resolved.refresh_from_db()
    assert response.status_code == 302
    assert resolved.state == "closed"


def test_reopening_needs_a_reason_and_posts_it(client_as, requester, resolved):
    client = client_as(requester)

    refused = client.post(ticket_url("portal-ticket-reopen", resolved), {"reason": ""})
    reopened = client.post(ticket_url("portal-ticket-reopen", resolved), {"reason": "Jams again"})

    assert refused.status_code == 400
    assert 'id="reopen-panel"' in refused.content.decode()
    assert 'collapse show mt-3" id="reopen-panel"' in refused.content.decode()
    assert reopened.status_code == 302
    resolved.refresh_from_db()
    assert resolved.state == "in_progress"
    assert Comment.objects.filter(ticket=resolved, body="Jams again", visibility="public").exists()


def test_a_comment_is_added_and_an_empty_one_refused(client_as, requester):
    ticket = make_incident(caller=requester)
    client = client_as(requester)

    empty = client.post(ticket_url("portal-ticket-comment", ticket), {"body": ""})
    added = client.post(ticket_url("portal-ticket-comment", ticket), {"body": "It *still* fails"})

    assert empty.status_code == 400
    assert 'data-testid="error-body"' in empty.content.decode()
    assert added.status_code == 302
    page = client.get(ticket_url("portal-ticket", ticket)).content.decode()
    assert "<em>still</em>" in page


def test_files_are_attached_and_bad_ones_explained(client_as, requester, media_root):
    ticket = make_incident(caller=requester)
    client = client_as(requester)

    bad = client.post(
        ticket_url("portal-ticket-attach", ticket),
        {"files": [SimpleUploadedFile("tool.exe", b"MZ\x90\x00")]},
    )
    none = client.post(ticket_url("portal-ticket-attach", ticket), {})
    good = client.post(
        ticket_url("portal-ticket-attach", ticket),
        {"files": [SimpleUploadedFile("trace.log", b"line 1")]},
    )

    assert bad.status_code == 400 and "Files of type .exe are not accepted" in bad.content.decode()
    assert none.status_code == 400 and 'data-testid="error-files"' in none.content.decode()
    assert good.status_code == 302
    assert [a.filename for a in ticket.attachments.all()] == ["trace.log"]


def test_my_tickets_filters_open_and_closed(client_as, requester, resolved):
    open_one = make_incident(caller=requester, short_description="Mouse broken")
    services.close_ticket(ticket=resolved, by=requester)
    client = client_as(requester)

    open_page = client.get(reverse("servicedesk:portal-tickets")).content.decode()
    closed_page = client.get(
        reverse("servicedesk:portal-tickets"), {"status": "closed"}
    ).content.decode()
    partial = client.get(
        reverse("servicedesk:portal-tickets"),
        {"status": "all", "q": "mouse"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="portal-ticket-results",
    ).content.decode()

    assert open_one.number in open_page and resolved.number not in open_page
    assert resolved.number in closed_page and open_one.number not in closed_page
    assert open_one.number in partial and resolved.number not in partial
    assert "<html" not in partial


def test_search_finds_published_articles_and_links_to_the_knowledge_base(client_as, requester):
    make_article("Reset your password", body="Use the self-service reset page.")
    make_article("Password vault internals", audience=ArticleAudience.STAFF)

    page = client_as(requester).get(reverse("servicedesk:portal-search"), {"q": "password"})

    body = page.content.decode()
    assert "Reset your password" in body and "/kb/articles/reset-your-password/" in body
    assert "vault internals" not in body


def test_the_home_page_shows_my_work(client_as, requester, resolved):
    make_article("Connect to the VPN")
    open_one = make_incident(caller=requester, short_description="Mouse broken")

    page = client_as(requester).get(reverse("servicedesk:portal")).content.decode()

    assert "Report a problem" in page and "Request something" in page
    assert open_one.number in page
    assert 'data-testid="awaiting-confirmation"' in page and resolved.number in page
    assert "Connect to the VPN" in page
    assert "approval waiting" not in page


def test_a_ticket_waiting_for_the_callers_reply_says_so_and_resumes_on_reply(
    client_as, requester, agent, service_desk_team
):
    ticket = make_incident(caller=requester)
    services.start_ticket(ticket=ticket, by=agent)
    services.hold_ticket(
        ticket=ticket, reason="awaiting_caller", comment="Which printer is it?", by=agent
    )
    client = client_as(requester)

    listing = client.get(reverse("servicedesk:portal-tickets")).content.decode()
    client.post(ticket_url("portal-ticket-comment", ticket), {"body": "The one by the window"})

    assert "Waiting for your reply" in listing
    ticket.refresh_from_db()
    assert ticket.state == "in_progress"


# --- sharing ------------------------------------------------------------------------------------


def test_the_caller_shares_a_ticket_and_the_colleague_follows_it(
    client_as, requester, other_requester
):
    ticket = make_incident(caller=requester, short_description="Team drive is read-only")

    unknown = client_as(requester).post(
        ticket_url("portal-ticket-share", ticket), {"person": "nobody@example.com"}
    )
    shared = client_as(requester).post(
        ticket_url("portal-ticket-share", ticket), {"person": other_requester.email.upper()}
    )
    listing = client_as(other_requester).get(reverse("servicedesk:portal-tickets")).content.decode()
    page = client_as(other_requester).get(ticket_url("portal-ticket", ticket)).content.decode()

    assert unknown.status_code == 400 and "Nobody active is called" in unknown.content.decode()
    assert shared.status_code == 302
    assert list(ticket.watchers.all()) == [other_requester]
    assert ticket.number in listing
    assert "Stop following" in page and 'data-testid="share-form"' not in page


def test_a_colleague_stops_following_and_loses_the_ticket(client_as, requester, other_requester):
    ticket = make_incident(caller=requester, watchers=[other_requester])
    client = client_as(other_requester)

    response = client.post(
        reverse("servicedesk:portal-ticket-unshare", args=[ticket.number, other_requester.pk])
    )

    assert response.status_code == 302
    assert not ticket.watchers.exists()
    assert client.get(ticket_url("portal-ticket", ticket)).status_code == 404


def test_a_watcher_cannot_share_or_remove_others(client_as, requester, other_requester):
    third = make_user("gus", role=Role.END_USER)
    make_user("hal", role=Role.END_USER)
    ticket = make_incident(caller=requester, watchers=[other_requester, third])
    client = client_as(other_requester)

    shared = client.post(ticket_url("portal-ticket-share", ticket), {"person": "hal"})
    removed = client.post(
        reverse("servicedesk:portal-ticket-unshare", args=[ticket.number, third.pk])
    )

    assert (shared.status_code, removed.status_code) == (403, 403)
    assert set(ticket.watchers.all()) == {other_requester, third}
