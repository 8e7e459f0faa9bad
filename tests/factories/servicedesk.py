"""Builders for service desk data; tickets are opened through the services, like in real use."""

import itertools

from servicedesk import services
from servicedesk.models import AssignmentRule, CatalogItem, Category

_sequence = itertools.count(1)


def make_category(name: str | None = None, *, parent: Category | None = None) -> Category:
    category, _ = Category.objects.get_or_create(
        name=name or f"Category {next(_sequence)}", parent=parent
    )
    return category


def make_incident(*, caller=None, by=None, **fields):
    fields.setdefault("short_description", f"Something broke #{next(_sequence)}")
    return services.open_incident(caller=caller, by=by or caller, **fields)


def make_request(*, caller, by=None, **fields):
    fields.setdefault("short_description", f"Please provide #{next(_sequence)}")
    return services.open_request(caller=caller, by=by or caller, **fields)


def make_problem(*, by=None, **fields):
    fields.setdefault("short_description", f"Recurring failure #{next(_sequence)}")
    return services.open_problem(by=by, **fields)


def make_rule(**fields) -> AssignmentRule:
    fields.setdefault("name", f"Rule {next(_sequence)}")
    return AssignmentRule.objects.create(**fields)


def make_catalog_item(**fields) -> CatalogItem:
    fields.setdefault("name", f"Catalog item {next(_sequence)}")
    return CatalogItem.objects.create(**fields)


def make_affected_ci(name: str | None = None, *, owner_team=None, is_service: bool = False):
    """A CI for tickets to point at (the CMDB's own factories build richer ones)."""
    from cmdb.models import CIClass, ConfigurationItem

    slug = "business-service" if is_service else "server"
    ci_class, _ = CIClass.objects.get_or_create(
        slug=slug, defaults={"name": slug.replace("-", " ").title(), "is_service": is_service}
    )
    return ConfigurationItem.objects.create(
        name=name or f"ci-{next(_sequence)}", ci_class=ci_class, owner_team=owner_team
    )
