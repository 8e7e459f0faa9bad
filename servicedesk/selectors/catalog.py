"""Reads of the service catalog process: items, approvals, fulfilment tasks and the timeline
entries they add to requests."""

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from itops.choices import Role
from itops.models import User
from itops.roles import has_role, is_staff_member
from servicedesk.catalog_forms import answer_rows
from servicedesk.choices import ApprovalState, TaskState
from servicedesk.models import (
    CatalogItem,
    FulfilmentTask,
    RequestApproval,
    Ticket,
)
from servicedesk.rendering import render_markdown
from servicedesk.timeline import TimelineEntry

TASK_FILTERS = ("team", "state", "assignee", "request")


def catalog_items(*, user, include_inactive: bool = False) -> QuerySet[CatalogItem]:
    """What `user` may order: active items to everyone with a service desk role; admins may
    ask for inactive ones too."""
    if not (is_staff_member(user) or has_role(user, Role.END_USER)):
        return CatalogItem.objects.none()
    items = CatalogItem.objects.select_related(
        "category", "approval_group", "fulfilment_group"
    ).prefetch_related("task_templates__team")
    if not (include_inactive and has_role(user, Role.ADMIN)):
        items = items.filter(is_active=True)
    return items


def get_catalog_item(*, user, key: int | str, include_inactive: bool = False) -> CatalogItem:
    item = catalog_items(user=user, include_inactive=include_inactive).filter(pk=key).first()
    if item is None:
        raise Http404("No such catalog item.")
    return item


def approvals_for(*, user, state: str | None = ApprovalState.PENDING) -> QuerySet:
    """The approvals `user` was asked for (pending ones by default; `state=None`: all), with
    the request, its item and its caller joined."""
    if user is None or not user.is_authenticated:
        return RequestApproval.objects.none()
    approvals = RequestApproval.objects.filter(approver_id=user.pk).select_related(
        "approver", "group", "request__caller", "request__catalog_item"
    )
    if state:
        approvals = approvals.filter(state=state)
    return approvals.order_by("-created_at", "-id")


def get_approval_for(*, user, pk: int | str) -> RequestApproval:
    """One approval of `user`'s by id; Http404 for anyone else's."""
    approval = approvals_for(user=user, state=None).filter(pk=pk).first()
    if approval is None:
        raise Http404("No such approval.")
    return approval


def request_approvals(request: Ticket) -> QuerySet:
    return request.approvals.select_related("approver", "group").order_by("created_at", "id")


def visible_tasks(user) -> QuerySet[FulfilmentTask]:
    """THE scope of fulfilment tasks: staff see them all, everyone else none."""
    if not is_staff_member(user):
        return FulfilmentTask.objects.none()
    return FulfilmentTask.objects.select_related(
        "request", "request__caller", "team", "assignee", "finished_by"
    )


def fulfilment_task_list(*, user, filters: Mapping | None = None) -> QuerySet[FulfilmentTask]:
    """Tasks `user` may see, filtered by `team`, `state` (comma-separated states, or `active`
    for open and in progress), `assignee` (an id or `me`, `none`) and `request` (an id);
    raises ValidationError naming a bad filter."""
    tasks = visible_tasks(user)
    filters = filters or {}
    errors: dict[str, list[str]] = {}

    def number(name: str) -> int | None:
        value = str(filters.get(name) or "").strip()
        if not value:
            return None
        if not value.isdigit():
            errors[name] = ["Expected an id."]
            return None
        return int(value)

    team = number("team")
    if team is not None:
        tasks = tasks.filter(team_id=team)
    request = number("request")
    if request is not None:
        tasks = tasks.filter(request_id=request)
    assignee = str(filters.get("assignee") or "").strip()
    if assignee == "me":
        tasks = tasks.filter(assignee_id=user.pk)
    elif assignee == "none":
        tasks = tasks.filter(assignee__isnull=True)
    elif assignee:
        assignee_id = number("assignee")
        if assignee_id is not None:
            tasks = tasks.filter(assignee_id=assignee_id)
    state = str(filters.get("state") or "").strip()
    if state:
        states = [TaskState.OPEN, TaskState.IN_PROGRESS] if state == "active" else state.split(",")
        unknown = [value for value in states if value not in TaskState.values]
        if unknown:
            errors["state"] = [
                f"Unknown state {unknown[0]!r}; use active or {', '.join(TaskState.values)}."
            ]
        else:
            tasks = tasks.filter(state__in=states)
    if errors:
        raise ValidationError(errors)
    return tasks.order_by("-created_at", "-id")


def get_visible_task(*, user, key: int | str) -> FulfilmentTask:
    """A task by id or number (TASK0001001); Http404 if it does not exist or `user` is no
    staff member."""
    pk = FulfilmentTask.pk_from_number(key)
    task = visible_tasks(user).filter(pk=pk).first() if pk else None
    if task is None:
        raise Http404("No such fulfilment task.")
    return task


def request_tasks(request: Ticket) -> QuerySet[FulfilmentTask]:
    return request.fulfilment_tasks.select_related("team", "assignee").order_by("order", "id")


def fulfilment_progress(request: Ticket) -> dict[str, int]:
    """How far a request's fulfilment is (safe to show the requester): counts of tasks."""
    counts = request.fulfilment_tasks.aggregate(
        total=Count("id"),
        done=Count("id", filter=Q(state=TaskState.DONE)),
        cancelled=Count("id", filter=Q(state=TaskState.CANCELLED)),
    )
    counts["remaining"] = counts["total"] - counts["done"] - counts["cancelled"]
    return counts


def request_answer_rows(request: Ticket) -> list[dict]:
    """The catalog answers of a request as labelled rows (name, label, type, value, display)."""
    return answer_rows(request.catalog_item, request.request_answers)


# --- timeline ---------------------------------------------------------------------------------


def _name(user: User | None) -> str | None:
    return None if user is None else (user.get_full_name() or user.username)


def approval_entries(*, ticket: Ticket, user, staff: bool):
    """Approvals asked and decided: shown to the requester too."""
    for approval in request_approvals(ticket):
        approver = _name(approval.approver)
        yield TimelineEntry(
            at=approval.created_at,
            kind="approval_requested",
            title=f"Approval requested from {approver}",
            data={"approval_id": approval.pk, "source": approval.source},
        )
        if approval.state in (ApprovalState.APPROVED, ApprovalState.REJECTED):
            verb = "Approved" if approval.state == ApprovalState.APPROVED else "Rejected"
            yield TimelineEntry(
                at=approval.decided_at,
                kind="approval_decided",
                title=f"{verb} by {approver}",
                actor=approver,
                body_html=render_markdown(approval.comment),
                data={"approval_id": approval.pk, "state": approval.state},
            )


def task_entries(*, ticket: Ticket, user, staff: bool):
    """Fulfilment tasks opened and finished: desk business, for staff."""
    if not staff:
        return
    for task in request_tasks(ticket).select_related("finished_by"):
        if task.opened_at is not None:
            who = task.assignee or task.team
            yield TimelineEntry(
                at=task.opened_at,
                kind="task_opened",
                title=f"Task {task.number} {task.title} for {who or 'nobody yet'}",
                internal=True,
                data={"task_id": task.pk, "number": task.number},
            )
        if task.finished_at is not None:
            yield TimelineEntry(
                at=task.finished_at,
                kind="task_finished",
                title=f"Task {task.number} {task.get_state_display().lower()}",
                actor=_name(task.finished_by),
                body_html=render_markdown(task.close_notes),
                internal=True,
                data={"task_id": task.pk, "number": task.number, "state": task.state},
            )
