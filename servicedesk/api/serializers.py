from collections.abc import Mapping

from django.urls import reverse
from rest_framework import serializers

from cmdb.models import ConfigurationItem
from itops.models import Team, User
from servicedesk import selectors
from servicedesk.choices import (
    Impact,
    LinkType,
    OnHoldReason,
    ResolutionCode,
    TicketKind,
    TicketSource,
    Urgency,
)
from servicedesk.models import (
    Attachment,
    CatalogItem,
    Category,
    Comment,
    SatisfactionRating,
    Ticket,
    TicketLink,
)
from servicedesk.models.satisfaction import RATING_MAX, RATING_MIN
from servicedesk.rendering import render_markdown
from servicedesk.services.workflow import reopen_deadline

# --- compact references to related objects -----------------------------------------------------


class UserRefSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name", read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "name"]
        read_only_fields = fields


class NamedRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class CategoryRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "name"]
        read_only_fields = fields


class TicketRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Ticket
        fields = ["id", "number", "kind", "short_description", "state"]
        read_only_fields = fields


class SatisfactionSerializer(serializers.ModelSerializer):
    """The caller's rating of the resolution (CSAT)."""

    rated_by = UserRefSerializer(read_only=True)

    class Meta:
        model = SatisfactionRating
        fields = ["rating", "comment", "rated_by", "created_at"]
        read_only_fields = fields


# --- tickets out ----------------------------------------------------------------------------


