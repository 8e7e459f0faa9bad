"""Reads on the CMDB: who may see which CIs, lists and search, and impact queries.

Direction, once for all functions here. Every relationship is read as an edge
`dependent -> dependency` ("needs"):

- `A runs_on B`, `A depends_on B`, `A connects_to B`: A (the source) needs B (the target);
- `A part_of B`: B (the whole, the target) needs A (its part, the source).

*Upstream* of a CI is everything that needs it, directly or through others: what its failure
impacts. *Downstream* of a CI is everything it needs: what can break it.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from cmdb.filtersets import CIFilterSet
from cmdb.models import CIClass, ConfigurationItem, Location, Relationship
from itops.audit import history_for
from itops.roles import is_staff_member

if TYPE_CHECKING:
    from itops.models import User

GRAPH_MAX_DEPTH = 6
GRAPH_MAX_NODES = 200

# --- who sees what ------------------------------------------------------------------------------


def visible_cis(*, user: User) -> QuerySet[ConfigurationItem]:
    """The one permission scope on CIs: staff (agents, engineers, change managers, admins) see
    every CI; end users and people without a role see none. Pages, API and imports use this."""
    if not is_staff_member(user):
        return ConfigurationItem.objects.none()
    return ConfigurationItem.objects.select_related("ci_class", "owner_team", "location")


def ci_filterset(*, user: User, data=None) -> CIFilterSet:
    """Filters, search and sort over the CIs `user` may see; `.qs` is the result, `.form` the
    form (with errors for values that are not allowed, which are then ignored)."""
    return CIFilterSet(data=data or None, queryset=visible_cis(user=user))


def ci_list(*, user: User, filters=None) -> QuerySet[ConfigurationItem]:
    return ci_filterset(user=user, data=filters).qs


def service_list(*, user: User) -> QuerySet[ConfigurationItem]:
    """Business services: CIs whose class has is_service set."""
    return visible_cis(user=user).filter(ci_class__is_service=True)


def ci_class_list() -> QuerySet[CIClass]:
    return CIClass.objects.all()


def location_list() -> QuerySet[Location]:
    return Location.objects.select_related("parent")


def relationship_list(*, user: User) -> QuerySet[Relationship]:
    if not is_staff_member(user):
        return Relationship.objects.none()
    return Relationship.objects.select_related("source__ci_class", "target__ci_class").order_by(
        "source__name", "type", "target__name"
    )


def relationships_of(ci: ConfigurationItem) -> dict[str, list[Relationship]]:
    """Direct relationships of `ci`, split into what it needs and what needs it."""
    rows = (
        Relationship.objects.filter(Q(source=ci) | Q(target=ci))
        .select_related("source__ci_class", "target__ci_class")
        .order_by("type", "source__name", "target__name")
    )
    needs, needed_by = [], []
    for relationship in rows:
        (needs if relationship.dependent_id == ci.pk else needed_by).append(relationship)
    return {"needs": needs, "needed_by": needed_by}


# --- impact: recursive traversal ---------------------------------------------------------------


def _reachable_sql(*, towards_dependents: bool, include_start: bool) -> str:
    """SQL for the ids reachable from one CI (the first parameter) along `needs` edges, walking
    to dependents (upstream) or to dependencies (downstream).

    UNION (not UNION ALL) drops ids already reached, so a cycle adds nothing new and the
    recursion stops. Each step is an index-only lookup on (dependency_id, dependent_id) or
    (dependent_id, dependency_id), the generated columns of Relationship."""
    table = Relationship._meta.db_table
    step_from, step_to = (
        ("dependency_id", "dependent_id")
        if towards_dependents
        else ("dependent_id", "dependency_id")
    )
    return f"""
        WITH RECURSIVE reached(id) AS (
            SELECT CAST(%s AS BIGINT)
            UNION
            SELECT edge.{step_to} FROM {table} edge JOIN reached ON edge.{step_from} = reached.id
        )
        SELECT id FROM reached{"" if include_start else " WHERE id <> %s"}
    """


def _reachable_ids(ci: ConfigurationItem, *, towards_dependents: bool, include_start=False):
    sql = _reachable_sql(towards_dependents=towards_dependents, include_start=include_start)
    return RawSQL(sql, (ci.pk,) if include_start else (ci.pk, ci.pk))


def _cis_with(ids) -> QuerySet[ConfigurationItem]:
    return ConfigurationItem.objects.filter(pk__in=ids).select_related(
        "ci_class", "owner_team", "location"
    )


def upstream(ci: ConfigurationItem) -> QuerySet[ConfigurationItem]:
    """Every CI that needs `ci`, directly or transitively: what a failure of `ci` impacts.

    `ci` itself is not included, even when a cycle leads back to it."""
    return _cis_with(_reachable_ids(ci, towards_dependents=True))


def downstream(ci: ConfigurationItem) -> QuerySet[ConfigurationItem]:
    """Every CI that `ci` needs, directly or transitively: what can break `ci`.

    `ci` itself is not included, even when a cycle leads back to it."""
    return _cis_with(_reachable_ids(ci, towards_dependents=False))


def impacted_services(ci: ConfigurationItem) -> QuerySet[ConfigurationItem]:
    """Business services that a failure of `ci` impacts: the services upstream of it, and `ci`
    itself when it is a service."""
    reached = _reachable_ids(ci, towards_dependents=True, include_start=True)
    # Filtering on the (few) service classes first lets the database start from the services
    # and probe the reached set, instead of fetching every reached CI.
    service_classes = CIClass.objects.filter(is_service=True).values("pk")
    return _cis_with(reached).filter(ci_class_id__in=service_classes)


def service_dependencies(service: ConfigurationItem) -> QuerySet[ConfigurationItem]:
    """Everything a business service needs, directly or transitively (its downstream)."""
    return downstream(service)


# --- trees and graphs for pages ----------------------------------------------------------------


@dataclass
class DependencyNode:
    ci: ConfigurationItem
    relationship: Relationship | None = None
    children: list[DependencyNode] = field(default_factory=list)
    # Needed along several paths: its own dependencies are listed where it is expanded.
    expanded_elsewhere: bool = False


def dependency_tree(service: ConfigurationItem) -> DependencyNode:
    """What `service` needs as a tree. A CI needed along several paths is expanded once, at
    its shallowest depth (breadth first, which keeps the tree as shallow as the graph allows);
    its other mentions are marked `expanded_elsewhere` when it has dependencies of its own."""
    members = {ci.pk: ci for ci in downstream(service)} | {service.pk: service}
    relationships = Relationship.objects.filter(
        dependent_id__in=members, dependency_id__in=members
    ).order_by("type", "pk")
    needs: dict[int, list[tuple[int, Relationship]]] = {}
    for relationship in relationships:
        needs.setdefault(relationship.dependent_id, []).append(
            (relationship.dependency_id, relationship)
        )
    for children in needs.values():
        children.sort(key=lambda item: members[item[0]].name)

    root = DependencyNode(ci=service)
    expanded = {service.pk}
    queue = deque([root])
    while queue:
        node = queue.popleft()
        for dependency_id, relationship in needs.get(node.ci.pk, []):
            child = DependencyNode(ci=members[dependency_id], relationship=relationship)
            if dependency_id in expanded:
                child.expanded_elsewhere = bool(needs.get(dependency_id))
            else:
                expanded.add(dependency_id)
                queue.append(child)
            node.children.append(child)
    return root


def _step(frontier: set[int], *, towards_dependents: bool) -> set[int]:
    """The CIs one step from `frontier`: its dependents, or its dependencies."""
    if towards_dependents:
        rows = Relationship.objects.filter(dependency_id__in=frontier)
        return set(rows.values_list("dependent_id", flat=True))
    rows = Relationship.objects.filter(dependent_id__in=frontier)
    return set(rows.values_list("dependency_id", flat=True))


def ci_graph(ci: ConfigurationItem, *, depth: int = 1, direction: str = "both") -> dict:
    """Nodes and edges around `ci` for drawing: its dependents up to `depth` steps (level -1,
    -2, ...), its dependencies up to `depth` steps (level 1, 2, ...), and every relationship
    between the nodes drawn. `direction` is "both", "up" (dependents only) or "down"."""
    depth = max(1, min(depth, GRAPH_MAX_DEPTH))
    levels: dict[int, int] = {ci.pk: 0}
    truncated = False
    directions = {"both": (True, False), "up": (True,), "down": (False,)}[direction]
    for towards_dependents in directions:
        sign = -1 if towards_dependents else 1
        frontier = {ci.pk}
        for distance in range(1, depth + 1):
            if not frontier:
                break
            found = _step(frontier, towards_dependents=towards_dependents)
            frontier = set()
            for node_id in sorted(found):
                if node_id in levels:
                    continue
                if len(levels) >= GRAPH_MAX_NODES:
                    truncated = True
                    break
                levels[node_id] = sign * distance
                frontier.add(node_id)

    cis = ConfigurationItem.objects.filter(pk__in=levels).select_related("ci_class")
    relationships = Relationship.objects.filter(source_id__in=levels, target_id__in=levels)
    nodes = [
        {
            "id": str(node.pk),
            "ci_id": node.pk,
            "label": node.name,
            "ci_class": node.ci_class.slug,
            "class_name": node.ci_class.name,
            "status": node.status,
            "is_service": node.ci_class.is_service,
            "level": levels[node.pk],
            "focus": node.pk == ci.pk,
        }
        for node in sorted(cis, key=lambda item: (levels[item.pk], item.name))
    ]
    edges = [
        {
            "id": f"r{relationship.pk}",
            "relationship_id": relationship.pk,
            "source": str(relationship.source_id),
            "target": str(relationship.target_id),
            "type": relationship.type,
            "label": relationship.get_type_display(),
        }
        for relationship in relationships.order_by("pk")
    ]
    return {
        "focus": str(ci.pk),
        "depth": depth,
        "nodes": nodes,
        "edges": edges,
        "truncated": truncated,
    }


# --- history -------------------------------------------------------------------------------------


def ci_history(ci: ConfigurationItem):
    """Audit entries of the CI itself, newest first."""
    return history_for(ci)


def relationship_history(ci: ConfigurationItem) -> QuerySet[LogEntry]:
    """Audit entries of relationships that start or end at `ci` (added, changed, removed)."""
    content_type = ContentType.objects.get_for_model(Relationship)
    return (
        LogEntry.objects.filter(content_type=content_type)
        .filter(Q(additional_data__source_id=ci.pk) | Q(additional_data__target_id=ci.pk))
        .select_related("actor")
        .order_by("-timestamp")
    )
