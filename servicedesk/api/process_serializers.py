"""Serializers of the service catalog process and problem management API."""

from rest_framework import serializers

from itops.models import Team, User
from servicedesk.catalog_forms import answer_rows
from servicedesk.choices import (
    RESOLUTION_CODES,
    MemberSelection,
    ResolutionCode,
    TicketKind,
)
from servicedesk.models import (
    CatalogItem,
    CatalogTaskTemplate,
    Category,
    FulfilmentTask,
    RequestApproval,
    Ticket,
)
from servicedesk.rendering import render_markdown

from .serializers import (
    NamedRefSerializer,
    ResolveSerializer,
    StrictSerializer,
    TicketRefSerializer,
    TicketSerializer,
    UserRefSerializer,
)

# --- catalog ----------------------------------------------------------------------------------


class CatalogTaskTemplateSerializer(serializers.ModelSerializer):
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all())
    team_name = serializers.CharField(source="team.name", read_only=True)
    member_selection = serializers.ChoiceField(
        choices=MemberSelection.choices, default=MemberSelection.NONE
    )

    class Meta:
        model = CatalogTaskTemplate
        fields = [
            "id",
            "title",
            "description",
            "team",
            "team_name",
            "member_selection",
            "order",
            "wait_for_previous",
        ]
        read_only_fields = ["id", "team_name"]


class CatalogItemSerializer(serializers.ModelSerializer):
    """A catalog item with its form (normalised definition, see servicedesk.catalog_forms) and
    its fulfilment task templates. Admins write `form_definition` and `task_templates` (which
    replaces the item's templates) with the same shape."""

    category = serializers.PrimaryKeyRelatedField(
        queryset=Category.objects.all(), required=False, allow_null=True
    )
    approval_group = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), required=False, allow_null=True
    )
    fulfilment_group = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), required=False, allow_null=True
    )
    form_definition = serializers.JSONField(required=False)
    task_templates = CatalogTaskTemplateSerializer(many=True, required=False)
    description_html = serializers.SerializerMethodField()

    class Meta:
        model = CatalogItem
        fields = [
            "id",
            "name",
            "short_description",
            "description",
            "description_html",
            "category",
            "form_definition",
            "approval",
            "approval_group",
            "group_approval_mode",
            "fulfilment_group",
            "task_templates",
            "is_active",
            "order",
            "updated_at",
        ]
        read_only_fields = ["id", "description_html", "updated_at"]

    def get_description_html(self, item) -> str:
        return render_markdown(item.description)

    def to_representation(self, item):
        from servicedesk.catalog_forms import FormDefinitionError, item_definition

        body = super().to_representation(item)
        try:
            body["form_definition"] = item_definition(item)
        except FormDefinitionError:
            body["form_definition"] = []  # an item with a broken form cannot be ordered
        return body


class OrderSerializer(StrictSerializer):
    answers = serializers.JSONField(
        required=False, default=dict, help_text="Question name -> answer (catalog_forms shapes)."
    )
    on_behalf_of = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True
    )
    short_description = serializers.CharField(required=False, allow_blank=True, max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, max_length=100_000)


class AnswerRowSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    type = serializers.CharField()
    value = serializers.JSONField(allow_null=True)
    display = serializers.CharField()


# --- approvals --------------------------------------------------------------------------------


