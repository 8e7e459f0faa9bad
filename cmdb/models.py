from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, F, When
from jsonschema import SchemaError
from jsonschema.validators import validator_for

from cmdb.choices import CIStatus, Criticality, Environment, LocationKind, RelationshipType


class CIClass(models.Model):
    """A kind of configuration item. Admins may add classes; a class may define a JSON Schema
    that the free attributes of its CIs must satisfy."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    is_service = models.BooleanField(
        default=False, help_text="CIs of this class are business services."
    )
    icon = models.CharField(max_length=40, blank=True, help_text="A Bootstrap icon name.")
    attribute_schema = models.JSONField(
        default=dict, blank=True, help_text="JSON Schema for the attributes of CIs of this class."
    )

    class Meta:
        ordering = ["name"]
        verbose_name = "CI class"
        verbose_name_plural = "CI classes"

    def __str__(self):
        return self.name

    def clean(self):
        if not isinstance(self.attribute_schema, dict):
            raise ValidationError({"attribute_schema": "The schema must be a JSON object."})
        try:
            validator_for(self.attribute_schema).check_schema(self.attribute_schema)
        except SchemaError as error:
            raise ValidationError(
                {"attribute_schema": f"Not a valid JSON Schema: {error.message}"}
            ) from None

    @property
    def attribute_names(self) -> list[str]:
        return list((self.attribute_schema or {}).get("properties", {}))


class Location(models.Model):
    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=20, choices=LocationKind.choices, default=LocationKind.SITE)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class ConfigurationItem(models.Model):
    name = models.CharField(max_length=200, unique=True)
    ci_class = models.ForeignKey(CIClass, on_delete=models.PROTECT, related_name="cis")
    environment = models.CharField(
        max_length=20, choices=Environment.choices, default=Environment.PRODUCTION
    )
    status = models.CharField(max_length=20, choices=CIStatus.choices, default=CIStatus.OPERATIONAL)
    criticality = models.PositiveSmallIntegerField(
        choices=Criticality.choices, default=Criticality.MEDIUM
    )
    owner_team = models.ForeignKey(
        "itops.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_cis"
    )
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.SET_NULL, related_name="cis"
    )
    monitoring_address = models.CharField(
        max_length=255, blank=True, help_text="host, host:port or URL that monitoring checks."
    )
    description = models.TextField(blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "configuration item"
        indexes = [
            models.Index(fields=["ci_class", "name"]),
            models.Index(fields=["environment", "status"]),
            models.Index(fields=["owner_team"]),
        ]

    def __str__(self):
        return self.name


class Relationship(models.Model):
    """A typed, directed edge `source <type> target` (see RelationshipType for what needs what)."""

    source = models.ForeignKey(
        ConfigurationItem, on_delete=models.CASCADE, related_name="outgoing_relationships"
    )
    target = models.ForeignKey(
        ConfigurationItem, on_delete=models.CASCADE, related_name="incoming_relationships"
    )
    type = models.CharField(max_length=20, choices=RelationshipType.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    # The same edge read as "dependent needs dependency", kept by the database from the type, so
    # impact queries walk one indexed pair of columns whatever the type.
    dependent_id = models.GeneratedField(
        expression=Case(When(type=RelationshipType.PART_OF, then=F("target")), default=F("source")),
        output_field=models.BigIntegerField(),
        db_persist=True,
    )
    dependency_id = models.GeneratedField(
        expression=Case(When(type=RelationshipType.PART_OF, then=F("source")), default=F("target")),
        output_field=models.BigIntegerField(),
        db_persist=True,
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "target", "type"], name="unique_relationship"
            ),
            models.CheckConstraint(
                condition=~models.Q(source=models.F("target")), name="relationship_not_to_self"
            ),
        ]
        indexes = [
            models.Index(fields=["target", "type"]),
            models.Index(fields=["dependency_id", "dependent_id"], name="relationship_upstream"),
            models.Index(fields=["dependent_id", "dependency_id"], name="relationship_downstream"),
        ]

    def __str__(self):
        return f"{self.source} {self.get_type_display()} {self.target}"

    def get_additional_data(self):
        # Stored on each audit entry, so a CI's page can list the relationship changes on it.
        return {"source_id": self.source_id, "target_id": self.target_id}
