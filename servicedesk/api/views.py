"""REST API of the service desk: thin views that parse, call a selector or a service, render."""

from django.apps import apps
from django.conf import settings
from django.http import FileResponse, Http404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response

from itops.api.mixins import AuditHistoryMixin
from itops.choices import Role
from itops.models import User
from itops.permissions import IsStaffMember, TokenScopePermission
from itops.roles import has_role, is_staff_member
from servicedesk import selectors, services
from servicedesk.api import serializers as s
from servicedesk.api.pagination import TicketPagination
from servicedesk.api.rows import ticket_rows
from servicedesk.choices import TicketKind, TicketSource
from servicedesk.filtersets import TicketFilterSet
from servicedesk.models import Attachment, Ticket, TicketLink

# Room for multipart boundaries and the other form fields around an attachment.
UPLOAD_OVERHEAD_BYTES = 64 * 1024


class UsesServiceDesk(BasePermission):
    """Staff and end users; people with no role get nothing."""

    message = "Your account has no role that may use the service desk."

    def has_permission(self, request, view):
        return is_staff_member(request.user) or has_role(request.user, Role.END_USER)


class TicketFilterDocumentation(DjangoFilterBackend):
    """Documents TicketFilterSet's query parameters; the filtering itself happens in
    `selectors.ticket_list`, together with the permission scope."""

    def filter_queryset(self, request, queryset, view):
        return queryset


BASE_PERMISSIONS = [IsAuthenticated, TokenScopePermission, UsesServiceDesk]
ORDERING_FIELDS = [
    "number",
    "opened_at",
    "updated_at",
    "resolved_at",
    "priority",
    "state",
    "short_description",
]


class TicketReadMixin:
    kind: str | None = None
    queryset = Ticket.objects.none()  # for the schema; get_queryset() applies the scope
    permission_classes = BASE_PERMISSIONS
    filter_backends = [TicketFilterDocumentation, OrderingFilter]
    filterset_class = TicketFilterSet
    ordering_fields = ORDERING_FIELDS
    pagination_class = TicketPagination
    lookup_value_regex = r"[A-Za-z0-9]+"

    def get_queryset(self):
        filters = self.request.query_params if self.action == "list" else None
        return selectors.ticket_list(user=self.request.user, filters=filters, kind=self.kind)

    def get_object(self):
        key = self.kwargs[self.lookup_url_kwarg or self.lookup_field]
        return selectors.get_visible_ticket(user=self.request.user, key=key, kind=self.kind)

    def get_serializer_class(self):
        return s.TicketSerializer if self.action == "list" else s.TicketDetailSerializer

    def list(self, request, *args, **kwargs):
        """Rows built by `ticket_rows` (the shape of TicketSerializer, a fraction of its cost)."""
        tickets = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(tickets)
        if page is None:
            return Response(ticket_rows(tickets))
        return self.get_paginated_response(ticket_rows(page))

    def get_permissions(self):
        if self.action == "history":
            return [permission() for permission in [*BASE_PERMISSIONS, IsStaffMember]]
        return super().get_permissions()

    def ticket_response(self, ticket, code=status.HTTP_200_OK) -> Response:
        ticket = selectors.get_visible_ticket(user=self.request.user, key=ticket.pk)
        body = s.TicketDetailSerializer(ticket, context=self.get_serializer_context()).data
        return Response(body, status=code)


@extend_schema(tags=["tickets"])
class TicketViewSet(TicketReadMixin, AuditHistoryMixin, viewsets.ReadOnlyModelViewSet):
    """Every kind of ticket in one queue (read only); filter with `kind`."""


def _payload(serializer_class, request):
    payload = serializer_class(
        data=request.data, context={"request": request, "staff": is_staff_member(request.user)}
    )
    payload.is_valid(raise_exception=True)
    return payload.validated_data


