from django import forms

from cmdb.choices import CIStatus, Criticality, Environment, RelationshipType
from cmdb.importing import FORMATS
from cmdb.models import CIClass, Location
from itops.errors import DomainError
from itops.models import Team


class BootstrapFormMixin:
    """Gives every widget the Bootstrap class that templates/itops/inc/form_fields.html expects."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def add_domain_error(self, error: DomainError) -> None:
        """Show a service's error on the field it names (attributes.x on `attributes`)."""
        field = (error.field or "").split(".", 1)[0]
        self.add_error(field if field in self.fields else None, error.message)


class CIForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(max_length=200)
    ci_class = forms.ModelChoiceField(queryset=CIClass.objects.all(), label="Class")
    environment = forms.ChoiceField(choices=Environment.choices, initial=Environment.PRODUCTION)
    status = forms.ChoiceField(choices=CIStatus.choices, initial=CIStatus.OPERATIONAL)
    criticality = forms.TypedChoiceField(
        choices=Criticality.choices, coerce=int, initial=Criticality.MEDIUM
    )
    owner_team = forms.ModelChoiceField(queryset=Team.objects.all(), required=False)
    location = forms.ModelChoiceField(queryset=Location.objects.all(), required=False)
    monitoring_address = forms.CharField(
        max_length=255,
        required=False,
        help_text="host, host:port or URL that monitoring checks, e.g. web-01:9100.",
    )
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    attributes = forms.JSONField(
        required=False,
        initial=dict,
        widget=forms.Textarea(attrs={"rows": 6, "class": "font-monospace"}),
        help_text="A JSON object, checked against the class's schema.",
    )

    def clean_attributes(self):
        value = self.cleaned_data.get("attributes")
        if value in (None, ""):
            return {}
        if not isinstance(value, dict):
            raise forms.ValidationError('Attributes are a JSON object, e.g. {"cpu_cores": 8}.')
        return value


RELATION_CHOICES = [
    *[(f"{value}:out", label) for value, label in RelationshipType.choices],
    ("runs_on:in", "hosts (the other runs on this)"),
    ("depends_on:in", "is needed by (the other depends on this)"),
    ("connects_to:in", "is connected from"),
    ("part_of:in", "contains (the other is part of this)"),
]


class RelationshipForm(BootstrapFormMixin, forms.Form):
    """`<this CI> <relation> <other CI>`; relations ending in :in point from the other CI."""

    relation = forms.ChoiceField(choices=RELATION_CHOICES)
    other = forms.CharField(
        max_length=200, label="Other CI", widget=forms.TextInput(attrs={"list": "ci-names"})
    )

    def split(self) -> tuple[str, bool]:
        """(relationship type, whether this CI is the source)."""
        type, _, direction = self.cleaned_data["relation"].partition(":")
        return type, direction == "out"


class ImportForm(BootstrapFormMixin, forms.Form):
    file = forms.FileField(help_text="A .csv or .json file; see the format below.")
    format = forms.ChoiceField(
        choices=[("", "From the file name"), *[(f, f.upper()) for f in FORMATS]], required=False
    )
    skip_invalid = forms.BooleanField(
        required=False,
        label="Skip invalid rows (import the good rows and list the skipped ones)",
    )
