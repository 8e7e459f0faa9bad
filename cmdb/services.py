"""Writes on the CMDB. Each runs in one transaction and is recorded in the audit history as
done by `by` (see itops.audit)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from jsonschema.validators import validator_for

from cmdb.choices import CIStatus, Criticality, Environment, RelationshipType
from cmdb.models import CIClass, ConfigurationItem, Location, Relationship
from itops.audit import acting_as
from itops.errors import Conflict, DomainError

if TYPE_CHECKING:
    from cmdb.importing import ImportPlan, ImportReport
    from itops.models import Team, User

CI_FIELDS = (
    "name",
    "ci_class",
    "environment",
    "status",
    "criticality",
    "owner_team",
    "location",
    "monitoring_address",
    "description",
    "attributes",
)
CI_CLASS_FIELDS = ("slug", "name", "description", "is_service", "icon", "attribute_schema")
LOCATION_FIELDS = ("name", "kind", "parent")

# --- attributes ----------------------------------------------------------------------------------


def attribute_errors(*, ci_class: CIClass, attributes: Any) -> list[tuple[str, str]]:
    """(attribute name, reason) for each way `attributes` fails the class's JSON Schema; empty
    when they satisfy it. A name is "" when the problem is not about one attribute."""
    if not isinstance(attributes, dict):
        return [("", "attributes must be a JSON object")]
    schema = ci_class.attribute_schema or {}
    if not schema:
        return []
    known = list(schema.get("properties", {}))
    problems: dict[str, str] = {}
    validator = validator_for(schema)(schema)
    for error in validator.iter_errors(attributes):
        path = [str(part) for part in error.absolute_path]
        if path:
            problems.setdefault(".".join(path), error.message)
        elif error.validator == "required":
            for name in error.validator_value:
                if name not in attributes:
                    problems.setdefault(name, "is required")
        elif error.validator == "additionalProperties":
            allowed = ", ".join(known) or "none"
            for name in sorted(set(attributes) - set(known)):
                problems.setdefault(
                    name, f"is not an attribute of class {ci_class.name} (allowed: {allowed})"
                )
        else:
            problems.setdefault("", error.message)
    return sorted(problems.items())


def describe_attribute_errors(problems: list[tuple[str, str]]) -> str:
    return "; ".join(
        f"attribute {name!r} {reason}" if name else reason for name, reason in problems
    )


def validate_attributes(*, ci_class: CIClass, attributes: Any) -> None:
    """Raise a DomainError naming each attribute that fails the class schema."""
    problems = attribute_errors(ci_class=ci_class, attributes=attributes)
    if problems:
        first = problems[0][0]
        raise DomainError(
            describe_attribute_errors(problems).capitalize() + ".",
            field=f"attributes.{first}" if first else "attributes",
            code="invalid_attributes",
        )


# --- helpers -------------------------------------------------------------------------------------


def _full_clean(instance, *, exclude: Iterable[str] = ()) -> None:
    """Model validation (lengths, choices, uniqueness) as a DomainError naming the field."""
    try:
        instance.full_clean(exclude=list(exclude))
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        field = None if field == "__all__" else field
        label = f"{field}: " if field else ""
        raise DomainError(f"{label}{' '.join(messages)}", field=field) from None


def _apply(instance, changes: Mapping[str, Any], allowed: Iterable[str]) -> list[str]:
    unknown = sorted(set(changes) - set(allowed))
    if unknown:
        raise DomainError(f"Unknown field(s): {', '.join(unknown)}.", field=unknown[0])
    changed = []
    for name, value in changes.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed.append(name)
    return changed


def _check_ci(ci: ConfigurationItem) -> None:
    ci.name = (ci.name or "").strip()
    if not ci.name:
        raise DomainError("A CI needs a name.", field="name")
    duplicate = ConfigurationItem.objects.filter(name=ci.name).exclude(pk=ci.pk)
    if duplicate.exists():
        raise DomainError(f"A CI named {ci.name!r} already exists.", field="name", code="duplicate")
    if ci.attributes is None:
        ci.attributes = {}
    validate_attributes(ci_class=ci.ci_class, attributes=ci.attributes)
    _full_clean(ci, exclude=["attributes"])


# --- configuration items -------------------------------------------------------------------------


@transaction.atomic
def create_ci(
    *,
    by: User | None,
    name: str,
    ci_class: CIClass,
    environment: str = Environment.PRODUCTION,
    status: str = CIStatus.OPERATIONAL,
    criticality: int = Criticality.MEDIUM,
    owner_team: Team | None = None,
    location: Location | None = None,
    monitoring_address: str = "",
    description: str = "",
    attributes: dict | None = None,
) -> ConfigurationItem:
    ci = ConfigurationItem(
        name=name,
        ci_class=ci_class,
        environment=environment,
        status=status,
        criticality=criticality,
        owner_team=owner_team,
        location=location,
        monitoring_address=(monitoring_address or "").strip(),
        description=description or "",
        attributes=attributes if attributes is not None else {},
    )
    _check_ci(ci)
    with acting_as(by):
        ci.save()
    return ci


@transaction.atomic
def update_ci(*, ci: ConfigurationItem, by: User | None, **changes: Any) -> ConfigurationItem:
    """Change any of CI_FIELDS. `attributes` replaces the whole set; they are checked against
    the (possibly new) class. Saves, and records history, only when something changed."""
    changed = _apply(ci, changes, CI_FIELDS)
    if not changed:
        return ci
    _check_ci(ci)
    with acting_as(by):
        ci.save()
    return ci


@transaction.atomic
def retire_ci(*, ci: ConfigurationItem, by: User | None) -> ConfigurationItem:
    """Mark a CI retired. Its relationships and history stay, so past impact stays explainable;
    no new relationship may be made to it."""
    if ci.status == CIStatus.RETIRED:
        raise Conflict(f"{ci.name} is already retired.", field="status")
    ci.status = CIStatus.RETIRED
    with acting_as(by):
        ci.save(update_fields=["status", "updated_at"])
    return ci


# --- relationships -------------------------------------------------------------------------------


def _check_relationship(
    *, source: ConfigurationItem, target: ConfigurationItem, type: str, exclude_pk=None
) -> None:
    if type not in RelationshipType.values:
        allowed = ", ".join(RelationshipType.values)
        raise DomainError(f"Unknown relationship type {type!r} (allowed: {allowed}).", field="type")
    if source.pk == target.pk:
        raise DomainError(f"{source.name} cannot be related to itself.", field="target")
    for role, ci in (("source", source), ("target", target)):
        if ci.status == CIStatus.RETIRED:
            raise DomainError(f"{ci.name} is retired; relate an active CI instead.", field=role)
    existing = Relationship.objects.filter(source=source, target=target, type=type)
    if exclude_pk is not None:
        existing = existing.exclude(pk=exclude_pk)
    if existing.exists():
        label = RelationshipType(type).label
        raise DomainError(
            f"{source.name} already {label} {target.name}.", field="target", code="duplicate"
        )


def _save_relationship(relationship: Relationship, by: User | None) -> Relationship:
    try:
        with transaction.atomic(), acting_as(by):
            relationship.save()
    except IntegrityError:
        # Lost a race with an identical insert: report it like the check above would have.
        raise DomainError(
            "This relationship already exists.", field="target", code="duplicate"
        ) from None
    return relationship


@transaction.atomic
def add_relationship(
    *, source: ConfigurationItem, target: ConfigurationItem, type: str, by: User | None
) -> Relationship:
    """Record `source <type> target` (see RelationshipType for which side needs which)."""
    _check_relationship(source=source, target=target, type=type)
    return _save_relationship(Relationship(source=source, target=target, type=type), by)


@transaction.atomic
def update_relationship(
    *,
    relationship: Relationship,
    by: User | None,
    source: ConfigurationItem | None = None,
    target: ConfigurationItem | None = None,
    type: str | None = None,
) -> Relationship:
    source = source or relationship.source
    target = target or relationship.target
    type = type or relationship.type
    unchanged = (source.pk, target.pk, type) == (
        relationship.source_id,
        relationship.target_id,
        relationship.type,
    )
    if unchanged:
        return relationship
    _check_relationship(source=source, target=target, type=type, exclude_pk=relationship.pk)
    relationship.source, relationship.target, relationship.type = source, target, type
    return _save_relationship(relationship, by)


@transaction.atomic
def remove_relationship(*, relationship: Relationship, by: User | None) -> None:
    with acting_as(by):
        relationship.delete()


# --- classes and locations -----------------------------------------------------------------------


def _check_ci_class(ci_class: CIClass) -> None:
    _full_clean(ci_class)
    invalid = []
    for ci in ci_class.cis.only("name", "attributes").order_by("name").iterator():
        problems = attribute_errors(ci_class=ci_class, attributes=ci.attributes)
        if problems:
            invalid.append(f"{ci.name} ({describe_attribute_errors(problems)})")
    if invalid:
        shown = "; ".join(invalid[:5]) + (
            f"; and {len(invalid) - 5} more" if len(invalid) > 5 else ""
        )
        raise Conflict(
            f"The schema would make {len(invalid)} existing CI(s) invalid: {shown}.",
            field="attribute_schema",
        )


@transaction.atomic
def create_ci_class(*, by: User | None, **fields: Any) -> CIClass:
    ci_class = CIClass()
    _apply(ci_class, fields, CI_CLASS_FIELDS)
    _full_clean(ci_class)
    with acting_as(by):
        ci_class.save()
    return ci_class


@transaction.atomic
def update_ci_class(*, ci_class: CIClass, by: User | None, **changes: Any) -> CIClass:
    """Change a class. A new schema must still accept the attributes of the class's CIs."""
    if _apply(ci_class, changes, CI_CLASS_FIELDS):
        _check_ci_class(ci_class)
        with acting_as(by):
            ci_class.save()
    return ci_class


