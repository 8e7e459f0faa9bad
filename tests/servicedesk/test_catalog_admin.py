"""The Django admin is where catalog items and their forms are defined."""

import json

import pytest

from servicedesk.models import CatalogItem
from tests.factories.servicedesk import make_catalog_item

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/servicedesk/catalogitem/add/"


def _post(client, definition, **fields):
    data = {
        "name": "New laptop",
        "short_description": "",
        "description": "",
        "is_active": "on",
        "order": "100",
        "form_definition": json.dumps(definition),
        "approval": "none",
        "group_approval_mode": "any",
        "task_templates-TOTAL_FORMS": "0",
        "task_templates-INITIAL_FORMS": "0",
        "task_templates-MIN_NUM_FORMS": "0",
        "task_templates-MAX_NUM_FORMS": "1000",
        **fields,
    }
    return client.post(ADD_URL, data)


def test_admins_see_errors_naming_the_broken_question(admin_user, page_client_for):
    client = page_client_for(admin_user)

    response = _post(
        client,
        [
            {"name": "model", "type": "choice", "choices": []},
            {"name": "why", "type": "text", "requried": True},
        ],
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Question 1 (model): a choice question needs a non-empty list of choices." in page
    assert "Question 2 (why): unknown key(s) for a text question: requried." in page
    assert not CatalogItem.objects.exists()


def test_a_saved_definition_is_stored_normalised_and_previewed(admin_user, page_client_for):
    client = page_client_for(admin_user)

    response = _post(client, [{"name": "model", "type": "choice", "choices": ["14 inch"]}])

    assert response.status_code == 302
    item = CatalogItem.objects.get(name="New laptop")
    assert item.form_definition[0]["label"] == "Model"
    page = client.get(f"/admin/servicedesk/catalogitem/{item.pk}/change/").content.decode()
    assert "14 inch" in page
    assert 'class="catalog-form-preview"' in page


def test_the_catalog_list_shows_how_many_questions_and_tasks_items_have(
    admin_user, page_client_for
):
    make_catalog_item(name="Mouse", form_definition=[{"name": "hand", "type": "text"}])

    page = page_client_for(admin_user).get("/admin/servicedesk/catalogitem/").content.decode()

    assert "Mouse" in page
