"""Forms of the self-service portal. They check shapes; the services check the rules."""

from django import forms
from django.conf import settings
from django.db.models import Q
from django.template.defaultfilters import filesizeformat

from itops.forms import StyledFormMixin
from itops.models import User
from servicedesk.choices import Urgency
from servicedesk.models import Ticket
from servicedesk.models.satisfaction import RATING_MAX, RATING_MIN
from servicedesk.portal.services import MAX_FILES_PER_UPLOAD

SHORT_DESCRIPTION_MAX = Ticket._meta.get_field("short_description").max_length
TEXT_MAX = 100_000

# Urgency as the person reporting feels it, in their words.
URGENCY_CHOICES = [
    (Urgency.LOW, "It's an inconvenience", "I can keep working normally for now."),
    (Urgency.MEDIUM, "It slows me down", "I can work around it, but not for long."),
    (Urgency.HIGH, "I can't work", "It stops me, or something urgent, right now."),
]

RATING_LABELS = {
    1: "Very dissatisfied",
    2: "Dissatisfied",
    3: "Neutral",
    4: "Satisfied",
    5: "Very satisfied",
}


def attachment_help() -> str:
    limit = filesizeformat(settings.ITOPS_ATTACHMENT_MAX_BYTES)
    kinds = ", ".join(settings.ITOPS_ATTACHMENT_TYPES)
    return f"Up to {MAX_FILES_PER_UPLOAD} files, each at most {limit}: {kinds}."


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name; cleans to a list (empty when none was chosen)."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if not files and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return [super(MultipleFileField, self).clean(upload, initial) for upload in files]


class IncidentReportForm(StyledFormMixin, forms.Form):
    short_description = forms.CharField(
        label="What is the problem?",
        max_length=SHORT_DESCRIPTION_MAX,
        help_text="A short summary, e.g. “Outlook keeps asking for my password”.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}),
    )
    description = forms.CharField(
        label="Details",
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="What happened, when it started, any error message. Markdown is supported.",
    )
    affected = forms.TypedChoiceField(
        label="Affected service or application",
        required=False,
        coerce=int,
        empty_value=None,
        help_text="Leave empty if you are not sure.",
    )
    urgency = forms.TypedChoiceField(
        label="How much does it affect your work?",
        coerce=int,
        choices=[(value, label) for value, label, _ in URGENCY_CHOICES],
        initial=Urgency.LOW,
        widget=forms.RadioSelect,
    )
    attachments = MultipleFileField(
        label="Attachments",
        required=False,
    )

    def __init__(self, *args, cis=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.cis = {ci.pk: ci for ci in cis}
        services = [(ci.pk, ci.name) for ci in self.cis.values() if ci.ci_class.is_service]
        apps = [(ci.pk, ci.name) for ci in self.cis.values() if not ci.ci_class.is_service]
        choices = [("", "Not sure / none")]
        if services:
            choices.append(("Services", services))
        if apps:
            choices.append(("Applications", apps))
        self.fields["affected"].choices = choices
        self.fields["attachments"].help_text = attachment_help()
        self.urgency_options = URGENCY_CHOICES

    def service_fields(self) -> dict:
        """The incident's business service or CI, from the one pick-list."""
        ci = self.cis.get(self.cleaned_data.get("affected"))
        if ci is None:
            return {}
        if ci.ci_class.is_service:
            return {"business_service": ci}
        return {"configuration_item": ci}


class CommentForm(StyledFormMixin, forms.Form):
    body = forms.CharField(
        label="Add a comment",
        max_length=TEXT_MAX,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": "Write a reply to the service desk…"}
        ),
    )


class AttachmentForm(StyledFormMixin, forms.Form):
    files = MultipleFileField(label="Add files", required=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["files"].help_text = attachment_help()


class ReopenForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(
        label="What is still wrong?",
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RatingForm(StyledFormMixin, forms.Form):
    rating = forms.TypedChoiceField(
        label="How satisfied are you with the resolution?",
        coerce=int,
        choices=[(value, RATING_LABELS[value]) for value in range(RATING_MIN, RATING_MAX + 1)],
        widget=forms.RadioSelect,
        error_messages={"required": "Pick a rating from 1 to 5."},
    )
    comment = forms.CharField(
        label="Anything to add? (optional)",
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class OrderForm(StyledFormMixin, forms.Form):
    """The parts of an order every item shares; the item's own questions are a second form."""

    requested_for = forms.ModelChoiceField(label="Requested for", queryset=None, empty_label=None)
    description = forms.CharField(
        label="Anything else the service desk should know? (optional)",
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, people, user, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["requested_for"]
        field.queryset = people
        field.initial = user.pk
        field.label_from_instance = lambda person: (
            f"Myself ({person.display_name})" if person.pk == user.pk else person.display_name
        )


class ShareForm(StyledFormMixin, forms.Form):
    """Share a ticket with a colleague, named by username or email (no directory is shown)."""

    person = forms.CharField(
        label="Share with a colleague",
        max_length=254,
        widget=forms.TextInput(attrs={"placeholder": "Username or email", "autocomplete": "off"}),
        help_text="They can follow and comment on this ticket.",
    )

    def clean_person(self):
        text = self.cleaned_data["person"].strip()
        person = User.objects.filter(
            Q(username__iexact=text) | Q(email__iexact=text), is_active=True
        ).first()
        if person is None:
            raise forms.ValidationError(f"Nobody active is called “{text}”.")
        return person


class ApprovalDecisionForm(StyledFormMixin, forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    comment = forms.CharField(required=False, max_length=TEXT_MAX, widget=forms.Textarea)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "reject" and not (cleaned.get("comment") or "").strip():
            self.add_error("comment", "Say why you reject it: the requester will read this.")
        return cleaned