@transaction.atomic
def delete_ci_class(*, ci_class: CIClass, by: User | None) -> None:
    count = ci_class.cis.count()
    if count:
        raise Conflict(f"{count} CI(s) are of class {ci_class.name}; it cannot be deleted.")
    with acting_as(by):
        ci_class.delete()


def _check_location(location: Location) -> None:
    _full_clean(location)
    ancestor = location.parent
    while ancestor is not None:
        if ancestor.pk == location.pk:
            raise DomainError("A location cannot be inside itself.", field="parent")
        ancestor = ancestor.parent


@transaction.atomic
def create_location(*, by: User | None, **fields: Any) -> Location:
    location = Location()
    _apply(location, fields, LOCATION_FIELDS)
    _check_location(location)
    with acting_as(by):
        location.save()
    return location


@transaction.atomic
def update_location(*, location: Location, by: User | None, **changes: Any) -> Location:
    if _apply(location, changes, LOCATION_FIELDS):
        _check_location(location)
        with acting_as(by):
            location.save()
    return location


@transaction.atomic
def delete_location(*, location: Location, by: User | None) -> None:
    if location.children.exists():
        raise Conflict(f"{location.name} contains other locations; move or delete them first.")
    count = location.cis.count()
    if count:
        raise Conflict(f"{count} CI(s) are at {location.name}; move them first.")
    with acting_as(by):
        location.delete()


