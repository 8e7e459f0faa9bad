"""REST API of the CMDB. Reads: staff; writes: ops engineers and admins (CI classes: admins).
Writes go through cmdb.services, so the API and the pages keep the same rules and history."""

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from cmdb import selectors, services
from cmdb.api.serializers import (
    CIClassSerializer,
    CISummarySerializer,
    ConfigurationItemSerializer,
    GraphQuerySerializer,
    GraphSerializer,
    ImpactSerializer,
    LocationSerializer,
    RelationshipSerializer,
    ServiceSerializer,
)
from cmdb.filtersets import CIFilterSet, RelationshipFilterSet
from cmdb.models import ConfigurationItem
from itops.api.mixins import AuditHistoryMixin
from itops.choices import Role
from itops.permissions import roles_permission

_BASE_PERMISSIONS = viewsets.ModelViewSet.permission_classes
OPS_WRITE = [*_BASE_PERMISSIONS, roles_permission(Role.OPS_ENGINEER)]
ADMIN_WRITE = [*_BASE_PERMISSIONS, roles_permission(Role.ADMIN)]


class ConfigurationItemViewSet(AuditHistoryMixin, viewsets.ModelViewSet):
    """Configuration items. DELETE retires a CI (history and relationships stay).

    Filters, `search` and `ordering` are the same as on the CMDB pages."""

    serializer_class = ConfigurationItemSerializer
    permission_classes = OPS_WRITE
    filter_backends = [DjangoFilterBackend]
    filterset_class = CIFilterSet
    queryset = ConfigurationItem.objects.none()  # for the schema; get_queryset() scopes

    def get_queryset(self):
        return selectors.visible_cis(user=self.request.user)

    def perform_create(self, serializer):
        serializer.instance = services.create_ci(by=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.update_ci(
            ci=serializer.instance, by=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.retire_ci(ci=instance, by=self.request.user)

    def _paginated(self, queryset):
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(CISummarySerializer(page, many=True).data)

    @extend_schema(
        summary="What a failure of this CI impacts",
        responses={200: ImpactSerializer},
        filters=False,
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def impact(self, request, pk=None):
        ci = self.get_object()
        upstream = list(selectors.upstream(ci))
        body = {
            "ci": ci,
            "impacted_services": selectors.impacted_services(ci),
            "upstream_count": len(upstream),
            "upstream": upstream,
        }
        return Response(ImpactSerializer(body).data)

    @extend_schema(
        summary="Every CI that needs this one, transitively",
        responses={200: CISummarySerializer(many=True)},
        filters=False,
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def upstream(self, request, pk=None):
        return self._paginated(selectors.upstream(self.get_object()))

    @extend_schema(
        summary="Every CI this one needs, transitively",
        responses={200: CISummarySerializer(many=True)},
        filters=False,
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def downstream(self, request, pk=None):
        return self._paginated(selectors.downstream(self.get_object()))

    @extend_schema(
        summary="Nodes and edges around this CI, for drawing",
        parameters=[
            OpenApiParameter("depth", int, description="Steps in each direction (1-6)."),
            OpenApiParameter("direction", str, enum=["both", "up", "down"]),
        ],
        responses={200: GraphSerializer},
        filters=False,
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def graph(self, request, pk=None):
        query = GraphQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        graph = selectors.ci_graph(self.get_object(), **query.validated_data)
        return Response(graph)


class ServiceViewSet(AuditHistoryMixin, viewsets.ReadOnlyModelViewSet):
    """Business services with everything they depend on. Create and change them as CIs."""

    serializer_class = ServiceSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = CIFilterSet
    permission_classes = OPS_WRITE
    queryset = ConfigurationItem.objects.none()

    def get_queryset(self):
        return selectors.service_list(user=self.request.user)


class RelationshipViewSet(AuditHistoryMixin, viewsets.ModelViewSet):
    """Typed relationships `source <type> target` (see the CMDB docs for which side needs
    which). Self-loops and duplicates are refused with 400."""

    serializer_class = RelationshipSerializer
    permission_classes = OPS_WRITE
    filter_backends = [DjangoFilterBackend]
    filterset_class = RelationshipFilterSet

    def get_queryset(self):
        return selectors.relationship_list(user=self.request.user)

    def perform_create(self, serializer):
        serializer.instance = services.add_relationship(
            by=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.update_relationship(
            relationship=serializer.instance, by=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.remove_relationship(relationship=instance, by=self.request.user)


class CIClassViewSet(AuditHistoryMixin, viewsets.ModelViewSet):
    """CI classes and the JSON Schema their CIs' attributes must satisfy. Writes: admins."""

    serializer_class = CIClassSerializer
    permission_classes = ADMIN_WRITE
    lookup_field = "slug"
    search_fields = ["slug", "name"]
    filterset_fields = ["is_service"]

    def get_queryset(self):
        return selectors.ci_class_list()

    def perform_create(self, serializer):
        serializer.instance = services.create_ci_class(
            by=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.update_ci_class(
            ci_class=serializer.instance, by=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.delete_ci_class(ci_class=instance, by=self.request.user)


class LocationViewSet(AuditHistoryMixin, viewsets.ModelViewSet):
    serializer_class = LocationSerializer
    permission_classes = OPS_WRITE
    search_fields = ["name"]
    filterset_fields = ["kind", "parent"]

    def get_queryset(self):
        return selectors.location_list()

    def perform_create(self, serializer):
        serializer.instance = services.create_location(
            by=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.update_location(
            location=serializer.instance, by=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.delete_location(location=instance, by=self.request.user)
