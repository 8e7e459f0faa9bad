"""Forms of the agent console. They parse and validate input; the views hand the cleaned data
to the services, whose refusals come back as errors on these forms."""

from django import forms
from django.db.models import Q

from cmdb.models import ConfigurationItem
from itops.errors import DomainError
from itops.forms import StyledFormMixin
from itops.models import Team, User
from itops.roles import STAFF_ROLES, group_name
from servicedesk.choices import (
    RESOLUTION_CODES,
    Impact,
    OnHoldReason,
    Priority,
    ResolutionCode,
    TicketKind,
    TicketSource,
    TicketState,
    Urgency,
)
from servicedesk.models import Category


def active_users():
    return User.objects.filter(is_active=True).order_by("first_name", "last_name", "username")


def staff_users():
    names = [group_name(role) for role in STAFF_ROLES]
    return active_users().filter(Q(groups__name__in=names) | Q(is_superuser=True)).distinct()


def live_cis():
    return ConfigurationItem.objects.exclude(status="retired").select_related("ci_class")


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        name = user.get_full_name()
        return f"{name} ({user.username})" if name else user.username


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, category):
        return str(category)


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Put a service's refusal on the field it names, or on the form."""
    form.add_error(error.field if error.field in form.fields else None, error.message)


class TicketFieldsForm(StyledFormMixin, forms.Form):
    """The descriptive fields of a ticket, shared by the new-incident and the edit form."""

    short_description = forms.CharField(max_length=200)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 5}))
    caller = PersonChoiceField(queryset=active_users(), required=False)
    impact = forms.TypedChoiceField(choices=Impact.choices, coerce=int, initial=Impact.LOW)
    urgency = forms.TypedChoiceField(choices=Urgency.choices, coerce=int, initial=Urgency.LOW)
    category = CategoryChoiceField(
        queryset=Category.objects.filter(parent__isnull=True, is_active=True), required=False
    )
    subcategory = CategoryChoiceField(
        queryset=Category.objects.filter(parent__isnull=False, is_active=True).select_related(
            "parent"
        ),
        required=False,
    )
    configuration_item = forms.ModelChoiceField(
        queryset=live_cis(), required=False, label="Affected CI"
    )
    business_service = forms.ModelChoiceField(
        queryset=live_cis().filter(ci_class__is_service=True), required=False
    )
    assignment_group = forms.ModelChoiceField(queryset=Team.objects.all(), required=False)
    assignee = PersonChoiceField(queryset=staff_users(), required=False)
    is_major_incident = forms.BooleanField(required=False, label="Major incident")

    DESCRIPTIVE = (
        "short_description",
        "description",
        "caller",
        "impact",
        "urgency",
        "category",
        "subcategory",
        "configuration_item",
        "business_service",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField):
                field.empty_label = "—"


class NewIncidentForm(TicketFieldsForm):
    source = forms.ChoiceField(
        choices=[
            (TicketSource.PHONE, TicketSource.PHONE.label),
            (TicketSource.EMAIL, TicketSource.EMAIL.label),
            (TicketSource.DESK, "Walk-in / desk"),
        ],
        initial=TicketSource.PHONE,
        label="Contact type",
    )
    field_order = [
        "caller",
        "source",
        "short_description",
        "description",
        "impact",
        "urgency",
        "category",
        "subcategory",
        "configuration_item",
        "business_service",
        "assignment_group",
        "assignee",
        "is_major_incident",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["caller"].required = True
        self.fields["caller"].help_text = "Who called: the incident is opened on their behalf."
        self.fields["assignment_group"].help_text = "Empty: the assignment rules route it."


class TicketEditForm(TicketFieldsForm):
    """Every field of a ticket that the services let an agent change."""

    source = forms.ChoiceField(choices=TicketSource.choices, label="Contact type")

    def __init__(self, *args, ticket, **kwargs):
        self.ticket = ticket
        if "initial" not in kwargs and not args and "data" not in kwargs:
            kwargs["initial"] = {
                "short_description": ticket.short_description,
                "description": ticket.description,
                "caller": ticket.caller_id,
                "impact": ticket.impact,
                "urgency": ticket.urgency,
                "category": ticket.category_id,
                "subcategory": ticket.subcategory_id,
                "configuration_item": ticket.configuration_item_id,
                "business_service": ticket.business_service_id,
                "assignment_group": ticket.assignment_group_id,
                "assignee": ticket.assignee_id,
                "is_major_incident": ticket.is_major_incident,
                "source": ticket.source,
            }
        super().__init__(*args, **kwargs)
        if ticket.kind != TicketKind.INCIDENT:
            del self.fields["is_major_incident"]
        if ticket.kind == TicketKind.PROBLEM:
            del self.fields["caller"]

    def changes(self) -> dict:
        """The descriptive fields for `update_ticket` (it skips the unchanged ones)."""
        data = self.cleaned_data
        names = [name for name in (*self.DESCRIPTIVE, "source") if name in self.fields]
        if "is_major_incident" in self.fields:
            names.append("is_major_incident")
        return {name: data[name] for name in names}


class CommentForm(StyledFormMixin, forms.Form):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Text")
    internal = forms.TypedChoiceField(
        choices=[("1", "Work note (staff only)"), ("0", "Public comment (caller sees it)")],
        coerce=lambda value: value == "1",
        initial="1",
        widget=forms.RadioSelect,
        label="Visibility",
    )
    file = forms.FileField(required=False, label="Attach a file")


class AttachmentForm(StyledFormMixin, forms.Form):
    file = forms.FileField()


class HoldForm(StyledFormMixin, forms.Form):
    reason = forms.ChoiceField(choices=[("", "Pick a reason"), *OnHoldReason.choices])
    comment = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Comment to the caller"
    )


