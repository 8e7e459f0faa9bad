"""Demo rows for the portal (after the service desk's and the catalog's seeders): a colleague
who reports to the demo end user, so `enduser` has a request to approve, and a rated ticket.
Idempotent."""

from django.db import transaction

from itops.choices import Role
from itops.demo import DEMO_PASSWORD
from itops.models import User
from itops.services import set_roles
from servicedesk import services
from servicedesk.choices import TicketKind, TicketState
from servicedesk.models import CatalogItem, SatisfactionRating, Ticket

REPORT_USERNAME = "sam"
REPORT_REQUEST = "Laptop for Sam: the current one is five years old"
RATED_TICKET = "Laptop battery drains in an hour"


def _report_of(manager: User) -> User:
    report, created = User.objects.get_or_create(
        username=REPORT_USERNAME,
        defaults={
            "first_name": "Sam",
            "last_name": "Report",
            "email": f"{REPORT_USERNAME}@example.com",
            "department": manager.department or "Finance",
            "manager": manager,
        },
    )
    if created:
        report.set_password(DEMO_PASSWORD)
        report.save(update_fields=["password"])
    set_roles(user=report, roles=[Role.END_USER])
    return report


@transaction.atomic
def seed_portal(stdout=None) -> None:
    enduser = User.objects.filter(username="enduser").first()
    if enduser is None:
        if stdout:
            stdout.write("  portal: skipped (demo people missing)")
        return
    report = _report_of(enduser)
    made = []
    laptop = CatalogItem.objects.filter(name="New laptop", is_active=True).first()
    if (
        laptop is not None
        and not Ticket.objects.filter(
            kind=TicketKind.REQUEST, short_description=REPORT_REQUEST
        ).exists()
    ):
        services.order_catalog_item(
            item=laptop,
            requester=report,
            answers={
                "model": "14 inch",
                "accessories": ["Docking station", "Headset"],
                "justification": "My laptop is five years old and no longer holds a charge.",
            },
            by=report,
            short_description=REPORT_REQUEST,
        )
        made.append("a request for enduser to approve")
    closed = Ticket.objects.filter(
        kind=TicketKind.INCIDENT,
        short_description=RATED_TICKET,
        caller=enduser,
        state=TicketState.CLOSED,
    ).first()
    if closed is not None and not SatisfactionRating.objects.filter(ticket=closed).exists():
        services.rate_resolution(
            ticket=closed, rating=5, comment="Fixed the same day, thank you!", by=enduser
        )
        made.append("a rated ticket")
    if stdout:
        stdout.write(
            f"  portal: {report.username} reports to enduser; new: {', '.join(made) or 'nothing'}"
        )
