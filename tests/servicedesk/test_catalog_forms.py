"""Catalog form definitions (checked when an admin saves them), JSON answers and the Django
form the portal renders."""

import pytest
from django.core.exceptions import ValidationError

from cmdb.choices import CIStatus
from servicedesk.catalog_forms import (
    FormDefinitionError,
    answer_rows,
    build_catalog_form,
    normalise_definition,
    validate_answers,
)
from servicedesk.models import CatalogItem
from tests.factories import make_user
from tests.factories.servicedesk import make_affected_ci, make_catalog_item

pytestmark = pytest.mark.django_db


def _item(*fields):
    return make_catalog_item(form_definition=list(fields))


# --- definitions ------------------------------------------------------------------------------


def test_a_definition_is_filled_in_with_defaults_and_sorted_by_order():
    definition = normalise_definition(
        [
            {"name": "justification", "type": "textarea", "order": 20},
            {
                "name": "model",
                "type": "choice",
                "choices": ["13", {"value": "14", "label": "14 inch"}],
                "order": 5,
            },
        ]
    )

    assert [field["name"] for field in definition] == ["model", "justification"]
    assert definition[0] == {
        "name": "model",
        "type": "choice",
        "label": "Model",
        "required": False,
        "help_text": "",
        "order": 5,
        "multiple": False,
        "choices": [{"value": "13", "label": "13"}, {"value": "14", "label": "14 inch"}],
        "default": None,
    }
    assert definition[1]["max_length"] == 4000


def test_questions_without_an_order_keep_their_place():
    definition = normalise_definition(
        [
            {"name": "b", "type": "text"},
            {"name": "a", "type": "text"},
            {"name": "c", "type": "date"},
        ]
    )

    assert [(field["name"], field["order"]) for field in definition] == [
        ("b", 10),
        ("a", 20),
        ("c", 30),
    ]


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ({"name": "Model", "type": "text"}, "Question 1 (Model): name must start with a lowercase"),
        ({"name": "size", "type": "colour"}, "Question 1 (size): type must be one of"),
        (
            {"name": "size", "type": "text", "requried": True},
            "unknown key(s) for a text question: requried",
        ),
        ({"name": "size", "type": "choice"}, "needs a non-empty list of choices"),
        ({"name": "size", "type": "choice", "choices": ["a", "a"]}, "choice 'a' appears twice"),
        (
            {"name": "size", "type": "choice", "choices": ["a"], "default": "b"},
            "the default is not a valid answer",
        ),
        ({"name": "n", "type": "number", "min": 5, "max": 1}, "min must not be greater than max"),
        ({"name": "n", "type": "number", "min": "one"}, "min must be a number"),
        (
            {"name": "n", "type": "number", "max": 3, "default": 4},
            "the default is not a valid answer: At most 3.",
        ),
        (
            {"name": "t", "type": "text", "max_length": 5000},
            "max_length must be between 1 and 1000",
        ),
        (
            {"name": "who", "type": "user", "default": 1},
            "user and CI questions cannot have a default",
        ),
        (
            {"name": "host", "type": "ci", "ci_classes": ["no-such-class"]},
            "unknown CI class(es): no-such-class",
        ),
        ({"name": "ok", "type": "checkbox", "required": "yes"}, "required must be true or false"),
        ({"name": "d", "type": "date", "default": "2024-02-30"}, "not a real date"),
        ("just text", "Question 1: must be an object"),
    ],
)
def test_a_broken_question_is_refused_with_a_message_naming_it(field, message):
    with pytest.raises(FormDefinitionError) as refused:
        normalise_definition([field])

    assert any(message in text for text in refused.value.messages), refused.value.messages


def test_two_questions_with_one_name_are_refused():
    with pytest.raises(FormDefinitionError) as refused:
        normalise_definition([{"name": "a", "type": "text"}, {"name": "a", "type": "date"}])

    assert refused.value.messages == ["Question 2 (a): another question has the same name."]


def test_a_definition_must_be_a_list():
    with pytest.raises(FormDefinitionError):
        normalise_definition({"name": "a"})


def test_saving_an_item_in_the_admin_checks_and_normalises_its_form():
    item = CatalogItem(name="Laptop", form_definition=[{"name": "model", "type": "choice"}])

    with pytest.raises(ValidationError) as refused:
        item.full_clean()

    assert refused.value.message_dict["form_definition"] == [
        "Question 1 (model): a choice question needs a non-empty list of choices."
    ]
    item.form_definition = [{"name": "model", "type": "choice", "choices": ["13"]}]
    item.full_clean()
    assert item.form_definition[0]["choices"] == [{"value": "13", "label": "13"}]


def test_ci_questions_may_be_restricted_to_known_classes():
    make_affected_ci("web-01")  # creates the "server" class

    definition = normalise_definition([{"name": "host", "type": "ci", "ci_classes": ["server"]}])

    assert definition[0]["ci_classes"] == ["server"]


