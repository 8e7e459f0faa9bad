"""Catalog item forms: the definition format, its check, answer validation and the Django form.

A definition is a JSON list with one object per question, asked in `order`:

    {"name": "model", "type": "choice", "label": "Model", "required": true,
     "help_text": "Pick one", "default": "14", "order": 10,
     "choices": ["13", {"value": "14", "label": "14 inch"}], "multiple": false}

Keys of every type: `name` (required; a lowercase identifier, unique in the form), `type`
(required), `label` (default: the name in words), `required` (default false), `help_text`,
`default` (not for user and CI questions) and `order` (default: ten times the position).
Keys of one type:

| type     | keys                                                    | answer stored as            |
|----------|---------------------------------------------------------|-----------------------------|
| text     | max_length (1-1000, default 200)                        | str                         |
| textarea | max_length (1-100000, default 4000)                     | str                         |
| choice   | choices (1-200 strings or {value, label}), multiple     | the value (a list if multiple) |
| number   | min, max, integer (default false)                       | int or float                |
| date     |                                                         | "YYYY-MM-DD"                |
| user     |                                                         | {"id", "name"} of an active user |
| ci       | ci_classes (CI class slugs; empty: every class)         | {"id", "name"} of a CI that is not retired |
| checkbox | (required means it must be ticked)                      | bool                        |

An optional question left unanswered is stored as None (false for a checkbox); a question left
out of a JSON answer gets its default. `normalise_definition` checks a definition and returns it
with every key filled in (what the admin and the API store); `validate_answers` checks answers
sent as JSON; `build_catalog_form` returns a Django form whose validation ends in
`validate_answers`, so the portal and the API accept exactly the same answers.
"""

from __future__ import annotations

import math
import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from django import forms

from itops.forms import StyledFormMixin
from servicedesk.choices import CatalogFieldType

FieldType = CatalogFieldType

MAX_FIELDS = 60
MAX_CHOICES = 200
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,49}$")
TEXT_LIMITS = {FieldType.TEXT: (1000, 200), FieldType.TEXTAREA: (100_000, 4000)}
COMMON_KEYS = frozenset({"name", "type", "label", "required", "help_text", "default", "order"})
TYPE_KEYS = {
    FieldType.TEXT: frozenset({"max_length"}),
    FieldType.TEXTAREA: frozenset({"max_length"}),
    FieldType.CHOICE: frozenset({"choices", "multiple"}),
    FieldType.NUMBER: frozenset({"min", "max", "integer"}),
    FieldType.DATE: frozenset(),
    FieldType.USER: frozenset(),
    FieldType.CI: frozenset({"ci_classes"}),
    FieldType.CHECKBOX: frozenset(),
}
_TRUE = frozenset({"true", "on", "1", "yes"})
_FALSE = frozenset({"false", "off", "0", "no", ""})


FORM_DEFINITION_HELP = (
    "A JSON list of questions, asked in order. Each has a name (lowercase, e.g. "
    '"needed_by") and a type: text, textarea, choice, number, date, user, ci or checkbox; '
    "optionally label, required, help_text, default and order. Per type: text/textarea "
    "max_length; choice choices (texts or {value, label}) and multiple; number min, max and "
    'integer; ci ci_classes (CI class slugs). Example: [{"name": "model", "type": "choice", '
    '"required": true, "choices": ["14 inch", "16 inch"]}]'
)


class FormDefinitionError(Exception):
    """A definition that cannot be used; `messages` name the question each problem is in."""

    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


class AnswerError(Exception):
    pass


class AnswerCheck(NamedTuple):
    """What `validate_answers` found: the answers to store, and the problems by question."""

    answers: dict[str, Any]
    errors: dict[str, list[str]]

    @property
    def is_valid(self) -> bool:
        return not self.errors