class ResolveForm(StyledFormMixin, forms.Form):
    resolution_code = forms.ChoiceField(choices=ResolutionCode.choices)
    resolution_notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    root_cause = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Root cause"
    )
    resolve_incidents = forms.BooleanField(
        required=False, label="Also resolve the open incidents linked to this problem"
    )
    incident_note = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Resolution notes for the incidents",
    )

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        codes = RESOLUTION_CODES[kind]
        self.fields["resolution_code"].choices = [
            ("", "Pick a code"),
            *[(value, label) for value, label in ResolutionCode.choices if value in codes],
        ]
        if kind != TicketKind.PROBLEM:
            for name in ("root_cause", "resolve_incidents", "incident_note"):
                del self.fields[name]


class ReasonForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


class CancelForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class TicketNumberForm(StyledFormMixin, forms.Form):
    number = forms.CharField(max_length=20, label="Number")

    def clean_number(self):
        return self.cleaned_data["number"].strip().upper()


class WatcherForm(StyledFormMixin, forms.Form):
    user = PersonChoiceField(queryset=active_users(), empty_label="Pick a person…")


class ProblemAnalysisForm(StyledFormMixin, forms.Form):
    root_cause = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))
    workaround = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))


class TaskAssignForm(StyledFormMixin, forms.Form):
    team = forms.ModelChoiceField(queryset=Team.objects.all(), required=False)
    assignee = PersonChoiceField(queryset=staff_users(), required=False)


class TaskNoteForm(StyledFormMixin, forms.Form):
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class BulkForm(StyledFormMixin, forms.Form):
    ACTIONS = [("assign", "Assign"), ("state", "Change state")]
    tickets = forms.TypedMultipleChoiceField(coerce=int, choices=())
    action = forms.ChoiceField(choices=ACTIONS)
    assignment_group = forms.ModelChoiceField(queryset=Team.objects.all(), required=False)
    assignee = PersonChoiceField(queryset=staff_users(), required=False)
    state = forms.ChoiceField(
        choices=[("", "New state…")]
        + [
            (value, label)
            for value, label in TicketState.choices
            if value not in (TicketState.NEW, TicketState.PENDING_APPROVAL, TicketState.REJECTED)
        ],
        required=False,
    )
    on_hold_reason = forms.ChoiceField(
        choices=[("", "On-hold reason…"), *OnHoldReason.choices], required=False
    )
    resolution_code = forms.ChoiceField(
        choices=[("", "Resolution code…"), *ResolutionCode.choices], required=False
    )
    resolution_notes = forms.CharField(required=False)
    all_or_nothing = forms.BooleanField(
        required=False, label="All or nothing: apply only if every ticket accepts it"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any id parses; the view looks each one up through the visibility selector.
        self.fields["tickets"].choices = [
            (value, value) for value in (self.data.getlist("tickets") if self.data else [])
        ]
        self.fields["tickets"].error_messages["required"] = "Select at least one ticket."
        for name in ("assignment_group", "assignee", "state", "on_hold_reason", "resolution_code"):
            self.fields[name].widget.attrs["aria-label"] = "Bulk " + name.replace("_", " ")
        self.fields["assignment_group"].empty_label = "Group…"
        self.fields["assignee"].empty_label = "Assignee (optional)…"

    def clean(self):
        data = super().clean()
        if data.get("action") == "state" and not data.get("state"):
            self.add_error("state", "Pick the state to move the tickets to.")
        if (
            data.get("action") == "assign"
            and not data.get("assignment_group")
            and not data.get("assignee")
        ):
            self.add_error("assignment_group", "Pick a group (and optionally an assignee).")
        return data


class SavedFilterForm(StyledFormMixin, forms.Form):
    name = forms.CharField(max_length=80)
    query = forms.CharField(max_length=2000, required=False, widget=forms.HiddenInput)
    is_shared = forms.BooleanField(required=False, label="Share with every agent")


class QueueFilterForm(StyledFormMixin, forms.Form):
    """The filter bar of the queue page (only parsed for display: the selector validates)."""

    q = forms.CharField(required=False, label="Search")
    kind = forms.MultipleChoiceField(choices=TicketKind.choices, required=False, label="Type")
    state = forms.MultipleChoiceField(choices=TicketState.choices, required=False)
    priority = forms.MultipleChoiceField(choices=Priority.choices, required=False)
    assignment_group = forms.ModelChoiceField(
        queryset=Team.objects.all(), required=False, empty_label="Any group"
    )
    assignee = PersonChoiceField(queryset=staff_users(), required=False, empty_label="Anyone")
    category = CategoryChoiceField(
        queryset=Category.objects.select_related("parent"), required=False, empty_label="Any"
    )
    ci = forms.ModelChoiceField(
        queryset=live_cis(), required=False, empty_label="Any CI", label="CI"
    )
    service = forms.ModelChoiceField(
        queryset=live_cis().filter(ci_class__is_service=True),
        required=False,
        empty_label="Any service",
    )
    is_major_incident = forms.NullBooleanField(
        required=False,
        label="Major",
        widget=forms.Select(choices=[("", "Any"), ("true", "Major only"), ("false", "Not major")]),
    )