# --- answers per type -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "answer", "stored"),
    [
        ({"type": "text"}, "  Tableau  ", "Tableau"),
        ({"type": "textarea"}, "line one\nline two", "line one\nline two"),
        ({"type": "choice", "choices": ["13", "14"]}, "14", "14"),
        ({"type": "choice", "choices": ["a", "b", "c"], "multiple": True}, ["c", "a"], ["a", "c"]),
        ({"type": "choice", "choices": ["a", "b"], "multiple": True}, "b", ["b"]),
        ({"type": "number"}, "2.5", 2.5),
        ({"type": "number", "integer": True, "min": 1, "max": 5}, 5, 5),
        ({"type": "number", "min": 0}, 0, 0),
        ({"type": "date"}, "2030-01-31", "2030-01-31"),
        ({"type": "checkbox"}, True, True),
        ({"type": "checkbox"}, "on", True),
        ({"type": "checkbox"}, "false", False),
    ],
)
def test_good_answers_are_stored_normalised(field, answer, stored):
    item = _item({"name": "q", **field})

    check = validate_answers(item, {"q": answer})

    assert check.errors == {}
    assert check.answers == {"q": stored}


@pytest.mark.parametrize(
    ("field", "answer", "message"),
    [
        ({"type": "text"}, 42, "Expected text."),
        ({"type": "text", "max_length": 3}, "abcd", "At most 3 characters."),
        (
            {"type": "choice", "choices": ["13", "14"]},
            "15",
            "'15' is not one of the choices: 13, 14.",
        ),
        (
            {"type": "choice", "choices": ["a"], "multiple": True},
            ["a", "z"],
            "Not among the choices: 'z'.",
        ),
        (
            {"type": "choice", "choices": ["a"], "multiple": True},
            {"a": 1},
            "Expected a list of choices.",
        ),
        ({"type": "number"}, "many", "Expected a number."),
        ({"type": "number"}, True, "Expected a number."),
        ({"type": "number"}, "NaN", "Expected a number."),
        ({"type": "number", "integer": True}, 2.5, "Expected a whole number."),
        ({"type": "number", "min": 1}, 0, "At least 1."),
        ({"type": "number", "max": 10}, 11, "At most 10."),
        ({"type": "date"}, "31/01/2030", "Expected a date as YYYY-MM-DD."),
        ({"type": "date"}, "2030-02-30", "2030-02-30 is not a real date."),
        ({"type": "checkbox"}, "maybe", "Expected true or false."),
        ({"type": "user"}, 999999, "No active person with id 999999."),
        ({"type": "user"}, "someone", "Expected an id."),
        ({"type": "ci"}, 999999, "No configuration item with id 999999."),
    ],
)
def test_bad_answers_are_reported_under_their_question(field, answer, message):
    item = _item({"name": "q", **field}, {"name": "other", "type": "text"})

    check = validate_answers(item, {"q": answer, "other": "fine"})

    assert check.errors == {"q": [message]}
    assert not check.is_valid


def test_required_questions_must_be_answered_and_required_boxes_ticked():
    item = _item(
        {"name": "why", "type": "text", "required": True},
        {"name": "sizes", "type": "choice", "choices": ["a"], "multiple": True, "required": True},
        {"name": "accept", "type": "checkbox", "required": True},
        {"name": "note", "type": "text"},
    )

    check = validate_answers(item, {"why": "   ", "sizes": [], "accept": False})

    assert check.errors == {
        "why": ["This question is required."],
        "sizes": ["This question is required."],
        "accept": ["This box must be ticked."],
    }


def test_unanswered_optional_questions_are_stored_empty_and_missing_ones_get_their_default():
    item = _item(
        {"name": "note", "type": "text"},
        {"name": "count", "type": "number", "default": 1},
        {"name": "agree", "type": "checkbox"},
        {"name": "size", "type": "choice", "choices": ["s", "m"], "default": "m"},
    )

    check = validate_answers(item, {"size": ""})

    assert check.errors == {}
    assert check.answers == {"note": None, "count": 1, "agree": False, "size": None}


def test_answers_to_questions_the_form_does_not_ask_are_refused():
    item = _item({"name": "model", "type": "text"})

    check = validate_answers(item, {"model": "x", "colour": "red"})

    assert check.errors == {"colour": ["This form has no such question."]}


def test_answers_must_be_an_object():
    assert validate_answers(_item(), ["x"]).errors == {
        "answers": ["Expected an object of question names to answers."]
    }


def test_user_answers_are_stored_as_id_and_name_and_inactive_people_are_refused():
    person = make_user("dana", first_name="Dana", last_name="Lee")
    gone = make_user("gone", is_active=False)
    item = _item({"name": "for_whom", "type": "user"})

    assert validate_answers(item, {"for_whom": person.pk}).answers == {
        "for_whom": {"id": person.pk, "name": "Dana Lee"}
    }
    assert validate_answers(item, {"for_whom": {"id": str(person.pk)}}).errors == {}
    assert validate_answers(item, {"for_whom": gone.pk}).errors == {
        "for_whom": [f"No active person with id {gone.pk}."]
    }


