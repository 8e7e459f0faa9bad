from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from itops.audit import entry_as_dict, history_for


class AuditHistoryMixin:
    """Adds `GET <resource>/<id>/history/`: the object's audit entries, newest first."""

    @extend_schema(summary="Audit history of this object", responses={200: dict})
    @action(detail=True, methods=["get"])
    def history(self, request, *args, **kwargs):
        obj = self.get_object()
        entries = history_for(obj)[:200]
        return Response([entry_as_dict(entry) for entry in entries])
