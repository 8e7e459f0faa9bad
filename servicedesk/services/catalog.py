"""Ordering from the service catalog, and the catalog's own upkeep (admins).

`order_catalog_item` checks the answers against the item's form, opens a service request
(REQ...) with them and then either asks for approval (servicedesk.services.approvals) or starts
fulfilment straight away (servicedesk.services.fulfilment).
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction

from itops.audit import acting_as
from itops.choices import Role
from itops.errors import Conflict, DomainError
from itops.models import User
from itops.roles import has_role, is_staff_member
from servicedesk.catalog_forms import FormDefinitionError, validate_answers
from servicedesk.choices import TicketSource
from servicedesk.models import CatalogItem, CatalogTaskTemplate, Ticket
from servicedesk.services.approvals import ask_for_approval, plan_approval
from servicedesk.services.fulfilment import start_fulfilment
from servicedesk.services.tickets import MAX_TEXT_LENGTH, clean_text, lock_ticket, open_request

ITEM_FIELDS = frozenset(
    {
        "name",
        "short_description",
        "description",
        "category",
        "form_definition",
        "approval",
        "approval_group",
        "group_approval_mode",
        "fulfilment_group",
        "is_active",
        "order",
    }
)
TEMPLATE_FIELDS = frozenset(
    {"title", "description", "team", "member_selection", "order", "wait_for_previous"}
)


class CatalogAnswersInvalid(DomainError):
    """Answers that do not fit the item's form; `errors` maps each question to its messages."""

    code = "invalid_answers"

    def __init__(self, errors: dict[str, list[str]]):
        names = ", ".join(sorted(errors))
        super().__init__(f"Some answers are not valid: {names}.", field="answers")
        self.errors = errors

    def as_dict(self) -> dict:
        return super().as_dict() | {"errors": self.errors}


def _check_orderer(*, requester: User, caller: User, by: User | None) -> None:
    if not requester.is_active or not caller.is_active:
        raise DomainError("Only active people can order or be ordered for.", field="requester")
    if by is None or is_staff_member(by):
        return
    if by.pk != requester.pk:
        raise PermissionDenied("You may only order as yourself.")
    if caller.pk != requester.pk and caller.manager_id != requester.pk:
        raise PermissionDenied(
            "You may order for yourself and for the people who report to you; the service "
            "desk can order for anyone."
        )
    if not has_role(by, Role.END_USER):
        raise PermissionDenied("Your account has no role that may use the service catalog.")


@transaction.atomic
def order_catalog_item(
    *,
    item: CatalogItem,
    requester: User,
    answers: dict[str, Any],
    on_behalf_of: User | None = None,
    by: User | None,
    short_description: str = "",
    description: str = "",
    source: str | None = None,
) -> Ticket:
    """Order `item` with `answers` (JSON shapes, see servicedesk.catalog_forms) for
    `on_behalf_of` (default: the requester, who then watches the request).

    Returns the new request: Pending approval when the item needs it, otherwise In progress
    with its fulfilment tasks. Raises CatalogAnswersInvalid naming each bad answer,
    DomainError when nobody can approve, PermissionDenied for ordering as or for someone one
    may not."""
    caller = on_behalf_of or requester
    _check_orderer(requester=requester, caller=caller, by=by)
    if not item.is_active:
        raise DomainError(f"{item.name} can no longer be ordered.", field="catalog_item")
    try:
        check = validate_answers(item, answers)
    except FormDefinitionError:
        raise Conflict(
            f"The form of {item.name} is broken and cannot be ordered now; tell the service desk.",
            field="catalog_item",
        ) from None
    if not check.is_valid:
        raise CatalogAnswersInvalid(check.errors)
    plan = plan_approval(item=item, caller=caller, requester=requester)
    if source is None:
        source = (
            TicketSource.DESK if by is not None and is_staff_member(by) else TicketSource.PORTAL
        )
    title = short_description.strip() or (
        item.name if caller.pk == requester.pk else f"{item.name} for {caller}"
    )
    request = open_request(
        by=by,
        caller=caller,
        short_description=title[:200],
        description=clean_text(
            description, field="description", required=False, max_length=MAX_TEXT_LENGTH
        ),
        catalog_item=item,
        answers=check.answers,
        source=source,
        watchers=[requester] if requester.pk != caller.pk else [],
    )
    request = lock_ticket(request)
    if plan is not None:
        ask_for_approval(request=request, plan=plan, by=by)
    else:
        start_fulfilment(request, by=by)
    return request


# --- catalog upkeep (admins) ------------------------------------------------------------------


def _require_admin(by: User | None) -> None:
    if by is not None and not has_role(by, Role.ADMIN):
        raise PermissionDenied("Only admins may change the service catalog.")


def _save_item(item: CatalogItem, by: User | None) -> CatalogItem:
    try:
        item.full_clean()
    except DjangoValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise DomainError(" ".join(messages), field=field) from None
    with acting_as(by):
        item.save()
    return item


def _apply(item: CatalogItem, fields: dict[str, Any]) -> None:
    unknown = sorted(set(fields) - ITEM_FIELDS)
    if unknown:
        raise DomainError("Unknown catalog item field.", field=unknown[0])
    for field, value in fields.items():
        setattr(item, field, value)


@transaction.atomic
def create_catalog_item(
    *, by: User | None, task_templates: list[dict] | None = None, **fields: Any
) -> CatalogItem:
    """A new catalog item; the form definition is checked and stored normalised."""
    _require_admin(by)
    item = CatalogItem()
    _apply(item, fields)
    item = _save_item(item, by)
    if task_templates:
        set_task_templates(item=item, templates=task_templates, by=by)
    return item


@transaction.atomic
def update_catalog_item(
    *, item: CatalogItem, by: User | None, task_templates: list[dict] | None = None, **changes
) -> CatalogItem:
    """Change an item; `task_templates`, when given, replaces its task templates."""
    _require_admin(by)
    item = CatalogItem.objects.select_for_update().get(pk=item.pk)
    _apply(item, changes)
    item = _save_item(item, by)
    if task_templates is not None:
        set_task_templates(item=item, templates=task_templates, by=by)
    return item


@transaction.atomic
def set_task_templates(
    *, item: CatalogItem, templates: list[dict], by: User | None
) -> list[CatalogTaskTemplate]:
    """Replace the item's task templates (tasks already created keep their copy)."""
    _require_admin(by)
    built = []
    for position, fields in enumerate(templates, start=1):
        unknown = sorted(set(fields) - TEMPLATE_FIELDS)
        if unknown:
            raise DomainError(f"Task {position}: unknown field.", field=unknown[0])
        template = CatalogTaskTemplate(catalog_item=item, **fields)
        try:
            template.full_clean(exclude=["catalog_item"])
        except DjangoValidationError as error:
            field, messages = next(iter(error.message_dict.items()))
            raise DomainError(f"Task {position}: {' '.join(messages)}", field=field) from None
        built.append(template)
    with acting_as(by):
        item.task_templates.all().delete()
        for template in built:
            template.save()
    return built
