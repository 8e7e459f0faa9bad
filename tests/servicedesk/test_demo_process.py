import pytest

from cmdb.demo import seed_estate
from itops.demo import seed_people, seeders
from servicedesk import selectors
from servicedesk.demo import seed_service_desk
from servicedesk.demo_process import PROBLEM_TITLE, seed_service_process
from servicedesk.models import (
    CatalogItem,
    CatalogTaskTemplate,
    FulfilmentTask,
    RequestApproval,
    Ticket,
)

pytestmark = pytest.mark.django_db


def _counts():
    return [
        model.objects.count()
        for model in (Ticket, CatalogItem, CatalogTaskTemplate, RequestApproval, FulfilmentTask)
    ]


def test_the_process_seeder_is_registered_after_the_service_desk():
    order = [path for path, _seeder in seeders()]

    assert order.index("servicedesk.demo_process.seed_service_process") > order.index(
        "servicedesk.demo.seed_service_desk"
    )


def test_demo_process_seeding_is_idempotent_and_shows_every_stage():
    seed_people()
    seed_estate()
    seed_service_desk()

    seed_service_process()
    first = _counts()
    seed_service_process()

    assert _counts() == first
    items = {item.name: item for item in CatalogItem.objects.all()}
    assert {
        "New laptop",
        "Software installation",
        "Access request",
        "VPN token",
        "New starter",
    } <= set(items)
    assert items["New starter"].task_templates.count() == 5
    assert len({t.team_id for t in items["New starter"].task_templates.all()}) == 3
    states = {
        t.short_description: t.state
        for t in Ticket.objects.filter(kind="request", catalog_item__isnull=False)
    }
    assert states["Laptop for the new analyst"] == "pending_approval"
    assert states["New starter: Noor Haddad"] == "in_progress"
    assert states["Admin access"] == "rejected"
    assert states["Software installation: Power BI"] == "resolved"
    problem = Ticket.objects.get(kind="problem", short_description=PROBLEM_TITLE)
    assert problem.is_known_error and problem.workaround
    assert problem.related_tickets.count() == 3
    candidates = selectors.problem_candidates()
    assert any(c.label == "shop-api" and c.count >= 4 for c in candidates)
    access = Ticket.objects.get(short_description="Admin access")
    assert selectors.request_answer_rows(access)[0]["display"] == "shop-frontend"
