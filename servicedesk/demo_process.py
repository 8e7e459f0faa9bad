"""Demo data for the service catalog process and problem management (after the service desk's
own seeder): catalog items with real forms and fulfilment tasks, requests at several stages,
a problem with its incidents published as a known error, and recent incidents on one CI that
make a problem candidate. Idempotent: items are updated in place, and each request, incident
and problem is made only if no ticket of its kind has its short description yet."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from itops.models import Team, User
from servicedesk import services
from servicedesk.catalog_forms import normalise_definition
from servicedesk.choices import CatalogApproval, GroupApprovalMode, MemberSelection, TicketKind
from servicedesk.models import CatalogItem, CatalogTaskTemplate, Category, FulfilmentTask, Ticket

MODELS = ["13 inch", "14 inch", "16 inch"]

# name, (category, subcategory), approval, approval team, group mode, fulfilment team,
# short description, form, tasks (title, team, order, wait for previous, member selection)
CATALOG = [
    (
        "New laptop",
        ("Hardware", "Laptop"),
        CatalogApproval.MANAGER,
        None,
        GroupApprovalMode.ANY,
        "service-desk",
        "A standard laptop, imaged and enrolled, delivered to your desk.",
        [
            {"name": "model", "type": "choice", "required": True, "choices": MODELS},
            {
                "name": "accessories",
                "type": "choice",
                "multiple": True,
                "choices": ["Docking station", "Mouse", "Headset"],
            },
            {"name": "needed_by", "type": "date", "label": "Needed by"},
            {
                "name": "justification",
                "type": "textarea",
                "required": True,
                "help_text": "Why is a new laptop needed (new hire, broken, too old)?",
            },
        ],
        [
            ("Order the laptop", "service-desk", 10, False, MemberSelection.NONE),
            ("Image and enrol the laptop", "service-desk", 20, True, MemberSelection.LEAST_LOADED),
            ("Hand the laptop over", "service-desk", 30, True, MemberSelection.NONE),
        ],
    ),
    (
        "Software installation",
        ("Software", "Business application"),
        CatalogApproval.NONE,
        None,
        GroupApprovalMode.ANY,
        "service-desk",
        "Install licensed software on your computer.",
        [
            {
                "name": "application",
                "type": "ci",
                "ci_classes": ["application"],
                "label": "Business application",
                "help_text": "Pick it if it is one of the applications we run.",
            },
            {"name": "software", "type": "text", "required": True, "label": "Software and version"},
            {"name": "licence_needed", "type": "checkbox", "label": "Needs a paid licence"},
        ],
        [("Install the software", "service-desk", 10, False, MemberSelection.ROUND_ROBIN)],
    ),
    (
        "Access request",
        ("Access", "Permissions"),
        CatalogApproval.MANAGER,
        None,
        GroupApprovalMode.ANY,
        "platform-ops",
        "Access to an application; your manager approves.",
        [
            {
                "name": "system",
                "type": "ci",
                "ci_classes": ["application"],
                "required": True,
                "label": "Application",
            },
            {
                "name": "access_level",
                "type": "choice",
                "required": True,
                "choices": ["Read", "Write", "Admin"],
                "default": "Read",
            },
            {"name": "until", "type": "date", "help_text": "Leave empty for lasting access."},
            {"name": "reason", "type": "textarea", "required": True},
        ],
        [("Grant the access", "platform-ops", 10, False, MemberSelection.LEAST_LOADED)],
    ),
    (
        "VPN token",
        ("Network", "VPN"),
        CatalogApproval.GROUP,
        "platform-ops",
        GroupApprovalMode.ANY,
        "network",
        "A second factor for the VPN; platform operations approves.",
        [
            {
                "name": "token_type",
                "type": "choice",
                "required": True,
                "choices": ["Mobile app", "Hardware token"],
            },
            {
                "name": "accept_policy",
                "type": "checkbox",
                "required": True,
                "label": "I accept the remote access policy",
            },
        ],
        [
            ("Issue the token", "network", 10, False, MemberSelection.NONE),
            ("Send activation instructions", "service-desk", 20, True, MemberSelection.NONE),
        ],
    ),
    (
        "New starter",
        ("Access", "Account"),
        CatalogApproval.MANAGER,
        None,
        GroupApprovalMode.ANY,
        "service-desk",
        "Everything a new colleague needs on day one.",
        [
            {"name": "starter_name", "type": "text", "required": True, "label": "Full name"},
            {"name": "start_date", "type": "date", "required": True},
            {
                "name": "department",
                "type": "choice",
                "required": True,
                "choices": ["Finance", "Sales", "Engineering", "Operations"],
            },
            {"name": "job_title", "type": "text"},
            {"name": "line_manager", "type": "user", "label": "Line manager"},
            {"name": "laptop_model", "type": "choice", "choices": MODELS, "default": "14 inch"},
            {
                "name": "desk_count",
                "type": "number",
                "integer": True,
                "min": 0,
                "max": 2,
                "default": 1,
                "label": "Desks to prepare",
            },
        ],
        [
            ("Create the accounts", "service-desk", 10, False, MemberSelection.LEAST_LOADED),
            ("Prepare the laptop", "service-desk", 10, False, MemberSelection.NONE),
            ("Desk, badge and phone", "platform-ops", 10, False, MemberSelection.NONE),
            ("Network and VPN access", "network", 20, True, MemberSelection.NONE),
            ("Welcome call on day one", "service-desk", 30, True, MemberSelection.NONE),
        ],
    ),
]


def _item(spec, categories, teams) -> CatalogItem | None:
    name, (top, sub), approval, approval_team, mode, team, summary, form, tasks = spec
    if any(slug not in teams for slug in {team, *(t[1] for t in tasks)} | {approval_team} - {None}):
        return None
    item, _ = CatalogItem.objects.update_or_create(
        name=name,
        defaults={
            "category": categories.get((top, sub)),
            "short_description": summary,
            "approval": approval,
            "approval_group": teams.get(approval_team) if approval_team else None,
            "group_approval_mode": mode,
            "fulfilment_group": teams[team],
            "form_definition": normalise_definition(form),
        },
    )
    wanted = [
        (title, teams[slug].pk, order, wait, pick) for title, slug, order, wait, pick in tasks
    ]
    present = [
        (t.title, t.team_id, t.order, t.wait_for_previous, t.member_selection)
        for t in item.task_templates.order_by("order", "id")
    ]
    if present != wanted:
        item.task_templates.all().delete()
        for title, team_id, order, wait, pick in wanted:
            CatalogTaskTemplate.objects.create(
                catalog_item=item,
                title=title,
                team_id=team_id,
                order=order,
                wait_for_previous=wait,
                member_selection=pick,
            )
    return item


def _exists(kind: str, short_description: str) -> bool:
    return Ticket.objects.filter(kind=kind, short_description=short_description).exists()


def _age(ticket: Ticket, days: float) -> None:
    Ticket.objects.filter(pk=ticket.pk).update(opened_at=timezone.now() - timedelta(days=days))


def _ci(*names):
    from cmdb.models import ConfigurationItem

    for name in names:
        ci = ConfigurationItem.objects.filter(name=name).first()
        if ci is not None:
            return ci
    return ConfigurationItem.objects.exclude(status="retired").order_by("name").first()


def _finish_tasks(request: Ticket, titles: set[str], by: User) -> None:
    for task in FulfilmentTask.objects.filter(request=request).order_by("order", "id"):
        if task.title in titles and task.state == "open":
            services.complete_task(task=task, by=by, note="Done.")


@transaction.atomic
def _requests(items, users) -> int:
    enduser, agent, ops = users["enduser"], users["agent"], users["ops"]
    app = _ci("shop-frontend", "portal-app")
    made = 0
    if "New laptop" in items and not _exists(TicketKind.REQUEST, "Laptop for the new analyst"):
        request = services.order_catalog_item(
            item=items["New laptop"],
            requester=enduser,
            answers={
                "model": "14 inch",
                "accessories": ["Docking station"],
                "justification": "A new analyst joins Finance next month.",
            },
            by=enduser,
            short_description="Laptop for the new analyst",
        )
        _age(request, 0.3)
        made += 1  # waits for the manager's approval
    if "VPN token" in items and not _exists(TicketKind.REQUEST, "VPN token"):
        request = services.order_catalog_item(
            item=items["VPN token"],
            requester=enduser,
            answers={"token_type": "Mobile app", "accept_policy": True},
            by=enduser,
        )
        approval = request.approvals.filter(approver=ops).first() or request.approvals.first()
        services.decide_approval(
            approval=approval, approve=True, comment="OK for remote work.", by=approval.approver
        )
        _age(request, 1)
        made += 1  # approved, its first task waits for the network team
    if "New starter" in items and not _exists(TicketKind.REQUEST, "New starter: Noor Haddad"):
        request = services.order_catalog_item(
            item=items["New starter"],
            requester=enduser,
            answers={
                "starter_name": "Noor Haddad",
                "start_date": (timezone.localdate() + timedelta(days=10)).isoformat(),
                "department": "Finance",
                "job_title": "Financial analyst",
                "line_manager": enduser.pk,
            },
            by=agent,
            short_description="New starter: Noor Haddad",
        )
        manager_approval = request.approvals.first()
        if manager_approval is not None and manager_approval.state == "pending":
            services.decide_approval(
                approval=manager_approval, approve=True, by=manager_approval.approver
            )
        _finish_tasks(request, {"Create the accounts", "Desk, badge and phone"}, agent)
        _age(request, 2)
        made += 1  # half way: some tasks done, others open or waiting
    if "Access request" in items and app and not _exists(TicketKind.REQUEST, "Admin access"):
        request = services.order_catalog_item(
            item=items["Access request"],
            requester=enduser,
            answers={"system": app.pk, "access_level": "Admin", "reason": "To fix reports."},
            by=enduser,
            short_description="Admin access",
        )
        approval = request.approvals.first()
        services.decide_approval(
            approval=approval,
            approve=False,
            comment="Read access is enough for reports; please order that instead.",
            by=approval.approver,
        )
        _age(request, 3)
        made += 1  # rejected
    if "Software installation" in items and not _exists(
        TicketKind.REQUEST, "Software installation: Power BI"
    ):
        request = services.order_catalog_item(
            item=items["Software installation"],
            requester=enduser,
            answers={"software": "Power BI Desktop 2.130", "licence_needed": True},
            by=enduser,
            short_description="Software installation: Power BI",
        )
        _finish_tasks(request, {"Install the software"}, agent)
        _age(request, 4)
        made += 1  # fulfilled
    return made


KNOWN_ERROR_INCIDENTS = [
    ("Outlook asks for my password again and again", 5),
    ("Password prompt loops in Outlook after the mailbox move", 4),
    ("Outlook disconnected, keeps prompting for credentials", 3.5),
]
CANDIDATE_INCIDENTS = [
    ("Shop API answers 503 during checkout", 0.1),
    ("Orders stuck: shop API times out", 0.8),
    ("Customers see 'service unavailable' on the shop", 1.5),
    ("Shop API health check flapping", 2.5),
]
PROBLEM_TITLE = "Outlook password prompts after the mailbox migration"


@transaction.atomic
def _problems(users, categories) -> int:
    agent, enduser = users["agent"], users["enduser"]
    email = (categories.get(("Software", None)), categories.get(("Software", "Email")))
    made = 0
    mail_ci = _ci("mailbox-store", "mail-01")
    incidents = []
    for title, days in KNOWN_ERROR_INCIDENTS:
        incident = Ticket.objects.filter(kind=TicketKind.INCIDENT, short_description=title).first()
        if incident is None:
            incident = services.open_incident(
                by=enduser,
                caller=enduser,
                short_description=title,
                category=email[0],
                subcategory=email[1],
                configuration_item=mail_ci,
                source="portal",
            )
            _age(incident, days)
            made += 1
        incidents.append(incident.as_kind())
    if not _exists(TicketKind.PROBLEM, PROBLEM_TITLE):
        problem = services.create_problem_from_incidents(
            incidents=[i for i in incidents if i.problem_id is None],
            by=agent,
            short_description=PROBLEM_TITLE,
        )
        problem = services.start_ticket(ticket=problem, by=agent)
        services.record_problem_analysis(
            problem=problem,
            by=agent,
            root_cause="Autodiscover still points moved mailboxes at the old server.",
        )
        services.mark_known_error(
            problem=problem,
            by=agent,
            workaround="Close Outlook, remove the cached credentials in **Credential Manager** "
            "(entries starting with `MicrosoftOffice`), and start Outlook again.",
        )
        made += 1
    shop_ci = _ci("shop-api", "payments-api")
    for title, days in CANDIDATE_INCIDENTS:
        if not _exists(TicketKind.INCIDENT, title):
            incident = services.open_incident(
                by=agent,
                caller=agent,
                short_description=title,
                impact=2,
                urgency=2,
                category=categories.get(("Software", None)),
                subcategory=categories.get(("Software", "Business application")),
                configuration_item=shop_ci,
            )
            _age(incident, days)
            made += 1
    return made


def seed_service_process(stdout=None) -> None:
    users = {
        user.username: user
        for user in User.objects.filter(username__in=["admin", "agent", "ops", "enduser"])
    }
    teams = {team.slug: team for team in Team.objects.all()}
    categories = {
        (c.parent.name if c.parent else c.name, c.name if c.parent else None): c
        for c in Category.objects.select_related("parent")
    }
    if len(users) < 4 or not categories:
        if stdout:
            stdout.write("  service catalog process: skipped (demo people or categories missing)")
        return
    items = {}
    for spec in CATALOG:
        item = _item(spec, categories, teams)
        if item is not None:
            items[item.name] = item
    requests = _requests(items, users)
    tickets = _problems(users, categories)
    if stdout:
        stdout.write(
            f"  service catalog process: {len(items)} catalog items with forms, {requests} new "
            f"requests, {tickets} new problem-management tickets"
        )
