"""`/api/v1/targets/`: collection targets. Reads: staff; writes, runs and discovery: ops
engineers and admins. Writes go through monitoring.targets.services."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from cmdb.models import ConfigurationItem
from itops.api.mixins import AuditHistoryMixin
from itops.choices import Role
from itops.permissions import roles_permission
from monitoring.targets import selectors, services
from monitoring.targets.filtersets import TargetFilterSet
from monitoring.targets.models import Target
from monitoring.targets.services import EDITABLE_FIELDS

OPS_WRITE = [*viewsets.ModelViewSet.permission_classes, roles_permission(Role.OPS_ENGINEER)]


class TargetSerializer(serializers.ModelSerializer):
    ci = serializers.PrimaryKeyRelatedField(
        queryset=ConfigurationItem.objects.all(), required=False, allow_null=True
    )
    ci_name = serializers.CharField(source="ci.name", read_only=True, default=None)
    labels = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False)

    class Meta:
        model = Target
        fields = [
            "id",
            *EDITABLE_FIELDS,
            "ci_name",
            "source",
            *Target.RUN_STATE_FIELDS,
            "created_at",
        ]
        read_only_fields = ["source", *Target.RUN_STATE_FIELDS, "created_at"]
        # Uniqueness and the rest are checked by the service (Target.full_clean).
        validators = []


class RunQueuedSerializer(serializers.Serializer):
    queued = serializers.BooleanField()
    target = TargetSerializer()


class DiscoverySerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    removed = serializers.IntegerField()
    skipped = serializers.IntegerField()


class TargetViewSet(AuditHistoryMixin, viewsets.ModelViewSet):
    """Targets: Prometheus scrapes, HTTP checks and TCP checks, with their last run.

    Filters and `search` are the same as on the /ops/targets/ page."""

    serializer_class = TargetSerializer
    permission_classes = OPS_WRITE
    filterset_class = TargetFilterSet
    queryset = Target.objects.none()  # for the schema; get_queryset() scopes

    def get_queryset(self):
        return selectors.visible_targets(user=self.request.user)

    def perform_create(self, serializer):
        serializer.instance = services.create_target(
            by=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.update_target(
            target=serializer.instance, by=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.delete_target(target=instance, by=self.request.user)

    @extend_schema(
        summary="Collect this target now", request=None, responses={202: RunQueuedSerializer}
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def run(self, request, pk=None):
        target = self.get_object()
        services.run_target_now(target=target, by=request.user)
        target.refresh_from_db()
        body = {"queued": True, "target": target}
        return Response(RunQueuedSerializer(body).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="Create, update and remove targets discovered from the CMDB",
        request=None,
        responses={200: DiscoverySerializer},
    )
    @action(detail=False, methods=["post"], filter_backends=[])
    def discover(self, request):
        result = services.discover_targets(by=request.user)
        return Response(DiscoverySerializer(result.as_dict()).data)