# --- the definition ---------------------------------------------------------------------------


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check_type_keys(spec: dict, raw: dict, problems: list[str]) -> None:
    kind = spec["type"]
    if kind in TEXT_LIMITS:
        ceiling, default = TEXT_LIMITS[kind]
        max_length = raw.get("max_length", default)
        if not isinstance(max_length, int) or isinstance(max_length, bool):
            problems.append("max_length must be a whole number")
        elif not 1 <= max_length <= ceiling:
            problems.append(f"max_length must be between 1 and {ceiling}")
        spec["max_length"] = max_length
    elif kind == FieldType.CHOICE:
        spec["multiple"] = raw.get("multiple", False)
        if not isinstance(spec["multiple"], bool):
            problems.append("multiple must be true or false")
        spec["choices"] = _normalise_choices(raw.get("choices"), problems)
    elif kind == FieldType.NUMBER:
        spec["integer"] = raw.get("integer", False)
        if not isinstance(spec["integer"], bool):
            problems.append("integer must be true or false")
        for bound in ("min", "max"):
            value = raw.get(bound)
            if value is not None and not _is_number(value):
                problems.append(f"{bound} must be a number")
                value = None
            spec[bound] = value
        if spec["min"] is not None and spec["max"] is not None and spec["min"] > spec["max"]:
            problems.append("min must not be greater than max")
    elif kind == FieldType.CI:
        classes = raw.get("ci_classes", [])
        if not isinstance(classes, list) or not all(isinstance(c, str) for c in classes):
            problems.append("ci_classes must be a list of CI class slugs")
            classes = []
        spec["ci_classes"] = sorted(set(classes))


def _normalise_choices(raw, problems: list[str]) -> list[dict[str, str]]:
    if not isinstance(raw, list) or not raw:
        problems.append("a choice question needs a non-empty list of choices")
        return []
    if len(raw) > MAX_CHOICES:
        problems.append(f"at most {MAX_CHOICES} choices")
    choices, seen = [], set()
    for position, option in enumerate(raw, start=1):
        if isinstance(option, str):
            value, label = option, option
        elif isinstance(option, dict) and isinstance(option.get("value"), str):
            value = option["value"]
            label = option.get("label", value)
            if not isinstance(label, str) or set(option) - {"value", "label"}:
                problems.append(f"choice {position} may only have a text value and label")
                continue
        else:
            problems.append(f"choice {position} must be text or an object with a value")
            continue
        value, label = value.strip(), label.strip() or value.strip()
        if not value:
            problems.append(f"choice {position} has an empty value")
        elif value in seen:
            problems.append(f"choice {value!r} appears twice")
        seen.add(value)
        choices.append({"value": value, "label": label})
    return choices


def _check_default(spec: dict, raw: dict, known_ci_classes, problems: list[str]) -> None:
    spec["default"] = raw.get("default")
    if spec["default"] is None:
        return
    if spec["type"] in (FieldType.USER, FieldType.CI):
        problems.append("user and CI questions cannot have a default")
        spec["default"] = None
        return
    try:
        spec["default"] = _clean_value(spec, spec["default"])
    except AnswerError as error:
        problems.append(f"the default is not a valid answer: {error}")


def _normalise_field(raw, position: int, known_ci_classes) -> tuple[dict, list[str]]:
    problems: list[str] = []
    if not isinstance(raw, dict):
        return {}, ["must be an object with at least a name and a type"]
    name, kind = raw.get("name"), raw.get("type")
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        problems.append(
            "name must start with a lowercase letter and hold only lowercase letters, digits "
            "and underscores (at most 50)"
        )
    if kind not in FieldType.values:
        problems.append(f"type must be one of {', '.join(FieldType.values)}")
        return {"name": name}, problems
    unknown = sorted(set(raw) - COMMON_KEYS - TYPE_KEYS[kind])
    if unknown:
        problems.append(f"unknown key(s) for a {kind} question: {', '.join(unknown)}")
    label = raw.get("label") or (
        name.replace("_", " ").capitalize() if isinstance(name, str) else ""
    )
    spec: dict[str, Any] = {
        "name": name,
        "type": kind,
        "label": label.strip() if isinstance(label, str) else label,
        "required": raw.get("required", False),
        "help_text": raw.get("help_text", ""),
        "order": raw.get("order", position * 10),
    }
    if not isinstance(spec["label"], str) or len(spec["label"]) > 200:
        problems.append("label must be text of at most 200 characters")
    if not isinstance(spec["help_text"], str) or len(spec["help_text"]) > 1000:
        problems.append("help_text must be text of at most 1000 characters")
    if not isinstance(spec["required"], bool):
        problems.append("required must be true or false")
    if not isinstance(spec["order"], int) or isinstance(spec["order"], bool):
        problems.append("order must be a whole number")
        spec["order"] = position * 10
    _check_type_keys(spec, raw, problems)
    if kind == FieldType.CI and known_ci_classes is not None:
        missing = [slug for slug in spec["ci_classes"] if slug not in known_ci_classes]
        if missing:
            problems.append(f"unknown CI class(es): {', '.join(missing)}")
    if not problems:
        _check_default(spec, raw, known_ci_classes, problems)
    return spec, problems


