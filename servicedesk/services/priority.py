"""Priority from impact and urgency, through the admin-editable matrix."""

from django.db import transaction

from itops.audit import acting_as
from itops.errors import DomainError
from servicedesk.choices import DEFAULT_PRIORITY_MATRIX, Impact, Priority, Urgency
from servicedesk.models import PriorityMatrixCell


def check_impact_and_urgency(*, impact: int, urgency: int) -> None:
    if impact not in Impact.values:
        raise DomainError(f"Impact must be one of {Impact.values}.", field="impact")
    if urgency not in Urgency.values:
        raise DomainError(f"Urgency must be one of {Urgency.values}.", field="urgency")


def priority_for(*, impact: int, urgency: int) -> int:
    """The matrix cell for (impact, urgency); ServiceNow's default where no cell is stored."""
    check_impact_and_urgency(impact=impact, urgency=urgency)
    stored = (
        PriorityMatrixCell.objects.filter(impact=impact, urgency=urgency)
        .values_list("priority", flat=True)
        .first()
    )
    return int(stored) if stored is not None else int(DEFAULT_PRIORITY_MATRIX[(impact, urgency)])


@transaction.atomic
def set_priority_cell(*, impact: int, urgency: int, priority: int, by) -> PriorityMatrixCell:
    """Change one cell of the matrix. Tickets keep their priority until impact or urgency
    change."""
    check_impact_and_urgency(impact=impact, urgency=urgency)
    if priority not in Priority.values:
        raise DomainError(f"Priority must be one of {Priority.values}.", field="priority")
    with acting_as(by):
        cell, created = PriorityMatrixCell.objects.get_or_create(
            impact=impact, urgency=urgency, defaults={"priority": priority}
        )
        if not created and cell.priority != priority:
            cell.priority = priority
            cell.save(update_fields=["priority"])
    return cell
