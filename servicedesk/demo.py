"""Demo data for the service desk: categories, routing rules, catalog items and about thirty
tickets in every state, on the demo CMDB's CIs when they exist. Idempotent: a ticket is opened
only if no ticket of its kind has its short description yet."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from itops.models import Team, User
from servicedesk import services
from servicedesk.choices import CatalogApproval, MemberSelection, TicketKind, TicketState
from servicedesk.models import AssignmentRule, CatalogItem, Category, Ticket

CATEGORIES = {
    "Hardware": ["Laptop", "Desktop", "Printer", "Peripheral"],
    "Software": ["Email", "Office suite", "Business application", "Operating system"],
    "Network": ["VPN", "Wi-Fi", "LAN", "Firewall"],
    "Database": ["Performance", "Availability", "Backup"],
    "Access": ["Account", "Password", "Permissions"],
}

# name, order, category, team slug, use CI owner team, member selection
RULES = [
    ("Network faults to Network", 10, "Network", "network", False, MemberSelection.ROUND_ROBIN),
    ("Database faults to DBAs", 20, "Database", "database", False, MemberSelection.LEAST_LOADED),
    ("Faults on owned CIs to their owner", 50, None, None, True, MemberSelection.NONE),
    (
        "Everything else to the Service Desk",
        100,
        None,
        "service-desk",
        False,
        MemberSelection.LEAST_LOADED,
    ),
]

# name, category path, approval, fulfilment team slug, form fields
CATALOG = [
    (
        "New laptop",
        ("Hardware", "Laptop"),
        CatalogApproval.MANAGER,
        "service-desk",
        [
            {
                "name": "model",
                "label": "Model",
                "type": "choice",
                "required": True,
                "choices": ["13 inch", "14 inch", "16 inch"],
            },
            {"name": "justification", "label": "Why", "type": "text", "required": True},
        ],
    ),
    (
        "Software installation",
        ("Software", "Business application"),
        CatalogApproval.NONE,
        "service-desk",
        [{"name": "software", "label": "Software", "type": "text", "required": True}],
    ),
    (
        "VPN access",
        ("Network", "VPN"),
        CatalogApproval.GROUP,
        "network",
        [{"name": "reason", "label": "Reason", "type": "text", "required": True}],
    ),
    (
        "Database read access",
        ("Database", None),
        CatalogApproval.GROUP,
        "database",
        [{"name": "database", "label": "Database", "type": "text", "required": True}],
    ),
]


@dataclass
class DemoTicket:
    kind: str
    short_description: str
    category: tuple[str, str | None]
    state: str = TicketState.NEW
    impact: int = 3
    urgency: int = 3
    caller: str = "enduser"
    ci: tuple[str, ...] = ()
    service: tuple[str, ...] = ()
    description: str = ""
    comments: list[tuple[str, str, bool]] = field(default_factory=list)  # who, body, internal
    days_ago: float = 1
    major: bool = False
    catalog_item: str | None = None
    answers: dict = field(default_factory=dict)
    root_cause: str = ""


INC, REQ, PRB = TicketKind.INCIDENT, TicketKind.REQUEST, TicketKind.PROBLEM
DB = ("db-prod-01", "postgres-prod-1", "pg-primary")
WEB = ("web-prod-01", "web-01", "app-prod-01")
MAIL = ("Email", "email", "Exchange Online", "mail")
VPN = ("vpn-gw-01", "vpn-gateway", "fw-edge-01")
SHOP = ("Online Shop", "webshop", "E-commerce")
BUSINESS_APP = ("Software", "Business application")

TICKETS = [
    DemoTicket(
        INC,
        "Checkout page returns 502 for all customers",
        BUSINESS_APP,
        state=TicketState.IN_PROGRESS,
        impact=1,
        urgency=1,
        caller="agent",
        ci=WEB,
        service=SHOP,
        major=True,
        days_ago=0.1,
        description="Since 09:12 every **checkout** request fails with `502 Bad Gateway`.",
        comments=[
            ("agent", "Declared major incident, bridge call opened.", False),
            ("ops", "Upstream pool exhausted on web nodes; scaling out.", True),
        ],
    ),
    DemoTicket(
        INC,
        "Database replication lag above 10 minutes",
        ("Database", "Performance"),
        state=TicketState.IN_PROGRESS,
        impact=2,
        urgency=1,
        caller="ops",
        ci=DB,
        service=SHOP,
        days_ago=0.3,
        comments=[("ops", "Long-running report query holds locks on the primary.", True)],
    ),
    DemoTicket(
        INC,
        "Cannot send email from Outlook",
        ("Software", "Email"),
        urgency=2,
        service=MAIL,
        description="Messages stay in the outbox with error 0x800CCC0F.",
    ),
    DemoTicket(
        INC,
        "VPN disconnects every few minutes",
        ("Network", "VPN"),
        state=TicketState.ON_HOLD,
        impact=2,
        urgency=2,
        ci=VPN,
        days_ago=2,
        comments=[("agent", "Could you send the VPN client log (Help > Export logs)?", False)],
    ),
    DemoTicket(
        INC,
        "Printer on floor 3 jams on every job",
        ("Hardware", "Printer"),
        state=TicketState.RESOLVED,
        days_ago=4,
        comments=[("agent", "Replaced the pickup roller.", False)],
    ),
    DemoTicket(
        INC,
        "Laptop battery drains in an hour",
        ("Hardware", "Laptop"),
        state=TicketState.CLOSED,
        days_ago=12,
    ),
    DemoTicket(
        INC,
        "Wi-Fi in meeting room B is very slow",
        ("Network", "Wi-Fi"),
        state=TicketState.IN_PROGRESS,
        impact=2,
        days_ago=1,
    ),
    DemoTicket(
        INC,
        "Nightly backup of the CRM database failed",
        ("Database", "Backup"),
        impact=2,
        urgency=2,
        caller="ops",
        ci=DB,
        days_ago=0.5,
    ),
    DemoTicket(
        INC,
        "Password reset link does not arrive",
        ("Access", "Password"),
        state=TicketState.RESOLVED,
        urgency=2,
        days_ago=1,
        comments=[("enduser", "Thanks, it works now.", False)],
    ),
    DemoTicket(
        INC, "Excel crashes when opening large files", ("Software", "Office suite"), days_ago=0.2
    ),
    DemoTicket(
        INC,
        "Website images load slowly",
        BUSINESS_APP,
        state=TicketState.CANCELLED,
        caller="agent",
        ci=WEB,
        service=SHOP,
        days_ago=6,
    ),
    DemoTicket(
        INC,
        "Second monitor not detected",
        ("Hardware", "Peripheral"),
        state=TicketState.ON_HOLD,
        days_ago=3,
    ),
    DemoTicket(
        INC,
        "Shared drive permissions lost after migration",
        ("Access", "Permissions"),
        state=TicketState.IN_PROGRESS,
        impact=2,
        urgency=2,
        days_ago=1.5,
    ),
    DemoTicket(
        INC,
        "Firewall blocks the payroll provider",
        ("Network", "Firewall"),
        state=TicketState.RESOLVED,
        impact=2,
        urgency=1,
        caller="agent",
        ci=VPN,
        days_ago=2,
    ),
    DemoTicket(
        INC,
        "Intermittent 500 errors on the customer API",
        BUSINESS_APP,
        impact=2,
        urgency=2,
        caller="ops",
        ci=WEB,
        service=SHOP,
        days_ago=0.05,
    ),
    DemoTicket(
        INC,
        "Desktop very slow after update",
        ("Software", "Operating system"),
        state=TicketState.CLOSED,
        days_ago=20,
    ),
    DemoTicket(
        REQ,
        "New laptop for new starter in Finance",
        ("Hardware", "Laptop"),
        catalog_item="New laptop",
        answers={"model": "14 inch", "justification": "New hire"},
    ),
    DemoTicket(
        REQ,
        "Install Tableau Desktop",
        BUSINESS_APP,
        state=TicketState.IN_PROGRESS,
        catalog_item="Software installation",
        answers={"software": "Tableau Desktop"},
        days_ago=2,
    ),
    DemoTicket(
        REQ,
        "VPN access for external auditor",
        ("Network", "VPN"),
        state=TicketState.RESOLVED,
        catalog_item="VPN access",
        answers={"reason": "Annual audit"},
        days_ago=5,
    ),
    DemoTicket(
        REQ,
        "Read access to the sales reporting database",
        ("Database", None),
        state=TicketState.ON_HOLD,
        catalog_item="Database read access",
        answers={"database": "sales_dw"},
        days_ago=3,
    ),
    DemoTicket(
        REQ,
        "Replace broken headset",
        ("Hardware", "Peripheral"),
        state=TicketState.CLOSED,
        days_ago=15,
    ),
    DemoTicket(
        REQ,
        "Create a shared mailbox for Support",
        ("Software", "Email"),
        state=TicketState.IN_PROGRESS,
        caller="agent",
        service=MAIL,
        days_ago=1,
    ),
    DemoTicket(
        REQ, "Add Erin to the Finance distribution list", ("Access", "Account"), days_ago=0.4
    ),
    DemoTicket(
        REQ,
        "Second monitor for home office",
        ("Hardware", "Peripheral"),
        state=TicketState.CANCELLED,
        days_ago=8,
    ),
    DemoTicket(
        REQ,
        "Install Visio",
        ("Software", "Office suite"),
        state=TicketState.RESOLVED,
        catalog_item="Software installation",
        answers={"software": "Visio"},
        days_ago=2,
    ),
    DemoTicket(
        PRB,
        "Recurring checkout outages under load",
        BUSINESS_APP,
        state=TicketState.IN_PROGRESS,
        impact=1,
        urgency=2,
        caller="agent",
        ci=WEB,
        service=SHOP,
        days_ago=0.1,
        description="Three outages in two weeks, each at peak traffic.",
    ),
    DemoTicket(
        PRB,
        "Replication lag during month-end reporting",
        ("Database", "Performance"),
        impact=2,
        urgency=2,
        caller="ops",
        ci=DB,
        days_ago=0.3,
    ),
    DemoTicket(
        PRB,
        "VPN client drops connections on Wi-Fi roaming",
        ("Network", "VPN"),
        state=TicketState.RESOLVED,
        impact=2,
        caller="agent",
        ci=VPN,
        days_ago=9,
        root_cause="Client keepalive shorter than the access points' roaming time.",
    ),
    DemoTicket(
        PRB,
        "Printer firmware causes paper jams",
        ("Hardware", "Printer"),
        state=TicketState.CLOSED,
        caller="agent",
        days_ago=30,
        root_cause="Firmware 4.2 mis-times the pickup roller.",
    ),
    DemoTicket(
        PRB,
        "Mail delivery delays after gateway change",
        ("Software", "Email"),
        state=TicketState.ON_HOLD,
        impact=2,
        caller="agent",
        service=MAIL,
        days_ago=4,
    ),
]
del INC, REQ, PRB

RESOLUTION_FOR_KIND = {
    TicketKind.INCIDENT: "solved_permanently",
    TicketKind.REQUEST: "fulfilled",
    TicketKind.PROBLEM: "fix_applied",
}


def _categories() -> dict[tuple[str, str | None], Category]:
    found: dict[tuple[str, str | None], Category] = {}
    for order, (top_name, children) in enumerate(CATEGORIES.items(), start=1):
        top, _ = Category.objects.get_or_create(
            name=top_name, parent=None, defaults={"order": order * 10}
        )
        found[(top_name, None)] = top
        for child_order, child_name in enumerate(children, start=1):
            child, _ = Category.objects.get_or_create(
                name=child_name, parent=top, defaults={"order": child_order * 10}
            )
            found[(top_name, child_name)] = child
    return found


def _rules(categories, teams) -> None:
    for name, order, category, team_slug, use_owner, selection in RULES:
        group = teams.get(team_slug) if team_slug else None
        if team_slug and group is None:
            continue
        AssignmentRule.objects.get_or_create(
            name=name,
            defaults={
                "order": order,
                "category": categories[(category, None)] if category else None,
                "assignment_group": group,
                "use_ci_owner_team": use_owner,
                "member_selection": selection,
            },
        )


def _catalog(categories, teams) -> dict[str, CatalogItem]:
    items = {}
    for name, (top, sub), approval, team_slug, form in CATALOG:
        approval_group = teams.get(team_slug) if approval == CatalogApproval.GROUP else None
        item, _ = CatalogItem.objects.get_or_create(
            name=name,
            defaults={
                "category": categories[(top, sub)],
                "approval": approval
                if approval != CatalogApproval.GROUP or approval_group
                else CatalogApproval.NONE,
                "approval_group": approval_group,
                "fulfilment_group": teams.get(team_slug),
                "form_definition": form,
            },
        )
        items[name] = item
    return items


class _CIFinder:
    """Finds the demo CMDB's CIs by name; without them, falls back to whatever CIs exist."""

    def __init__(self):
        from cmdb.models import ConfigurationItem

        self.model = ConfigurationItem
        self.fallback = list(ConfigurationItem.objects.order_by("name")[:20])
        self.turn = 0

    def __call__(self, names: tuple[str, ...]):
        if not names:
            return None
        found = self.model.objects.filter(name__in=names).order_by("name").first()
        if found is None:
            found = self.model.objects.filter(name__iexact=names[0]).first()
        if found is None and self.fallback:
            found = self.fallback[self.turn % len(self.fallback)]
            self.turn += 1
        return found