class KindTicketViewSet(
    TicketReadMixin,
    AuditHistoryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Tickets of one kind, with their workflow actions, comments, attachments and links."""

    create_serializer: type = s.TicketCreateSerializer
    update_serializer: type = s.TicketWriteSerializer
    end_users_may_create = True

    def get_serializer_class(self):
        if self.action == "create":
            return self.create_serializer
        if self.action in ("update", "partial_update"):
            return self.update_serializer
        return super().get_serializer_class()

    def _default_source(self) -> str:
        if self.request.auth is not None:
            return TicketSource.API
        return TicketSource.DESK if is_staff_member(self.request.user) else TicketSource.PORTAL

    def open(self, data: dict, by: User) -> Ticket:  # pragma: no cover - per kind
        raise NotImplementedError

    @extend_schema(responses={201: s.TicketDetailSerializer})
    def create(self, request, *args, **kwargs):
        user = request.user
        if not self.end_users_may_create and not is_staff_member(user):
            raise PermissionDenied("Only service desk staff may open this kind of ticket.")
        data = _payload(self.create_serializer, request)
        data.setdefault("source", self._default_source())
        takes_caller = "caller" in self.create_serializer().fields
        if takes_caller and (not is_staff_member(user) or data.get("caller") is None):
            data["caller"] = user
        ticket = self.open(data, by=user)
        return self.ticket_response(ticket, status.HTTP_201_CREATED)

    @extend_schema(responses={200: s.TicketDetailSerializer})
    def update(self, request, *args, **kwargs):
        ticket = self.get_object()
        payload = self.update_serializer(
            data=request.data,
            partial=kwargs.get("partial", False) or request.method == "PATCH",
            context={"request": request, "staff": is_staff_member(request.user)},
        )
        payload.is_valid(raise_exception=True)
        ticket = services.update_ticket(
            ticket=ticket, changes=dict(payload.validated_data), by=request.user
        )
        return self.ticket_response(ticket)

    # --- workflow ---------------------------------------------------------------------------

    @extend_schema(request=s.AssignSerializer, responses=s.TicketDetailSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        ticket = self.get_object()
        data = _payload(s.AssignSerializer, request)
        ticket = services.assign_ticket(
            ticket=ticket,
            assignment_group=data["assignment_group"],
            assignee=data.get("assignee"),
            by=request.user,
        )
        return self.ticket_response(ticket)

    @extend_schema(request=s.EmptySerializer, responses=s.TicketDetailSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        ticket = self.get_object()
        _payload(s.EmptySerializer, request)
        return self.ticket_response(services.start_ticket(ticket=ticket, by=request.user))

    @extend_schema(request=s.HoldSerializer, responses=s.TicketDetailSerializer)
    @action(detail=True, methods=["post"])
    def hold(self, request, pk=None):
        ticket = self.get_object()
        data = _payload(s.HoldSerializer, request)
        ticket = services.hold_ticket(
            ticket=ticket, reason=data["reason"], comment=data.get("comment", ""), by=request.user
        )
        return self.ticket_response(ticket)

    @extend_schema(request=s.ResolveSerializer, responses=s.TicketDetailSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        ticket = self.get_object()
        data = _payload(s.ResolveSerializer, request)
        ticket = services.resolve_ticket(
            ticket=ticket,
            resolution_code=data["resolution_code"],
            resolution_notes=data["resolution_notes"],
            root_cause=data.get("root_cause"),
            by=request.user,
        )
        return self.ticket_response(ticket)

    @extend_schema(request=s.ReopenSerializer, responses=s.TicketDetailSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        ticket = self.get_object()
        data = _payload(s.ReopenSerializer, request)
        ticket = services.reopen_ticket(ticket=ticket, reason=data["reason"], by=request.user)
        return self.ticket_response(ticket)

    @extend_schema(request=s.EmptySerializer, responses=s.TicketDetailSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        ticket = self.get_object()
        _payload(s.EmptySerializer, request)
        return self.ticket_response(services.close_ticket(ticket=ticket, by=request.user))

    @extend_schema(request=s.CancelSerializer, responses=s.TicketDetailSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        ticket = self.get_object()
        data = _payload(s.CancelSerializer, request)
        ticket = services.cancel_ticket(
            ticket=ticket, reason=data.get("reason", ""), by=request.user
        )
        return self.ticket_response(ticket)

    # --- conversation -----------------------------------------------------------------------

    @extend_schema(methods=["GET"], responses=s.CommentSerializer(many=True), summary="Comments")
    @extend_schema(
        methods=["POST"],
        request=s.CommentCreateSerializer,
        responses={201: s.CommentSerializer},
        summary="Add a comment (or, for staff, a work note with internal=true)",
    )
    @action(detail=True, methods=["get", "post"])
    def comments(self, request, pk=None):
        ticket = self.get_object()
        if request.method == "GET":
            comments = selectors.comments_for(ticket=ticket, user=request.user)
            return Response(s.CommentSerializer(comments, many=True).data)
        data = _payload(s.CommentCreateSerializer, request)
        comment = services.add_comment(
            ticket=ticket, author=request.user, body=data["body"], internal=data["internal"]
        )
        return Response(s.CommentSerializer(comment).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], responses=s.AttachmentSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request={"multipart/form-data": s.AttachmentUploadSerializer},
        responses={201: s.AttachmentSerializer},
        summary="Attach a file (multipart field `file`, optional `comment` id)",
    )
    @action(
        detail=True,
        methods=["get", "post"],
        parser_classes=[MultiPartParser, FormParser, JSONParser],
    )
    def attachments(self, request, pk=None):
        ticket = self.get_object()
        if request.method == "GET":
            attachments = selectors.attachments_for(ticket=ticket, user=request.user)
            return Response(s.AttachmentSerializer(attachments, many=True).data)
        limit = settings.ITOPS_ATTACHMENT_MAX_BYTES
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
        if declared > limit + UPLOAD_OVERHEAD_BYTES:
            raise services.AttachmentTooLarge(
                f"Attachments may be at most {limit} bytes; this request has {declared}.",
                field="file",
            )
        data = _payload(s.AttachmentUploadSerializer, request)
        comment = None
        if data.get("comment") is not None:
            comment = (
                selectors.comments_for(ticket=ticket, user=request.user)
                .filter(pk=data["comment"])
                .first()
            )
            if comment is None:
                raise ValidationError({"comment": ["No such comment on this ticket."]})
        attachment = services.add_attachment(
            ticket=ticket, upload=data["file"], comment=comment, by=request.user
        )
        return Response(s.AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=s.TimelineEntrySerializer(many=True))
    @action(detail=True, methods=["get"])
    def timeline(self, request, pk=None):
        ticket = self.get_object()
        entries = selectors.ticket_timeline(ticket=ticket, user=request.user)
        return Response(s.TimelineEntrySerializer([e.as_dict() for e in entries], many=True).data)

    # --- watchers and links -----------------------------------------------------------------

    @extend_schema(request=s.WatcherSerializer, responses=s.TicketDetailSerializer)
    @action(detail=True, methods=["post"])
    def watchers(self, request, pk=None):
        ticket = self.get_object()
        data = _payload(s.WatcherSerializer, request)
        ticket = services.add_watcher(ticket=ticket, user=data["user"], by=request.user)
        return self.ticket_response(ticket)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path=r"watchers/(?P<user_id>\d+)")
    def remove_watcher(self, request, pk=None, user_id=None):
        ticket = self.get_object()
        user = ticket.watchers.filter(pk=user_id).first()
        if user is None:
            raise NotFound("That user does not watch this ticket.")
        services.remove_watcher(ticket=ticket, user=user, by=request.user)
        # No body: someone who stops watching may no longer see the ticket.
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(methods=["GET"], responses=s.TicketLinkSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request=s.TicketLinkCreateSerializer,
        responses={201: s.TicketLinkSerializer},
    )
    @action(
        detail=True, methods=["get", "post"], permission_classes=[*BASE_PERMISSIONS, IsStaffMember]
    )
    def links(self, request, pk=None):
        ticket = self.get_object()
        if request.method == "GET":
            links = selectors.ticket_links(ticket)
            return Response(s.TicketLinkSerializer(links, many=True).data)
        data = _payload(s.TicketLinkCreateSerializer, request)
        target = _link_target(data["model"], data["object_id"])
        link = services.add_link(
            ticket=ticket, target=target, link_type=data["link_type"], by=request.user
        )
        return Response(s.TicketLinkSerializer(link).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    @action(
        detail=True,
        methods=["delete"],
        url_path=r"links/(?P<link_id>\d+)",
        permission_classes=[*BASE_PERMISSIONS, IsStaffMember],
    )
    def remove_link(self, request, pk=None, link_id=None):
        ticket = self.get_object()
        link = TicketLink.objects.filter(ticket=ticket, pk=link_id).first()
        if link is None:
            raise NotFound("No such link on this ticket.")
        services.remove_link(link=link, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _link_target(model_label: str, object_id: int):
    app_label, _, model_name = model_label.lower().partition(".")
    try:
        model = apps.get_model(app_label, model_name)
    except (LookupError, ValueError):
        raise ValidationError({"model": [f"Unknown model {model_label!r}."]}) from None
    target = model._default_manager.filter(pk=object_id).first()
    if target is None:
        raise ValidationError({"object_id": [f"No {model_label} with id {object_id}."]})
    return target


class RateActionMixin:
    """`POST .../rate/`: the caller rates the resolution of their resolved or closed ticket,
    once (409 for a second rating)."""

    @extend_schema(
        request=s.RateSerializer,
        responses={201: s.TicketDetailSerializer},
        summary="Rate the resolution (the caller, once, after resolve or close)",
    )
    @action(detail=True, methods=["post"])
    def rate(self, request, pk=None):
        ticket = self.get_object()
        data = _payload(s.RateSerializer, request)
        services.rate_resolution(
            ticket=ticket, rating=data["rating"], comment=data.get("comment", ""), by=request.user
        )
        return self.ticket_response(ticket, status.HTTP_201_CREATED)


def _ticket_kwargs(data: dict) -> dict:
    data = dict(data)
    data.setdefault("watchers", [])
    return data


@extend_schema(tags=["incidents"])
class IncidentViewSet(RateActionMixin, KindTicketViewSet):
    kind = TicketKind.INCIDENT
    create_serializer = s.IncidentCreateSerializer
    update_serializer = s.IncidentUpdateSerializer

    def open(self, data, by):
        return services.open_incident(by=by, **_ticket_kwargs(data))


@extend_schema(tags=["requests"])
class RequestViewSet(RateActionMixin, KindTicketViewSet):
    kind = TicketKind.REQUEST
    create_serializer = s.RequestCreateSerializer
    update_serializer = s.RequestUpdateSerializer

    def open(self, data, by):
        data = _ticket_kwargs(data)
        data["answers"] = data.pop("request_answers", None)
        problem = data.pop("problem", None)
        ticket = services.open_request(by=by, **data)
        if problem is not None:
            ticket = services.set_problem(ticket=ticket, problem=problem, by=by)
        return ticket


@extend_schema(tags=["problems"])
class ProblemViewSet(KindTicketViewSet):
    kind = TicketKind.PROBLEM
    create_serializer = s.ProblemCreateSerializer
    update_serializer = s.ProblemUpdateSerializer
    end_users_may_create = False

    def open(self, data, by):
        return services.open_problem(by=by, **_ticket_kwargs(data))


@extend_schema(tags=["attachments"])
class AttachmentViewSet(
    mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """Attachments by id: metadata, download, removal. Listing is per ticket."""

    serializer_class = s.AttachmentSerializer
    permission_classes = BASE_PERMISSIONS
    queryset = Attachment.objects.none()
    filter_backends = []

    def get_queryset(self):
        return selectors.visible_attachments(self.request.user)

    def perform_destroy(self, instance):
        services.remove_attachment(attachment=instance, by=self.request.user)

    @extend_schema(
        responses={(200, "application/octet-stream"): bytes},
        parameters=[OpenApiParameter("inline", bool, description="Show instead of download")],
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        attachment = self.get_object()
        try:
            handle = attachment.file.open("rb")
        except FileNotFoundError:
            raise Http404("The file is missing from storage.") from None
        response = FileResponse(
            handle,
            as_attachment=request.query_params.get("inline") not in ("1", "true"),
            filename=attachment.filename,
            content_type=attachment.content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response
