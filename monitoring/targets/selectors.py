"""Reads on targets, with the one permission scope that pages and the API share."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet

from itops.roles import is_staff_member
from monitoring.targets.choices import TargetHealth
from monitoring.targets.filtersets import TargetFilterSet
from monitoring.targets.models import Target

if TYPE_CHECKING:
    from itops.models import User


def visible_targets(*, user: User) -> QuerySet[Target]:
    """Staff (agents, engineers, change managers, admins) see every target; others none.
    Changing targets is for ops engineers and admins (checked by the views)."""
    if not is_staff_member(user):
        return Target.objects.none()
    return Target.objects.select_related("ci", "template")


def target_filterset(*, user: User, data=None) -> TargetFilterSet:
    return TargetFilterSet(data=data or None, queryset=visible_targets(user=user))


def target_list(*, user: User, filters=None) -> QuerySet[Target]:
    return target_filterset(user=user, data=filters).qs


def health_counts(*, user: User) -> dict[str, int]:
    totals = visible_targets(user=user).aggregate(
        total=Count("id"),
        up=Count("id", filter=Q(health=TargetHealth.UP, enabled=True)),
        down=Count("id", filter=Q(health=TargetHealth.DOWN, enabled=True)),
        disabled=Count("id", filter=Q(enabled=False)),
    )
    return totals
