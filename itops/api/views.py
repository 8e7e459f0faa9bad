from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from itops import selectors, services
from itops.api.serializers import (
    ApiTokenCreateSerializer,
    ApiTokenSerializer,
    TeamSerializer,
    UserSerializer,
)
from itops.audit import entry_as_dict
from itops.models import ApiToken, User
from itops.permissions import IsStaffMember


class UserViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = UserSerializer
    permission_classes = viewsets.ReadOnlyModelViewSet.permission_classes + [IsStaffMember]
    search_fields = ["username", "first_name", "last_name", "email"]
    filterset_fields = ["department"]

    def get_queryset(self):
        return User.objects.filter(is_active=True).prefetch_related("groups")

    @action(detail=False, methods=["get"], permission_classes=viewsets.ViewSet.permission_classes)
    def me(self, request):
        return Response(UserSerializer(request.user).data)


class TeamViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = TeamSerializer
    permission_classes = viewsets.ReadOnlyModelViewSet.permission_classes + [IsStaffMember]
    search_fields = ["name", "slug"]

    def get_queryset(self):
        return selectors.team_list()


class ApiTokenViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The caller's own tokens. Creating answers the secret once; deleting revokes."""

    serializer_class = ApiTokenSerializer
    filter_backends = []
    queryset = ApiToken.objects.none()  # for the schema; get_queryset() scopes to the caller

    def get_queryset(self):
        return selectors.api_tokens_of(user=self.request.user)

    @extend_schema(request=ApiTokenCreateSerializer, responses={201: ApiTokenSerializer})
    def create(self, request, *args, **kwargs):
        payload = ApiTokenCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        token, secret = services.create_api_token(user=request.user, **payload.validated_data)
        body = ApiTokenSerializer(token).data | {"token": secret}
        return Response(body, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        token = self.get_object()
        services.revoke_api_token(token=token, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AuditEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    timestamp = serializers.DateTimeField()
    action = serializers.CharField()
    actor = serializers.CharField(allow_null=True)
    object = serializers.CharField()
    changes = serializers.DictField()


@extend_schema(
    parameters=[
        OpenApiParameter("model", str, description="app_label.model, e.g. cmdb.configurationitem"),
        OpenApiParameter("object_id", int),
        OpenApiParameter("actor", str, description="username"),
    ]
)
class AuditEntryViewSet(viewsets.GenericViewSet, mixins.ListModelMixin):
    """Audit entries across the platform, for staff."""

    serializer_class = AuditEntrySerializer
    permission_classes = viewsets.GenericViewSet.permission_classes + [IsStaffMember]
    filter_backends = []

    def get_queryset(self):
        entries = LogEntry.objects.select_related("actor", "content_type").order_by("-timestamp")
        model = self.request.query_params.get("model")
        if model:
            app_label, _, model_name = model.lower().partition(".")
            content_type = ContentType.objects.filter(app_label=app_label, model=model_name).first()
            if content_type is None:
                raise serializers.ValidationError({"model": f"Unknown model {model!r}."})
            entries = entries.filter(content_type=content_type)
        object_id = self.request.query_params.get("object_id")
        if object_id:
            if not object_id.isdigit():
                raise serializers.ValidationError({"object_id": "Must be a whole number."})
            entries = entries.filter(object_id=int(object_id))
        actor = self.request.query_params.get("actor")
        if actor:
            entries = entries.filter(actor__username=actor)
        return entries

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response([entry_as_dict(entry) for entry in page])
