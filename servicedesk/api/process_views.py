"""REST API of the service catalog process and problem management: thin views over
servicedesk.services and servicedesk.selectors.

- `catalog-items/`: everyone with a service desk role reads active items; admins write
  (`?include_inactive=1` lists inactive ones for them); `POST catalog-items/{id}/order/`.
- `approvals/`: the caller's own approvals (pending by default, `?state=all|approved|...`);
  `approve` / `reject` actions. Anyone else's approval is a 404.
- `fulfilment-tasks/`: staff; filters `team`, `state` (`active` or states, comma-separated),
  `assignee` (`me`, `none` or an id), `request`; `start`, `complete`, `cancel`, `assign`.
- `problems/`: the core's endpoint plus `from-incidents`, `{id}/link-incidents`,
  `{id}/unlink-incident`, `{id}/mark-known-error`, `{id}/unmark-known-error`, and `{id}/resolve`
  with `resolve_incidents`.
- `known-errors/?q=` and `problem-candidates/`: staff.
- `requests/`: the core's endpoint, where a request with a `catalog_item` is ordered through
  the catalog (answers checked, approvals asked); plus `{id}/approvals`, `{id}/answers`,
  `{id}/fulfilment-tasks` (staff) and `{id}/fulfilment-progress`.
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from itops.api.mixins import AuditHistoryMixin
from itops.choices import Role
from itops.permissions import IsStaffMember
from itops.roles import has_role, is_staff_member
from servicedesk import selectors, services
from servicedesk.api import process_serializers as ps
from servicedesk.api import serializers as s
from servicedesk.api import views
from servicedesk.choices import ApprovalState, TicketSource
from servicedesk.models import CatalogItem, FulfilmentTask, RequestApproval, Ticket

BASE_PERMISSIONS = views.BASE_PERMISSIONS
STAFF_PERMISSIONS = [*BASE_PERMISSIONS, IsStaffMember]


def _payload(serializer_class, request) -> dict:
    payload = serializer_class(
        data=request.data, context={"request": request, "staff": is_staff_member(request.user)}
    )
    payload.is_valid(raise_exception=True)
    return dict(payload.validated_data)


def _source(request) -> str:
    if request.auth is not None:
        return TicketSource.API
    return TicketSource.DESK if is_staff_member(request.user) else TicketSource.PORTAL


class CatalogWritePermission(BasePermission):
    message = "Only admins may change the service catalog."

    def has_permission(self, request, view):
        if view.action in ("create", "update", "partial_update", "destroy"):
            return has_role(request.user, Role.ADMIN)
        return True


# --- catalog ----------------------------------------------------------------------------------


@extend_schema(tags=["catalog"])
class CatalogItemViewSet(AuditHistoryMixin, viewsets.ModelViewSet):
    serializer_class = ps.CatalogItemSerializer
    queryset = CatalogItem.objects.none()
    permission_classes = [*BASE_PERMISSIONS, CatalogWritePermission]
    filter_backends = []
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_permissions(self):
        if self.action == "history":
            return [permission() for permission in STAFF_PERMISSIONS]
        return super().get_permissions()

    def get_queryset(self):
        inactive = self.request.query_params.get("include_inactive") in ("1", "true")
        write = self.action not in ("list", "retrieve", "order")
        return selectors.catalog_items(user=self.request.user, include_inactive=inactive or write)

    def _write(self, serializer, item=None):
        data = dict(serializer.validated_data)
        templates = data.pop("task_templates", None)
        if templates is not None:
            templates = [dict(template) for template in templates]
        if item is None:
            return services.create_catalog_item(
                by=self.request.user, task_templates=templates, **data
            )
        return services.update_catalog_item(
            item=item, by=self.request.user, task_templates=templates, **data
        )

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item = self._write(serializer)
        return Response(self.get_serializer(item).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        item = self.get_object()
        partial = kwargs.get("partial", False)
        serializer = self.get_serializer(item, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        item = self._write(serializer, item)
        return Response(self.get_serializer(item).data)

    @extend_schema(
        request=ps.OrderSerializer,
        responses={201: s.TicketDetailSerializer},
        summary="Order this item: answers are checked against its form (400 names each bad "
        "one); the request waits for approval or goes straight to fulfilment",
    )
    @action(detail=True, methods=["post"])
    def order(self, request, pk=None):
        item = self.get_object()
        data = _payload(ps.OrderSerializer, request)
        ticket = services.order_catalog_item(
            item=item,
            requester=request.user,
            answers=data.get("answers"),
            on_behalf_of=data.get("on_behalf_of"),
            by=request.user,
            short_description=data.get("short_description", ""),
            description=data.get("description", ""),
            source=_source(request),
        )
        ticket = selectors.get_visible_ticket(user=request.user, key=ticket.pk)
        body = s.TicketDetailSerializer(ticket, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)


# --- approvals --------------------------------------------------------------------------------

APPROVAL_STATE_FILTER = OpenApiParameter(
    "state",
    str,
    description="pending (default), approved, rejected, not_required, or all",
)


@extend_schema(tags=["approvals"])
class RequestApprovalViewSet(viewsets.ReadOnlyModelViewSet):
    """The approvals the caller was asked for."""

    serializer_class = ps.RequestApprovalSerializer
    queryset = RequestApproval.objects.none()
    permission_classes = BASE_PERMISSIONS
    filter_backends = []

    def get_queryset(self):
        if self.action != "list":
            return selectors.approvals_for(user=self.request.user, state=None)
        state = self.request.query_params.get("state") or ApprovalState.PENDING
        if state != "all" and state not in ApprovalState.values:
            raise ValidationError(
                {"state": [f"Use all or one of {', '.join(ApprovalState.values)}."]}
            )
        return selectors.approvals_for(
            user=self.request.user, state=None if state == "all" else state
        )

    @extend_schema(parameters=[APPROVAL_STATE_FILTER])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def _decide(self, request, approve: bool):
        approval = self.get_object()
        data = _payload(ps.DecisionSerializer, request)
        approval = services.decide_approval(
            approval=approval, approve=approve, comment=data.get("comment", ""), by=request.user
        )
        approval = selectors.get_approval_for(user=request.user, pk=approval.pk)
        return Response(self.get_serializer(approval).data)

    @extend_schema(request=ps.DecisionSerializer, responses=ps.RequestApprovalSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._decide(request, approve=True)

    @extend_schema(
        request=ps.DecisionSerializer,
        responses=ps.RequestApprovalSerializer,
        summary="Reject (a comment is required; the requester sees it)",
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._decide(request, approve=False)


# --- fulfilment tasks -------------------------------------------------------------------------


@extend_schema(tags=["fulfilment tasks"])
class FulfilmentTaskViewSet(AuditHistoryMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = ps.FulfilmentTaskSerializer
    queryset = FulfilmentTask.objects.none()
    permission_classes = STAFF_PERMISSIONS
    filter_backends = []
    lookup_value_regex = r"[A-Za-z0-9]+"

    def get_queryset(self):
        filters = self.request.query_params if self.action == "list" else None
        return selectors.fulfilment_task_list(user=self.request.user, filters=filters)

    def get_object(self):
        return selectors.get_visible_task(user=self.request.user, key=self.kwargs["pk"])

    @extend_schema(
        parameters=[
            OpenApiParameter("team", int),
            OpenApiParameter("state", str, description="active, or states comma-separated"),
            OpenApiParameter("assignee", str, description="me, none or a user id"),
            OpenApiParameter("request", int),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def _answer(self, task):
        return Response(
            self.get_serializer(
                selectors.get_visible_task(user=self.request.user, key=task.pk)
            ).data
        )

    @extend_schema(request=s.EmptySerializer, responses=ps.FulfilmentTaskSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        task = self.get_object()
        _payload(s.EmptySerializer, request)
        return self._answer(services.start_task(task=task, by=request.user))

    @extend_schema(request=ps.TaskCompleteSerializer, responses=ps.FulfilmentTaskSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        task = self.get_object()
        data = _payload(ps.TaskCompleteSerializer, request)
        return self._answer(
            services.complete_task(task=task, note=data.get("note", ""), by=request.user)
        )

    @extend_schema(request=ps.TaskCancelSerializer, responses=ps.FulfilmentTaskSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        task = self.get_object()
        data = _payload(ps.TaskCancelSerializer, request)
        return self._answer(services.cancel_task(task=task, reason=data["reason"], by=request.user))

    @extend_schema(request=ps.TaskAssignSerializer, responses=ps.FulfilmentTaskSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        task = self.get_object()
        data = _payload(ps.TaskAssignSerializer, request)
        task = services.assign_task(
            task=task, team=data["team"], assignee=data.get("assignee"), by=request.user
        )
        return self._answer(task)


# --- requests and problems (the core's endpoints, extended) ------------------------------------

_CATALOG_REQUEST_FIELDS = frozenset(
    {"short_description", "description", "caller", "catalog_item", "request_answers", "source"}
)


@extend_schema(tags=["requests"])
class RequestViewSet(views.RequestViewSet):
    """Requests; one with a `catalog_item` is ordered through the catalog (its answers are
    checked against the item's form and approvals are asked as the item says)."""

    def open(self, data, by):
        item = data.get("catalog_item")
        if item is None:
            return super().open(data, by)
        extra = sorted(
            key
            for key, value in data.items()
            if key not in _CATALOG_REQUEST_FIELDS and value not in (None, [], "")
        )
        if extra:
            raise ValidationError(
                {name: ["Not with a catalog item: the catalog decides this."] for name in extra}
            )
        caller = data.get("caller") or by
        return services.order_catalog_item(
            item=item,
            requester=caller if is_staff_member(by) else by,
            answers=data.get("request_answers") or {},
            by=by,
            short_description=data.get("short_description", ""),
            description=data.get("description", ""),
            source=data.get("source"),
        )

    @extend_schema(responses=ps.RequestApprovalSerializer(many=True))
    @action(detail=True, methods=["get"])
    def approvals(self, request, pk=None):
        ticket = self.get_object()
        approvals = selectors.request_approvals(ticket).select_related(
            "request__caller", "request__catalog_item"
        )
        return Response(ps.RequestApprovalSerializer(approvals, many=True).data)

    @extend_schema(responses=ps.AnswerRowSerializer(many=True))
    @action(detail=True, methods=["get"])
    def answers(self, request, pk=None):
        ticket = self.get_object()
        return Response(
            ps.AnswerRowSerializer(selectors.request_answer_rows(ticket), many=True).data
        )

    @extend_schema(responses=ps.FulfilmentTaskSerializer(many=True))
    @action(
        detail=True,
        methods=["get"],
        url_path="fulfilment-tasks",
        permission_classes=STAFF_PERMISSIONS,
    )
    def fulfilment_tasks(self, request, pk=None):
        ticket = self.get_object()
        tasks = selectors.request_tasks(ticket).select_related("request", "finished_by")
        return Response(ps.FulfilmentTaskSerializer(tasks, many=True).data)

    @extend_schema(responses=ps.FulfilmentProgressSerializer)
    @action(detail=True, methods=["get"], url_path="fulfilment-progress")
    def fulfilment_progress(self, request, pk=None):
        ticket = self.get_object()
        return Response(ps.FulfilmentProgressSerializer(selectors.fulfilment_progress(ticket)).data)


@extend_schema(tags=["problems"])
class ProblemViewSet(views.ProblemViewSet):
    """Problems, with problem management's actions."""

    def get_permissions(self):
        process_actions = {
            "from_incidents",
            "link_incidents",
            "unlink_incident",
            "mark_known_error",
            "unmark_known_error",
        }
        if self.action in process_actions:
            return [permission() for permission in STAFF_PERMISSIONS]
        return super().get_permissions()

    @extend_schema(
        request=ps.ProblemFromIncidentsSerializer, responses={201: s.TicketDetailSerializer}
    )
    @action(detail=False, methods=["post"], url_path="from-incidents")
    def from_incidents(self, request):
        data = _payload(ps.ProblemFromIncidentsSerializer, request)
        problem = services.create_problem_from_incidents(
            incidents=data["incidents"],
            by=request.user,
            short_description=data.get("short_description", ""),
            description=data.get("description", ""),
            assignment_group=data.get("assignment_group"),
        )
        return self.ticket_response(problem, status.HTTP_201_CREATED)

    @extend_schema(request=ps.LinkIncidentsSerializer, responses=s.TicketDetailSerializer)
    @action(detail=True, methods=["post"], url_path="link-incidents")
    def link_incidents(self, request, pk=None):
        problem = self.get_object()
        data = _payload(ps.LinkIncidentsSerializer, request)
        services.link_incidents_to_problem(
            incidents=data["incidents"], problem=problem, by=request.user
        )
        return self.ticket_response(problem)

    @extend_schema(request=ps.UnlinkIncidentSerializer, responses=s.TicketDetailSerializer)
    @action(detail=True, methods=["post"], url_path="unlink-incident")
    def unlink_incident(self, request, pk=None):
        problem = self.get_object()
        data = _payload(ps.UnlinkIncidentSerializer, request)
        services.unlink_incident(incident=data["incident"], problem=problem, by=request.user)
        return self.ticket_response(problem)

    @extend_schema(request=ps.KnownErrorMarkSerializer, responses=s.TicketDetailSerializer)
    @action(detail=True, methods=["post"], url_path="mark-known-error")
    def mark_known_error(self, request, pk=None):
        problem = self.get_object()
        data = _payload(ps.KnownErrorMarkSerializer, request)
        problem = services.mark_known_error(
            problem=problem,
            workaround=data.get("workaround"),
            root_cause=data.get("root_cause"),
            by=request.user,
        )
        return self.ticket_response(problem)

    @extend_schema(request=s.EmptySerializer, responses=s.TicketDetailSerializer)
    @action(detail=True, methods=["post"], url_path="unmark-known-error")
    def unmark_known_error(self, request, pk=None):
        problem = self.get_object()
        _payload(s.EmptySerializer, request)
        return self.ticket_response(services.unmark_known_error(problem=problem, by=request.user))

    @extend_schema(
        request=ps.ProblemResolveSerializer,
        responses=s.TicketDetailSerializer,
        summary="Resolve the problem; with resolve_incidents, also its open incidents (the "
        "answer's `incidents` lists those resolved and those that could not be, with why)",
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        problem = self.get_object()
        data = _payload(ps.ProblemResolveSerializer, request)
        outcome = services.resolve_problem(
            problem=problem,
            resolution_code=data["resolution_code"],
            resolution_notes=data["resolution_notes"],
            root_cause=data.get("root_cause"),
            resolve_incidents=data["resolve_incidents"],
            incident_note=data.get("incident_note", ""),
            incident_resolution_code=data["incident_resolution_code"],
            by=request.user,
        )
        response = self.ticket_response(outcome.problem)
        response.data["incidents"] = ps.ProblemResolutionSerializer(
            {
                "resolved": outcome.resolved,
                "refused": [{"incident": t, "reason": why} for t, why in outcome.refused],
            }
        ).data
        return response


# --- known errors and candidates --------------------------------------------------------------


@extend_schema(tags=["problems"])
class KnownErrorViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Published known errors, newest first or, with `q`, best match first."""

    serializer_class = ps.KnownErrorSerializer
    queryset = Ticket.objects.none()
    permission_classes = STAFF_PERMISSIONS
    filter_backends = []

    def get_queryset(self):
        return selectors.known_errors(
            user=self.request.user, q=self.request.query_params.get("q", "")
        )

    @extend_schema(parameters=[OpenApiParameter("q", str, description="Search text")])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)


@extend_schema(tags=["problems"])
class ProblemCandidateViewSet(viewsets.ViewSet):
    """Groups of recent incidents on one CI or in one (sub)category with no problem yet."""

    permission_classes = STAFF_PERMISSIONS

    @extend_schema(responses=ps.ProblemCandidateSerializer(many=True))
    def list(self, request):
        candidates = selectors.problem_candidates()
        return Response(ps.ProblemCandidateSerializer(candidates, many=True).data)