def _known_ci_classes() -> set[str]:
    from cmdb.models import CIClass

    return set(CIClass.objects.values_list("slug", flat=True))


def normalise_definition(raw, *, check_ci_classes: bool = True) -> list[dict[str, Any]]:
    """The definition with every key filled in and questions sorted by `order`.

    Raises FormDefinitionError whose messages name each question with a problem
    ("Question 2 (model): ..."). CI class slugs are checked against the CMDB unless
    `check_ci_classes` is off.
    """
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise FormDefinitionError(["The form definition must be a list of questions."])
    if len(raw) > MAX_FIELDS:
        raise FormDefinitionError([f"A form may have at most {MAX_FIELDS} questions."])
    needs_classes = check_ci_classes and any(
        isinstance(field, dict) and field.get("type") == FieldType.CI for field in raw
    )
    known = _known_ci_classes() if needs_classes else None
    specs, messages, names = [], [], set()
    for position, field in enumerate(raw, start=1):
        spec, problems = _normalise_field(field, position, known)
        name = spec.get("name")
        if isinstance(name, str) and name in names:
            problems.append("another question has the same name")
        names.add(name)
        title = f"Question {position}" + (f" ({name})" if isinstance(name, str) and name else "")
        messages.extend(f"{title}: {problem}." for problem in problems)
        specs.append(spec)
    if messages:
        raise FormDefinitionError(messages)
    return sorted(specs, key=lambda spec: spec["order"])


def item_definition(item) -> list[dict[str, Any]]:
    """The item's stored definition, checked (FormDefinitionError if an admin broke it)."""
    return normalise_definition(item.form_definition, check_ci_classes=False)


# --- answers ----------------------------------------------------------------------------------


def _is_empty(value) -> bool:
    return value is None or value == "" or value == []


def _ref_id(value) -> int:
    if isinstance(value, dict):
        value = value.get("id")
    if isinstance(value, bool):
        raise AnswerError("Expected an id.")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    if hasattr(value, "pk"):
        return value.pk
    raise AnswerError("Expected an id.")


def ci_choices(spec: dict):
    """The CIs a CI question offers: not retired, of the allowed classes. End users may pick
    them although the CMDB pages are staff-only: the admin chose to offer these classes."""
    from cmdb.choices import CIStatus
    from cmdb.models import ConfigurationItem

    cis = ConfigurationItem.objects.exclude(status=CIStatus.RETIRED).select_related("ci_class")
    if spec.get("ci_classes"):
        cis = cis.filter(ci_class__slug__in=spec["ci_classes"])
    return cis.order_by("name")


def user_choices():
    from itops.models import User

    return User.objects.filter(is_active=True).order_by("first_name", "last_name", "username")


def _clean_text(spec, value):
    if not isinstance(value, str):
        raise AnswerError("Expected text.")
    text = value.strip()
    if len(text) > spec["max_length"]:
        raise AnswerError(f"At most {spec['max_length']} characters.")
    return text


def _clean_choice(spec, value):
    allowed = [choice["value"] for choice in spec["choices"]]
    if not spec["multiple"]:
        if not isinstance(value, str) or value not in allowed:
            raise AnswerError(f"{value!r} is not one of the choices: {', '.join(allowed)}.")
        return value
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise AnswerError("Expected a list of choices.")
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise AnswerError(f"Not among the choices: {', '.join(map(repr, unknown))}.")
    return [v for v in allowed if v in values]


