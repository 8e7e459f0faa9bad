from rest_framework import serializers

from itops.choices import TokenScope
from itops.models import ApiToken, Team, User
from itops.roles import roles_of


class UserSerializer(serializers.ModelSerializer):
    roles = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "first_name", "last_name", "email", "department", "roles"]

    def get_roles(self, user) -> list[str]:
        return sorted(role.value for role in roles_of(user))


class TeamSerializer(serializers.ModelSerializer):
    members = serializers.SlugRelatedField(many=True, read_only=True, slug_field="username")
    lead = serializers.SlugRelatedField(read_only=True, slug_field="username")

    class Meta:
        model = Team
        fields = ["id", "name", "slug", "description", "email", "lead", "members"]


class ApiTokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "prefix",
            "scopes",
            "created_at",
            "expires_at",
            "last_used_at",
            "revoked_at",
        ]
        read_only_fields = fields


class ApiTokenCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=TokenScope.choices), allow_empty=False
    )
    expires_at = serializers.DateTimeField(required=False, allow_null=True)
