"""Builders for CMDB test data."""

import itertools

from cmdb import services
from cmdb.models import CIClass, ConfigurationItem, Relationship

_sequence = itertools.count(1)

SERVER_SCHEMA = {
    "type": "object",
    "properties": {
        "cpu_cores": {"type": "integer", "minimum": 1},
        "memory_gb": {"type": "number"},
        "os": {"type": "string"},
    },
    "additionalProperties": False,
}


def make_ci_class(slug: str | None = None, *, is_service: bool = False, **fields) -> CIClass:
    slug = slug or f"class-{next(_sequence)}"
    fields.setdefault("name", slug.replace("-", " ").capitalize())
    ci_class, _ = CIClass.objects.get_or_create(
        slug=slug, defaults={"is_service": is_service, **fields}
    )
    return ci_class


def make_service_class() -> CIClass:
    return make_ci_class("test-service", is_service=True, name="Test service")


def make_ci(
    name: str | None = None, *, ci_class: CIClass | None = None, **fields
) -> ConfigurationItem:
    return services.create_ci(
        by=fields.pop("by", None),
        name=name or f"ci-{next(_sequence)}",
        ci_class=ci_class or make_ci_class("test-thing", name="Test thing"),
        **fields,
    )


def make_service(name: str | None = None, **fields) -> ConfigurationItem:
    return make_ci(name or f"service-{next(_sequence)}", ci_class=make_service_class(), **fields)


def relate(source: ConfigurationItem, type: str, target: ConfigurationItem) -> Relationship:
    return services.add_relationship(source=source, target=target, type=type, by=None)


def needs(dependent: ConfigurationItem, *dependencies: ConfigurationItem) -> None:
    """`dependent depends_on each of dependencies`."""
    for dependency in dependencies:
        relate(dependent, "depends_on", dependency)