def _clean_number(spec, value):
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise AnswerError("Expected a number.")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise AnswerError("Expected a number.") from None
    if not number.is_finite():
        raise AnswerError("Expected a number.")
    integral = number == number.to_integral_value()
    if spec["integer"] and not integral:
        raise AnswerError("Expected a whole number.")
    if spec["min"] is not None and number < Decimal(str(spec["min"])):
        raise AnswerError(f"At least {spec['min']}.")
    if spec["max"] is not None and number > Decimal(str(spec["max"])):
        raise AnswerError(f"At most {spec['max']}.")
    return int(number) if integral else float(number)


def _clean_date(spec, value):
    if isinstance(value, date):
        return value.isoformat()
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        raise AnswerError("Expected a date as YYYY-MM-DD.")
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise AnswerError(f"{value} is not a real date.") from None


def _clean_checkbox(spec, value):
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise AnswerError("Expected true or false.")


def _clean_user(spec, value):
    pk = _ref_id(value)
    user = user_choices().filter(pk=pk).first()
    if user is None:
        raise AnswerError(f"No active person with id {pk}.")
    return {"id": user.pk, "name": user.get_full_name() or user.username}


def _clean_ci(spec, value):
    pk = _ref_id(value)
    ci = ci_choices(spec).filter(pk=pk).first()
    if ci is None:
        allowed = f" of class {', '.join(spec['ci_classes'])}" if spec.get("ci_classes") else ""
        raise AnswerError(f"No configuration item with id {pk}{allowed}.")
    return {"id": ci.pk, "name": ci.name}


_CLEANERS = {
    FieldType.TEXT: _clean_text,
    FieldType.TEXTAREA: _clean_text,
    FieldType.CHOICE: _clean_choice,
    FieldType.NUMBER: _clean_number,
    FieldType.DATE: _clean_date,
    FieldType.USER: _clean_user,
    FieldType.CI: _clean_ci,
    FieldType.CHECKBOX: _clean_checkbox,
}


def _clean_value(spec: dict, value):
    return _CLEANERS[spec["type"]](spec, value)


def _answer(spec: dict, present: bool, value) -> Any:
    if not present:
        value = spec.get("default")
    if spec["type"] == FieldType.CHECKBOX:
        ticked = False if _is_empty(value) else _clean_value(spec, value)
        if spec["required"] and not ticked:
            raise AnswerError("This box must be ticked.")
        return ticked
    if isinstance(value, str) and not value.strip():
        value = None
    if _is_empty(value):
        if spec["required"]:
            raise AnswerError("This question is required.")
        return None
    return _clean_value(spec, value)


def check_answers(definition: list[dict], answers) -> AnswerCheck:
    """`validate_answers` against an already normalised definition."""
    if not isinstance(answers, dict):
        return AnswerCheck({}, {"answers": ["Expected an object of question names to answers."]})
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for spec in definition:
        name = spec["name"]
        try:
            cleaned[name] = _answer(spec, name in answers, answers.get(name))
        except AnswerError as error:
            errors[name] = [str(error)]
    for name in sorted(set(answers) - {spec["name"] for spec in definition}):
        errors[str(name)] = ["This form has no such question."]
    return AnswerCheck(cleaned, errors)


def validate_answers(item, answers) -> AnswerCheck:
    """Check JSON answers to `item`'s form: `(answers, errors)` where `answers` is what to store
    and `errors` maps each bad question's name (or an unknown name) to its messages.

    Raises FormDefinitionError when the item's stored definition itself is broken."""
    return check_answers(item_definition(item), answers)


# --- showing answers --------------------------------------------------------------------------


def _display(spec: dict | None, value) -> str:
    if value is None or value == []:
        return ""
    kind = spec["type"] if spec else None
    if kind == FieldType.CHECKBOX or isinstance(value, bool):
        return "Yes" if value else "No"
    if kind == FieldType.CHOICE:
        labels = {choice["value"]: choice["label"] for choice in spec["choices"]}
        values = value if isinstance(value, list) else [value]
        return ", ".join(labels.get(v, str(v)) for v in values)
    if isinstance(value, dict):
        return str(value.get("name") or value.get("id") or "")
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