# --- import --------------------------------------------------------------------------------------


@transaction.atomic
def import_cis(
    *,
    plan: ImportPlan,
    by: User | None,
    skip_invalid: bool = False,
    progress: Callable[[Iterable], Iterable] = lambda rows: rows,
) -> ImportReport:
    """Write a validated import plan (see cmdb.importing) in one transaction.

    Nothing is written when any row is bad, unless `skip_invalid`: then the good rows are
    written and the bad ones reported as skipped. Rows create CIs or update them by name;
    relationships are added (existing ones are kept)."""
    from cmdb.importing import ImportReport

    report = ImportReport(errors=list(plan.file_errors) + plan.row_errors)
    if plan.file_errors or (plan.row_errors and not skip_invalid):
        return report
    report.skipped, report.errors = plan.row_errors, list(plan.file_errors)

    by_name: dict[str, ConfigurationItem] = {}
    for row in progress(plan.valid_rows):
        if row.existing is None:
            ci = create_ci(by=by, **row.values)
            report.created.append(ci.name)
        else:
            before = row.existing.updated_at
            ci = update_ci(ci=row.existing, by=by, **row.values)
            (report.updated if ci.updated_at != before else report.unchanged).append(ci.name)
        by_name[ci.name] = ci

    for row in plan.valid_rows:
        source = by_name[row.name]
        for type, target_name in row.relationships:
            target = by_name.get(target_name) or ConfigurationItem.objects.get(name=target_name)
            if Relationship.objects.filter(source=source, target=target, type=type).exists():
                continue
            add_relationship(source=source, target=target, type=type, by=by)
            report.relationships_added += 1
    report.imported = True
    return report
