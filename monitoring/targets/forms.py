from django import forms

from cmdb.models import ConfigurationItem
from monitoring.targets.models import Target
from monitoring.targets.services import EDITABLE_FIELDS


class LabelsField(forms.CharField):
    """Labels as `name=value` lines (the model validates names and values)."""

    widget = forms.Textarea(attrs={"rows": 3, "placeholder": "env=production\nteam=web"})

    def prepare_value(self, value):
        if isinstance(value, dict):
            return "\n".join(f"{name}={text}" for name, text in value.items())
        return value

    def to_python(self, value):
        labels = {}
        for number, line in enumerate((value or "").splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            name, sep, text = line.partition("=")
            if not sep:
                raise forms.ValidationError(f"Line {number}: write name=value.")
            labels[name.strip()] = text.strip()
        return labels


class TargetForm(forms.ModelForm):
    labels = LabelsField(required=False, help_text="Extra labels, one name=value per line.")
    ci = forms.ModelChoiceField(
        queryset=ConfigurationItem.objects.order_by("name"),
        required=False,
        label="Configuration item",
    )

    class Meta:
        model = Target
        fields = list(EDITABLE_FIELDS)
        widgets = {
            "address": forms.TextInput(attrs={"placeholder": "http://host:9100/metrics"}),
            "timeout_seconds": forms.NumberInput(attrs={"step": "0.1"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")

    HTTP_FIELDS = ("http_method", "expected_status", "body_match", "body_match_regex", "tls_verify")

    @property
    def what(self):
        names = [name for name in self.fields if name not in self.HTTP_FIELDS]
        return FieldGroup(self, names, main=True)

    @property
    def http(self):
        return FieldGroup(self, self.HTTP_FIELDS, main=False)


class FieldGroup:
    """Some of a form's fields, for templates that lay a form out in several cards; the
    form-wide errors and hidden fields go with the main group."""

    def __init__(self, form, names, *, main: bool):
        self.form = form
        self.names = names
        self.main = main

    def visible_fields(self):
        return [self.form[name] for name in self.names]

    def non_field_errors(self):
        return self.form.non_field_errors() if self.main else []

    def hidden_fields(self):
        return self.form.hidden_fields() if self.main else []