class TicketSerializer(serializers.ModelSerializer):
    """A ticket in lists: every field but the rendered description and the watch list."""

    caller = UserRefSerializer(read_only=True)
    opened_by = UserRefSerializer(read_only=True)
    assignee = UserRefSerializer(read_only=True)
    assignment_group = NamedRefSerializer(read_only=True)
    configuration_item = NamedRefSerializer(read_only=True)
    business_service = NamedRefSerializer(read_only=True)
    category = CategoryRefSerializer(read_only=True)
    subcategory = CategoryRefSerializer(read_only=True)
    parent = TicketRefSerializer(read_only=True)
    problem = TicketRefSerializer(read_only=True)
    catalog_item = NamedRefSerializer(read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    priority_label = serializers.CharField(source="get_priority_display", read_only=True)

    class Meta:
        model = Ticket
        fields = [
            "id",
            "number",
            "kind",
            "state",
            "state_label",
            "priority",
            "priority_label",
            "impact",
            "urgency",
            "short_description",
            "description",
            "caller",
            "opened_by",
            "source",
            "configuration_item",
            "business_service",
            "category",
            "subcategory",
            "assignment_group",
            "assignee",
            "on_hold_reason",
            "resolution_code",
            "resolution_notes",
            "opened_at",
            "updated_at",
            "resolved_at",
            "closed_at",
            "is_major_incident",
            "parent",
            "problem",
            "root_cause",
            "workaround",
            "is_known_error",
            "catalog_item",
            "request_answers",
        ]
        read_only_fields = fields


class TicketDetailSerializer(TicketSerializer):
    description_html = serializers.SerializerMethodField()
    watchers = UserRefSerializer(many=True, read_only=True)
    allowed_states = serializers.ListField(child=serializers.CharField(), read_only=True)
    actions = serializers.SerializerMethodField()
    reopen_until = serializers.SerializerMethodField()
    satisfaction = SatisfactionSerializer(
        read_only=True, allow_null=True, help_text="The caller's rating once they gave one."
    )

    class Meta(TicketSerializer.Meta):
        fields = [
            *TicketSerializer.Meta.fields,
            "description_html",
            "watchers",
            "allowed_states",
            "actions",
            "reopen_until",
            "satisfaction",
        ]
        read_only_fields = fields

    def get_description_html(self, ticket) -> str:
        return render_markdown(ticket.description)

    def get_actions(self, ticket) -> list[str]:
        return selectors.available_actions(ticket=ticket, user=self.context["request"].user)

    def get_reopen_until(self, ticket) -> str | None:
        deadline = reopen_deadline(ticket)
        return None if deadline is None else serializers.DateTimeField().to_representation(deadline)


# --- tickets in -----------------------------------------------------------------------------

# Fields a PATCH may not touch, and where to go instead.
_ACTION_FIELDS = {
    "state": "Change the state with the start, hold, resolve, reopen, close or cancel action.",
    "assignment_group": "Use the assign action.",
    "assignee": "Use the assign action.",
    "watchers": "Use the watchers endpoint.",
    "priority": "Priority follows impact and urgency through the priority matrix.",
    "number": "Ticket numbers are given by the platform.",
}


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know (400 naming them) instead of silently ignoring them."""

    def to_internal_value(self, data):
        if not isinstance(data, Mapping):
            raise serializers.ValidationError(
                {"non_field_errors": ["Expected a JSON object of fields."]}
            )
        unknown = sorted(set(data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError(
                {name: [_ACTION_FIELDS.get(name, "Unknown field.")] for name in unknown}
            )
        return super().to_internal_value(data)


def _optional_ref(queryset, **kwargs):
    return serializers.PrimaryKeyRelatedField(
        queryset=queryset, required=False, allow_null=True, **kwargs
    )


class TicketWriteSerializer(StrictSerializer):
    """Base of the create and update payloads. End users may send only `end_user_fields`."""

    end_user_fields: frozenset[str] = frozenset()

    short_description = serializers.CharField(
        max_length=Ticket._meta.get_field("short_description").max_length
    )
    description = serializers.CharField(required=False, allow_blank=True, max_length=100_000)
    impact = serializers.ChoiceField(choices=Impact.choices, required=False)
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False)
    category = _optional_ref(Category.objects.filter(is_active=True, parent__isnull=True))
    subcategory = _optional_ref(Category.objects.filter(is_active=True, parent__isnull=False))
    configuration_item = _optional_ref(ConfigurationItem.objects.all())
    business_service = _optional_ref(ConfigurationItem.objects.all())
    caller = _optional_ref(User.objects.filter(is_active=True))
    source = serializers.ChoiceField(choices=TicketSource.choices, required=False)

    def to_internal_value(self, data):
        if isinstance(data, Mapping) and not self.context.get("staff"):
            reserved = sorted(set(data) - self.end_user_fields)
            if reserved:
                raise serializers.ValidationError(
                    {name: ["Only service desk staff may set this."] for name in reserved}
                )
        return super().to_internal_value(data)


class TicketCreateSerializer(TicketWriteSerializer):
    assignment_group = _optional_ref(Team.objects.all())
    assignee = _optional_ref(User.objects.filter(is_active=True))
    watchers = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), many=True, required=False
    )


class IncidentFieldsMixin(serializers.Serializer):
    is_major_incident = serializers.BooleanField(required=False)
    parent = _optional_ref(Ticket.objects.filter(kind=TicketKind.INCIDENT))
    problem = _optional_ref(Ticket.objects.filter(kind=TicketKind.PROBLEM))


class RequestFieldsMixin(serializers.Serializer):
    request_answers = serializers.DictField(required=False)
    problem = _optional_ref(Ticket.objects.filter(kind=TicketKind.PROBLEM))


class ProblemFieldsMixin(serializers.Serializer):
    root_cause = serializers.CharField(required=False, allow_blank=True, max_length=100_000)
    workaround = serializers.CharField(required=False, allow_blank=True, max_length=100_000)
    is_known_error = serializers.BooleanField(required=False)


_END_USER_CREATE = frozenset(
    {
        "short_description",
        "description",
        "urgency",
        "category",
        "subcategory",
        "configuration_item",
        "business_service",
        "watchers",
    }
)


class IncidentCreateSerializer(IncidentFieldsMixin, TicketCreateSerializer):
    end_user_fields = _END_USER_CREATE


class RequestCreateSerializer(RequestFieldsMixin, TicketCreateSerializer):
    end_user_fields = _END_USER_CREATE | {"catalog_item", "request_answers"}
    catalog_item = _optional_ref(CatalogItem.objects.filter(is_active=True))


class ProblemCreateSerializer(ProblemFieldsMixin, TicketCreateSerializer):
    caller = None
    incidents = serializers.PrimaryKeyRelatedField(
        queryset=Ticket.objects.filter(kind=TicketKind.INCIDENT), many=True, required=False
    )


_END_USER_UPDATE = frozenset({"short_description", "description"})


class IncidentUpdateSerializer(IncidentFieldsMixin, TicketWriteSerializer):
    end_user_fields = _END_USER_UPDATE


class RequestUpdateSerializer(RequestFieldsMixin, TicketWriteSerializer):
    end_user_fields = _END_USER_UPDATE


class ProblemUpdateSerializer(ProblemFieldsMixin, TicketWriteSerializer):
    caller = None


# --- workflow actions -------------------------------------------------------------------------


class AssignSerializer(StrictSerializer):
    assignment_group = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), allow_null=True
    )
    assignee = _optional_ref(User.objects.filter(is_active=True))


class HoldSerializer(StrictSerializer):
    reason = serializers.ChoiceField(choices=OnHoldReason.choices)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=100_000)


class ResolveSerializer(StrictSerializer):
    resolution_code = serializers.ChoiceField(choices=ResolutionCode.choices)
    resolution_notes = serializers.CharField(max_length=100_000)
    root_cause = serializers.CharField(required=False, allow_blank=True, max_length=100_000)


class ReopenSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=100_000)


class RateSerializer(StrictSerializer):
    rating = serializers.IntegerField(min_value=RATING_MIN, max_value=RATING_MAX)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=100_000)


class CancelSerializer(StrictSerializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=100_000)


class EmptySerializer(StrictSerializer):
    pass


class WatcherSerializer(StrictSerializer):
    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True))


# --- comments, attachments, links -------------------------------------------------------------


class CommentSerializer(serializers.ModelSerializer):
    author = UserRefSerializer(read_only=True)
    internal = serializers.BooleanField(source="is_internal", read_only=True)
    body_html = serializers.SerializerMethodField()

    class Meta:
        model = Comment
        fields = [
            "id",
            "ticket",
            "author",
            "internal",
            "visibility",
            "body",
            "body_html",
            "created_at",
        ]
        read_only_fields = fields

    def get_body_html(self, comment) -> str:
        return render_markdown(comment.body)


class CommentCreateSerializer(StrictSerializer):
    body = serializers.CharField(max_length=100_000)
    internal = serializers.BooleanField(required=False, default=False)


class AttachmentSerializer(serializers.ModelSerializer):
    uploaded_by = UserRefSerializer(read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = [
            "id",
            "ticket",
            "comment",
            "filename",
            "content_type",
            "size",
            "sha256",
            "uploaded_by",
            "uploaded_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, attachment) -> str:
        return reverse("servicedesk-api:attachment-download", args=[attachment.pk])


class AttachmentUploadSerializer(StrictSerializer):
    file = serializers.FileField(allow_empty_file=True, use_url=False)
    comment = serializers.IntegerField(required=False, allow_null=True)


class TicketLinkSerializer(serializers.ModelSerializer):
    model = serializers.SerializerMethodField()
    target = serializers.SerializerMethodField()
    created_by = UserRefSerializer(read_only=True)

    class Meta:
        model = TicketLink
        fields = [
            "id",
            "ticket",
            "link_type",
            "model",
            "object_id",
            "target",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields

    def get_model(self, link) -> str:
        return f"{link.content_type.app_label}.{link.content_type.model}"

    def get_target(self, link) -> str | None:
        target = link.target
        return None if target is None else str(target)


class TicketLinkCreateSerializer(StrictSerializer):
    model = serializers.CharField(help_text="app_label.model, e.g. changes.changerequest")
    object_id = serializers.IntegerField(min_value=1)
    link_type = serializers.ChoiceField(choices=LinkType.choices, default=LinkType.RELATED)


class TimelineEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    kind = serializers.CharField()
    title = serializers.CharField()
    actor = serializers.CharField(allow_null=True)
    body_html = serializers.CharField()
    internal = serializers.BooleanField()
    data = serializers.DictField()