def test_ci_answers_must_be_of_an_allowed_class_and_not_retired():
    server = make_affected_ci("web-01")
    service = make_affected_ci("Shop", is_service=True)
    retired = make_affected_ci("web-00")
    retired.status = CIStatus.RETIRED
    retired.save()
    item = _item({"name": "host", "type": "ci", "ci_classes": ["server"]})

    assert validate_answers(item, {"host": server.pk}).answers == {
        "host": {"id": server.pk, "name": "web-01"}
    }
    assert validate_answers(item, {"host": service.pk}).errors == {
        "host": [f"No configuration item with id {service.pk} of class server."]
    }
    assert validate_answers(item, {"host": retired.pk}).errors["host"]


def test_answers_are_shown_with_labels_and_choice_labels():
    item = _item(
        {"name": "model", "type": "choice", "choices": [{"value": "14", "label": "14 inch"}]},
        {"name": "dock", "type": "checkbox", "label": "Docking station"},
    )

    rows = answer_rows(item, {"model": "14", "dock": True, "legacy": "kept"})

    assert [(row["label"], row["display"]) for row in rows] == [
        ("Model", "14 inch"),
        ("Docking station", "Yes"),
        ("legacy", "kept"),
    ]


# --- the Django form --------------------------------------------------------------------------


def test_the_form_asks_every_question_styled_and_in_order(requester):
    server = make_affected_ci("web-01")
    item = _item(
        {"name": "model", "type": "choice", "choices": ["13", "14"], "required": True, "order": 1},
        {"name": "extras", "type": "choice", "choices": ["dock", "mouse"], "multiple": True},
        {"name": "count", "type": "number", "integer": True, "min": 1, "max": 3},
        {"name": "needed_by", "type": "date"},
        {"name": "host", "type": "ci"},
        {"name": "manager", "type": "user"},
        {"name": "accept", "type": "checkbox", "required": True, "help_text": "Policy"},
        {"name": "why", "type": "textarea"},
    )

    form = build_catalog_form(item, user=requester)

    assert list(form.fields) == [
        "model", "extras", "count", "needed_by", "host", "manager", "accept", "why"
    ]  # fmt: skip
    assert form.fields["model"].widget.attrs["class"] == "form-select"
    assert form.fields["accept"].widget.attrs["class"] == "form-check-input"
    assert form.fields["why"].widget.attrs["class"] == "form-control"
    html = form.as_div()
    assert 'type="date"' in html and 'min="1"' in html and "Policy" in html
    assert server.name in html


def test_the_form_validates_posted_answers_into_the_stored_shape(requester):
    server = make_affected_ci("web-01")
    item = _item(
        {"name": "model", "type": "choice", "choices": ["13", "14"], "required": True},
        {"name": "extras", "type": "choice", "choices": ["dock", "mouse"], "multiple": True},
        {"name": "count", "type": "number", "integer": True, "min": 1, "max": 3},
        {"name": "weight", "type": "number"},
        {"name": "needed_by", "type": "date"},
        {"name": "host", "type": "ci"},
        {"name": "for_whom", "type": "user"},
        {"name": "accept", "type": "checkbox"},
        {"name": "note", "type": "text", "default": "n/a"},
    )

    form = build_catalog_form(
        item,
        user=requester,
        data={
            "model": "14",
            "extras": ["mouse"],
            "count": "2",
            "weight": "1.5",
            "needed_by": "2030-05-01",
            "host": str(server.pk),
            "for_whom": str(requester.pk),
        },
    )

    assert form.is_valid(), form.errors
    assert form.answers == {
        "model": "14",
        "extras": ["mouse"],
        "count": 2,
        "weight": 1.5,
        "needed_by": "2030-05-01",
        "host": {"id": server.pk, "name": "web-01"},
        "for_whom": {"id": requester.pk, "name": "Erin Requester"},
        "accept": False,
        "note": None,
    }


def test_the_form_reports_bad_answers_on_their_fields(requester):
    item = _item(
        {"name": "model", "type": "choice", "choices": ["13"], "required": True},
        {"name": "count", "type": "number", "integer": True, "max": 3},
        {"name": "accept", "type": "checkbox", "required": True},
        {"name": "for_whom", "type": "user"},
    )

    form = build_catalog_form(
        item, user=requester, data={"model": "15", "count": "9", "for_whom": "999999"}
    )

    assert not form.is_valid()
    assert set(form.errors) == {"model", "count", "accept", "for_whom"}
    assert "Ensure this value is less than or equal to 3." in form.errors["count"]


def test_questions_may_be_called_like_the_forms_own_attributes(requester):
    item = _item({"name": "definition", "type": "text"}, {"name": "clean", "type": "text"})

    form = build_catalog_form(item, user=requester, data={"definition": "a", "clean": "b"})

    assert form.is_valid(), form.errors
    assert form.answers == {"definition": "a", "clean": "b"}
