"""The portal's demo rows: the demo end user has a report's request to approve, a rated ticket
and resolved tickets to confirm, and seeding twice changes nothing."""

import pytest

from cmdb.demo import seed_estate
from itops.demo import seed_people, seeders
from itops.models import User
from servicedesk import selectors
from servicedesk.demo import seed_service_desk
from servicedesk.demo_process import seed_service_process
from servicedesk.models import SatisfactionRating, Ticket
from servicedesk.portal import selectors as portal
from servicedesk.portal.demo import REPORT_REQUEST, seed_portal

pytestmark = pytest.mark.django_db


def test_the_portal_seeder_runs_after_the_catalog_seeder():
    order = [path for path, _seeder in seeders()]
    assert order.index("servicedesk.portal.demo.seed_portal") > order.index(
        "servicedesk.demo_process.seed_service_process"
    )


def test_portal_demo_seeding_is_idempotent_and_gives_enduser_work_to_do():
    seed_people()
    seed_estate()
    seed_service_desk()
    seed_service_process()

    seed_portal()
    counts = (Ticket.objects.count(), SatisfactionRating.objects.count(), User.objects.count())
    seed_portal()

    assert (
        Ticket.objects.count(),
        SatisfactionRating.objects.count(),
        User.objects.count(),
    ) == counts
    enduser = User.objects.get(username="enduser")
    pending = selectors.approvals_for(user=enduser)
    assert [a.request.short_description for a in pending] == [REPORT_REQUEST]
    assert SatisfactionRating.objects.filter(ticket__caller=enduser, rated_by=enduser).count() == 1
    assert portal.awaiting_confirmation(user=enduser).exists()