def _drive_to(ticket: Ticket, spec: DemoTicket, worker: User) -> Ticket:
    state = spec.state
    if state == TicketState.NEW:
        return ticket
    if state == TicketState.CANCELLED:
        return services.cancel_ticket(ticket=ticket, by=worker, reason="No longer needed.")
    ticket = services.start_ticket(ticket=ticket, by=worker)
    if state == TicketState.ON_HOLD:
        reason = "awaiting_vendor" if spec.kind == TicketKind.PROBLEM else "awaiting_caller"
        return services.hold_ticket(ticket=ticket, reason=reason, by=worker)
    if state in (TicketState.RESOLVED, TicketState.CLOSED):
        ticket = services.resolve_ticket(
            ticket=ticket,
            resolution_code=RESOLUTION_FOR_KIND[spec.kind],
            resolution_notes="Done; see the comments for details.",
            root_cause=spec.root_cause or None,
            by=worker,
        )
        if state == TicketState.CLOSED:
            ticket = services.close_ticket(ticket=ticket, by=worker)
    return ticket


@transaction.atomic
def _seed_ticket(spec: DemoTicket, *, users, categories, catalog, find_ci) -> bool:
    if Ticket.objects.filter(kind=spec.kind, short_description=spec.short_description).exists():
        return False
    caller = users.get(spec.caller) or users["enduser"]
    agent = users.get("agent") or users["admin"]
    top, sub = spec.category
    common = {
        "short_description": spec.short_description,
        "description": spec.description,
        "impact": spec.impact,
        "urgency": spec.urgency,
        "category": categories[(top, None)],
        "subcategory": categories[(top, sub)] if sub else None,
        "configuration_item": find_ci(spec.ci),
        "business_service": find_ci(spec.service),
    }
    if spec.kind == TicketKind.INCIDENT:
        ticket = services.open_incident(
            by=caller,
            caller=caller,
            is_major_incident=spec.major,
            **common,
            source="desk" if caller.username != "enduser" else "portal",
        )
    elif spec.kind == TicketKind.REQUEST:
        ticket = services.open_request(
            by=caller,
            caller=caller,
            catalog_item=catalog.get(spec.catalog_item),
            answers=spec.answers,
            **common,
        )
    else:
        ticket = services.open_problem(by=agent, root_cause=spec.root_cause, **common)
    for who, body, internal in spec.comments:
        author = users.get(who) or agent
        services.add_comment(ticket=ticket, author=author, body=body, internal=internal)
    if spec.kind == TicketKind.INCIDENT and spec.state != TicketState.NEW:
        services.add_work_note(ticket=ticket, author=agent, body="Triaged; working on it.")
    _drive_to(ticket, spec, agent)
    opened_at = timezone.now() - timedelta(days=spec.days_ago)
    Ticket.objects.filter(pk=ticket.pk).update(opened_at=opened_at)
    return True


def seed_service_desk(stdout=None) -> None:
    users = {
        user.username: user
        for user in User.objects.filter(
            username__in=["admin", "agent", "ops", "changes", "enduser"]
        )
    }
    if "enduser" not in users or "admin" not in users:
        if stdout:
            stdout.write("  service desk: skipped (demo people missing)")
        return
    teams = {team.slug: team for team in Team.objects.all()}
    categories = _categories()
    _rules(categories, teams)
    catalog = _catalog(categories, teams)
    find_ci = _CIFinder()
    opened = sum(
        _seed_ticket(spec, users=users, categories=categories, catalog=catalog, find_ci=find_ci)
        for spec in TICKETS
    )
    if stdout:
        stdout.write(
            f"  service desk: {len(categories)} categories, {len(RULES)} rules, "
            f"{len(catalog)} catalog items, {opened} new tickets ({len(TICKETS)} in the demo)"
        )
