from rest_framework import serializers

from cmdb import selectors
from cmdb.choices import RelationshipType
from cmdb.models import CIClass, ConfigurationItem, Location, Relationship
from cmdb.services import CI_FIELDS, attribute_errors
from itops.models import Team


class CISummarySerializer(serializers.ModelSerializer):
    ci_class = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    is_service = serializers.BooleanField(source="ci_class.is_service", read_only=True)

    class Meta:
        model = ConfigurationItem
        fields = ["id", "name", "ci_class", "is_service", "environment", "status", "criticality"]
        read_only_fields = fields


class ConfigurationItemSerializer(serializers.ModelSerializer):
    ci_class = serializers.SlugRelatedField(slug_field="slug", queryset=CIClass.objects.all())
    ci_class_name = serializers.CharField(source="ci_class.name", read_only=True)
    is_service = serializers.BooleanField(source="ci_class.is_service", read_only=True)
    owner_team = serializers.SlugRelatedField(
        slug_field="slug", queryset=Team.objects.all(), required=False, allow_null=True
    )
    location = serializers.SlugRelatedField(
        slug_field="name", queryset=Location.objects.all(), required=False, allow_null=True
    )
    attributes = serializers.JSONField(
        required=False, help_text="Checked against the JSON Schema of the CI's class."
    )

    class Meta:
        model = ConfigurationItem
        fields = ["id", *CI_FIELDS, "ci_class_name", "is_service", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]

    def validate_attributes(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError("Must be a JSON object of attribute: value.")
        return value

    def validate(self, data):
        ci_class = data.get("ci_class") or getattr(self.instance, "ci_class", None)
        attributes = data.get("attributes", getattr(self.instance, "attributes", {}))
        if ci_class is not None:
            problems = attribute_errors(ci_class=ci_class, attributes=attributes)
            if problems:
                raise serializers.ValidationError(
                    {
                        "attributes": [
                            f"Attribute {name!r} {reason}." if name else reason.capitalize() + "."
                            for name, reason in problems
                        ]
                    }
                )
        return data


class ServiceSerializer(ConfigurationItemSerializer):
    dependencies = serializers.SerializerMethodField(
        help_text="Every CI the service needs, directly or transitively."
    )

    class Meta(ConfigurationItemSerializer.Meta):
        fields = [*ConfigurationItemSerializer.Meta.fields, "dependencies"]

    def get_dependencies(self, service) -> list[dict]:
        return CISummarySerializer(selectors.service_dependencies(service), many=True).data


class ImpactSerializer(serializers.Serializer):
    ci = CISummarySerializer()
    impacted_services = CISummarySerializer(many=True)
    upstream_count = serializers.IntegerField()
    upstream = CISummarySerializer(many=True)


class GraphQuerySerializer(serializers.Serializer):
    depth = serializers.IntegerField(
        required=False, default=1, min_value=1, max_value=selectors.GRAPH_MAX_DEPTH
    )
    direction = serializers.ChoiceField(
        choices=["both", "up", "down"], required=False, default="both"
    )


class GraphSerializer(serializers.Serializer):
    focus = serializers.CharField()
    depth = serializers.IntegerField()
    truncated = serializers.BooleanField()
    nodes = serializers.ListField(child=serializers.DictField())
    edges = serializers.ListField(child=serializers.DictField())


class RelationshipSerializer(serializers.ModelSerializer):
    source = serializers.PrimaryKeyRelatedField(queryset=ConfigurationItem.objects.all())
    target = serializers.PrimaryKeyRelatedField(queryset=ConfigurationItem.objects.all())
    type = serializers.ChoiceField(choices=RelationshipType.choices)
    source_name = serializers.CharField(source="source.name", read_only=True)
    target_name = serializers.CharField(source="target.name", read_only=True)

    class Meta:
        model = Relationship
        fields = ["id", "source", "source_name", "type", "target", "target_name", "created_at"]
        read_only_fields = ["created_at"]
        # Duplicates and self-loops are refused by the service, with a message naming the CIs.
        validators = []


class CIClassSerializer(serializers.ModelSerializer):
    class Meta:
        model = CIClass
        fields = ["id", "slug", "name", "description", "is_service", "icon", "attribute_schema"]


class LocationSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(
        slug_field="name", queryset=Location.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = Location
        fields = ["id", "name", "kind", "parent"]
