import pytest

from itops.demo import seed_people
from servicedesk.demo import TICKETS, seed_service_desk
from servicedesk.models import AssignmentRule, CatalogItem, Category, Comment, Ticket

pytestmark = pytest.mark.django_db


def _counts():
    return [m.objects.count() for m in (Ticket, Comment, Category, AssignmentRule, CatalogItem)]


def test_demo_seeding_is_idempotent_and_covers_every_kind_and_state():
    seed_people()

    seed_service_desk()
    first = _counts()
    seed_service_desk()

    assert _counts() == first
    assert first[0] == len(TICKETS)
    states = set(Ticket.objects.values_list("kind", "state"))
    for kind in ("incident", "request", "problem"):
        assert {s for k, s in states if k == kind} >= {
            "new",
            "in_progress",
            "on_hold",
            "resolved",
            "closed",
        }
    assert Comment.objects.filter(visibility="internal").exists()


def test_demo_seeding_without_people_does_nothing():
    seed_service_desk()

    assert not Ticket.objects.exists()