class ApprovalRequestSummarySerializer(serializers.ModelSerializer):
    """What an approver needs to decide, even one who may not otherwise see the request."""

    caller = UserRefSerializer(read_only=True)
    catalog_item = NamedRefSerializer(read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    answers = serializers.SerializerMethodField()

    class Meta:
        model = Ticket
        fields = [
            "id",
            "number",
            "short_description",
            "description",
            "state",
            "state_label",
            "caller",
            "catalog_item",
            "opened_at",
            "answers",
        ]
        read_only_fields = fields

    def get_answers(self, ticket) -> list[dict]:
        rows = answer_rows(ticket.catalog_item, ticket.request_answers)
        return AnswerRowSerializer(rows, many=True).data


class RequestApprovalSerializer(serializers.ModelSerializer):
    approver = UserRefSerializer(read_only=True)
    group = NamedRefSerializer(read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    request = ApprovalRequestSummarySerializer(read_only=True)

    class Meta:
        model = RequestApproval
        fields = [
            "id",
            "state",
            "state_label",
            "source",
            "approver",
            "group",
            "comment",
            "created_at",
            "decided_at",
            "request",
        ]
        read_only_fields = fields


class DecisionSerializer(StrictSerializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=100_000)


# --- fulfilment tasks -------------------------------------------------------------------------


class FulfilmentTaskSerializer(serializers.ModelSerializer):
    number = serializers.CharField(read_only=True)
    request = TicketRefSerializer(read_only=True)
    team = NamedRefSerializer(read_only=True)
    assignee = UserRefSerializer(read_only=True)
    finished_by = UserRefSerializer(read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)

    class Meta:
        model = FulfilmentTask
        fields = [
            "id",
            "number",
            "title",
            "description",
            "state",
            "state_label",
            "request",
            "team",
            "assignee",
            "order",
            "wait_for_previous",
            "close_notes",
            "created_at",
            "opened_at",
            "started_at",
            "finished_at",
            "finished_by",
        ]
        read_only_fields = fields


class FulfilmentProgressSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    done = serializers.IntegerField()
    cancelled = serializers.IntegerField()
    remaining = serializers.IntegerField()


class TaskCompleteSerializer(StrictSerializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=100_000)


class TaskCancelSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=100_000)


class TaskAssignSerializer(StrictSerializer):
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all())
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True
    )


# --- problems ---------------------------------------------------------------------------------

_INCIDENTS = Ticket.objects.filter(kind=TicketKind.INCIDENT)


class ProblemFromIncidentsSerializer(StrictSerializer):
    incidents = serializers.PrimaryKeyRelatedField(queryset=_INCIDENTS, many=True)
    short_description = serializers.CharField(required=False, allow_blank=True, max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, max_length=100_000)
    assignment_group = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), required=False, allow_null=True
    )


class LinkIncidentsSerializer(StrictSerializer):
    incidents = serializers.PrimaryKeyRelatedField(queryset=_INCIDENTS, many=True)

    def validate_incidents(self, value):
        if not value:
            raise serializers.ValidationError("Pick at least one incident.")
        return value


class UnlinkIncidentSerializer(StrictSerializer):
    incident = serializers.PrimaryKeyRelatedField(queryset=_INCIDENTS)


class KnownErrorMarkSerializer(StrictSerializer):
    workaround = serializers.CharField(required=False, allow_blank=True, max_length=100_000)
    root_cause = serializers.CharField(required=False, allow_blank=True, max_length=100_000)


class ProblemResolveSerializer(ResolveSerializer):
    resolution_code = serializers.ChoiceField(choices=sorted(RESOLUTION_CODES[TicketKind.PROBLEM]))
    resolve_incidents = serializers.BooleanField(required=False, default=False)
    incident_note = serializers.CharField(required=False, allow_blank=True, max_length=100_000)
    incident_resolution_code = serializers.ChoiceField(
        choices=sorted(RESOLUTION_CODES[TicketKind.INCIDENT]),
        required=False,
        default=ResolutionCode.SOLVED_PERMANENTLY,
    )


class RefusedIncidentSerializer(serializers.Serializer):
    incident = TicketRefSerializer()
    reason = serializers.CharField()


class ProblemResolutionSerializer(serializers.Serializer):
    resolved = TicketRefSerializer(many=True)
    refused = RefusedIncidentSerializer(many=True)


class KnownErrorSerializer(TicketSerializer):
    workaround_html = serializers.SerializerMethodField()
    published_at = serializers.DateTimeField(read_only=True)

    class Meta(TicketSerializer.Meta):
        fields = [
            "id",
            "number",
            "state",
            "short_description",
            "configuration_item",
            "category",
            "subcategory",
            "assignment_group",
            "root_cause",
            "workaround",
            "workaround_html",
            "known_error_at",
            "published_at",
        ]
        read_only_fields = fields

    def get_workaround_html(self, problem) -> str:
        return render_markdown(problem.workaround)


class ProblemCandidateSerializer(serializers.Serializer):
    basis = serializers.CharField()
    key = serializers.IntegerField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    suggested_short_description = serializers.CharField()
    first_opened_at = serializers.DateTimeField()
    last_opened_at = serializers.DateTimeField()
    incidents = TicketRefSerializer(many=True)