def answer_rows(item, answers: dict | None) -> list[dict[str, Any]]:
    """The answers of a request as rows to show: name, label, type, value, display (text).

    Follows the item's current form; answers to questions removed since are listed last under
    their name. Works on a broken definition too (then every answer is listed by name)."""
    answers = answers if isinstance(answers, dict) else {}
    try:
        definition = item_definition(item) if item is not None else []
    except FormDefinitionError:
        definition = []
    rows = []
    for spec in definition:
        if spec["name"] in answers:
            value = answers[spec["name"]]
            rows.append(
                {
                    "name": spec["name"],
                    "label": spec["label"],
                    "type": spec["type"],
                    "value": value,
                    "display": _display(spec, value),
                }
            )
    known = {spec["name"] for spec in definition}
    for name, value in answers.items():
        if name not in known:
            rows.append(
                {
                    "name": name,
                    "label": name,
                    "type": "",
                    "value": value,
                    "display": _display(None, value),
                }
            )
    return rows


# --- the Django form --------------------------------------------------------------------------


class RefChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return getattr(obj, "get_full_name", lambda: "")() or str(obj)


def _form_field(spec: dict) -> forms.Field:
    common = {
        "label": spec["label"],
        "help_text": spec["help_text"],
        "required": spec["required"],
        "initial": spec.get("default"),
    }
    kind = spec["type"]
    if kind in TEXT_LIMITS:
        widget = forms.Textarea(attrs={"rows": 4}) if kind == FieldType.TEXTAREA else None
        return forms.CharField(max_length=spec["max_length"], widget=widget, **common)
    if kind == FieldType.CHOICE:
        options = [(choice["value"], choice["label"]) for choice in spec["choices"]]
        if spec["multiple"]:
            return forms.MultipleChoiceField(
                choices=options, widget=forms.CheckboxSelectMultiple, **common
            )
        return forms.ChoiceField(choices=[("", "---------"), *options], **common)
    if kind == FieldType.NUMBER:
        bounds = {"min_value": spec["min"], "max_value": spec["max"]}
        if spec["integer"]:
            return forms.IntegerField(**bounds, **common)
        field = forms.DecimalField(**bounds, **common)
        field.widget.attrs["step"] = "any"
        return field
    if kind == FieldType.DATE:
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if kind == FieldType.USER:
        field = RefChoiceField(queryset=user_choices(), **common)
        field.widget.attrs["data-catalog-lookup"] = "user"
        return field
    if kind == FieldType.CI:
        field = RefChoiceField(queryset=ci_choices(spec), **common)
        field.widget.attrs["data-catalog-lookup"] = "ci"
        return field
    return forms.BooleanField(**common)


def _as_json(value):
    if hasattr(value, "pk"):
        return value.pk
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


class CatalogForm(StyledFormMixin, forms.Form):
    """The form of one catalog item (build it with `build_catalog_form`). After `is_valid()`,
    `answers` holds what to store (the shape `validate_answers` returns) for
    `order_catalog_item(answers=...)`."""

    definition: list[dict[str, Any]] = []

    def __init__(self, *args, item, user, **kwargs):
        self.item = item
        self.user = user
        self.answers: dict[str, Any] = {}
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        submitted = {
            spec["name"]: _as_json(cleaned.get(spec["name"]))
            for spec in self.definition
            if spec["name"] in cleaned
        }
        # Questions a browser leaves out of the POST (unticked boxes) are empty, not defaulted.
        check = check_answers([spec | {"default": None} for spec in self.definition], submitted)
        for name, messages in check.errors.items():
            if name in self.fields and name not in self.errors:
                for message in messages:
                    self.add_error(name, message)
        self.answers = check.answers
        return cleaned


def build_catalog_form(item, *, user, data=None, initial=None, prefix=None) -> CatalogForm:
    """A Django form (Bootstrap-styled) asking `item`'s questions in order; bound when `data`
    is given. Raises FormDefinitionError when the item's stored definition is broken."""
    definition = item_definition(item)
    fields = {spec["name"]: _form_field(spec) for spec in definition}
    form_class = type("CatalogItemForm", (CatalogForm,), fields)
    # Set after the class is made: a question may be called "definition" too.
    form_class.definition = definition
    return form_class(data=data, initial=initial, prefix=prefix, item=item, user=user)
