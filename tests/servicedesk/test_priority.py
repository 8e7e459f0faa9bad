import pytest

from servicedesk import services
from servicedesk.choices import Priority
from servicedesk.models import PriorityMatrixCell
from tests.factories.servicedesk import make_incident

pytestmark = pytest.mark.django_db

DEFAULT_CELLS = [
    (1, 1, Priority.CRITICAL),
    (1, 2, Priority.HIGH),
    (2, 1, Priority.HIGH),
    (1, 3, Priority.MODERATE),
    (2, 2, Priority.MODERATE),
    (3, 1, Priority.MODERATE),
    (2, 3, Priority.LOW),
    (3, 2, Priority.LOW),
    (3, 3, Priority.PLANNING),
]


@pytest.mark.parametrize(("impact", "urgency", "priority"), DEFAULT_CELLS)
def test_default_matrix_gives_servicenow_priorities(requester, impact, urgency, priority):
    incident = make_incident(caller=requester, impact=impact, urgency=urgency)

    assert incident.priority == priority


def test_the_migration_stores_the_default_matrix_for_admins_to_edit():
    from importlib import import_module

    from django.apps import apps

    PriorityMatrixCell.objects.all().delete()
    import_module("servicedesk.migrations.0002_defaults_and_search_index").add_defaults(apps, None)

    cells = {(c.impact, c.urgency): c.priority for c in PriorityMatrixCell.objects.all()}

    assert cells == {(i, u): p for i, u, p in DEFAULT_CELLS}


def test_a_changed_cell_applies_to_new_tickets_and_to_impact_changes(requester, agent, admin_user):
    before = make_incident(caller=requester, impact=2, urgency=2)
    services.set_priority_cell(impact=2, urgency=2, priority=Priority.HIGH, by=admin_user)

    after = make_incident(caller=requester, impact=2, urgency=2)
    before.refresh_from_db()
    moved = services.update_ticket(ticket=before, changes={"impact": 3}, by=agent)
    moved = services.update_ticket(ticket=moved, changes={"impact": 2}, by=agent)

    assert after.priority == Priority.HIGH
    assert moved.priority == Priority.HIGH


def test_a_missing_cell_falls_back_to_the_default(requester):
    PriorityMatrixCell.objects.filter(impact=1, urgency=1).delete()

    assert services.priority_for(impact=1, urgency=1) == Priority.CRITICAL


@pytest.mark.parametrize(("impact", "urgency", "field"), [(0, 1, "impact"), (1, 4, "urgency")])
def test_impact_and_urgency_outside_the_scale_are_refused(impact, urgency, field):
    from itops.errors import DomainError

    with pytest.raises(DomainError) as refused:
        services.priority_for(impact=impact, urgency=urgency)

    assert refused.value.field == field
