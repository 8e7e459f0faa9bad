"""Fulfilment of service requests: tasks from the catalog item's templates, worked by teams.

A request that needs no approval, or whose approval is complete, moves to In progress and gets
one task per template. Tasks that wait for earlier ones open when every task with a lower order
is done or cancelled. When no task is left to do the request is resolved (Fulfilled, or
Partially fulfilled if some were cancelled) and then closes by the core's auto-close rule; if
every task was cancelled the request stays in progress with a work note, for the desk to decide.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from itops.audit import acting_as
from itops.errors import Conflict, DomainError, InvalidTransition
from itops.models import Team, User
from itops.roles import is_staff_member
from servicedesk.choices import (
    DONE_STATES,
    FINAL_STATES,
    REQUEST_TRANSITIONS,
    TASK_ACTIVE_STATES,
    TASK_FINISHED_STATES,
    TASK_TRANSITIONS,
    ApprovalState,
    MemberSelection,
    ResolutionCode,
    TaskState,
    TicketKind,
    TicketState,
)
from servicedesk.models import CatalogTaskTemplate, FulfilmentTask, Ticket
from servicedesk.services.comments import post_comment
from servicedesk.services.tickets import MAX_TEXT_LENGTH, check_assignment, clean_text, lock_ticket

# The core's state change without its actor check: the process moves requests on behalf of
# approvers (who may be end users) and of the people completing tasks.
from servicedesk.services.workflow import _apply_move as move_ticket
from servicedesk.signals import (
    request_fulfilled,
    send_on_commit,
    task_assigned,
    task_state_changed,
)


class TaskTransitionRefused(InvalidTransition):
    """An illegal task move; the JSON answer names the current state and the allowed moves."""

    def __init__(self, *, task: FulfilmentTask, target: str):
        allowed = sorted(TASK_TRANSITIONS[task.state])
        super().__init__(
            model="fulfilment task", current=task.state, target=target, allowed=allowed
        )
        allowed_text = ", ".join(allowed) if allowed else "none (it is finished)"
        self.message = (
            f"{task.number} cannot move from {task.state} to {target}; "
            f"allowed from {task.state}: {allowed_text}."
        )
        self.args = (self.message,)

    def as_dict(self) -> dict:
        return super().as_dict() | {"current_state": self.current, "allowed_states": self.allowed}


def _require_staff(by: User | None, action: str) -> None:
    if by is not None and not is_staff_member(by):
        raise PermissionDenied(f"Only service desk staff may {action}.")


# --- picking a member -------------------------------------------------------------------------


def _active_members(team: Team) -> list[User]:
    return list(
        User.objects.filter(team_memberships__team=team, is_active=True).order_by("id").distinct()
    )


def _pick_member(template: CatalogTaskTemplate | None, team: Team | None) -> User | None:
    """The member a template's member selection picks in `team`, or None for the team queue."""
    if template is None or team is None or template.member_selection == MemberSelection.NONE:
        return None
    members = _active_members(team)
    if not members:
        return None
    if template.member_selection == MemberSelection.ROUND_ROBIN:
        # Locked so two requests fulfilled at once do not both go to the same next member.
        locked = CatalogTaskTemplate.objects.select_for_update().get(pk=template.pk)
        after = locked.last_assignee_id or 0
        chosen = next((member for member in members if member.pk > after), members[0])
        CatalogTaskTemplate.objects.filter(pk=template.pk).update(last_assignee=chosen)
        return chosen
    work = User.objects.filter(pk__in=[member.pk for member in members]).annotate(
        open_tasks=Count(
            "fulfilment_tasks",
            filter=Q(fulfilment_tasks__state__in=TASK_ACTIVE_STATES),
            distinct=True,
        ),
        open_tickets=Count(
            "assigned_tickets", filter=~Q(assigned_tickets__state__in=DONE_STATES), distinct=True
        ),
    )
    loads = {
        pk: tasks + tickets
        for pk, tasks, tickets in work.values_list("pk", "open_tasks", "open_tickets")
    }
    return min(members, key=lambda member: (loads.get(member.pk, 0), member.pk))


# --- opening tasks ----------------------------------------------------------------------------


def _open_task(task: FulfilmentTask, *, by: User | None, now) -> None:
    """Make a created or waiting task workable: pick a member and tell the team."""
    old_state = task.state
    task.state = TaskState.OPEN
    task.opened_at = now
    if task.assignee_id is None:
        task.assignee = _pick_member(task.template, task.team)
    with acting_as(by):
        task.save()
    request = task.request
    if old_state != TaskState.OPEN:
        send_on_commit(
            task_state_changed,
            ticket=request,
            by=by,
            task=task,
            old_state=old_state,
            new_state=TaskState.OPEN,
        )
    send_on_commit(task_assigned, ticket=request, by=by, task=task)


def _create_tasks(request: Ticket, *, by: User | None) -> list[FulfilmentTask]:
    if request.catalog_item_id is None or request.fulfilment_tasks.exists():
        return []
    templates = list(
        CatalogTaskTemplate.objects.filter(catalog_item_id=request.catalog_item_id)
        .select_related("team")
        .order_by("order", "id")
    )
    if not templates:
        return []
    lowest = templates[0].order
    now = timezone.now()
    tasks = []
    for template in templates:
        waits = template.wait_for_previous and template.order > lowest
        task = FulfilmentTask(
            request=request,
            template=template,
            title=template.title,
            description=template.description,
            team=template.team,
            order=template.order,
            wait_for_previous=template.wait_for_previous,
            state=TaskState.WAITING if waits else TaskState.OPEN,
        )
        if waits:
            with acting_as(by):
                task.save()
        else:
            _open_task(task, by=by, now=now)
        tasks.append(task)
    return tasks


def start_fulfilment(request: Ticket, *, by: User | None) -> list[FulfilmentTask]:
    """Move a (locked) request that needs no more approval to In progress and create its
    tasks. Part of the ordering and approval services; runs in their transaction."""
    if request.state in (TicketState.NEW, TicketState.PENDING_APPROVAL):
        move_ticket(request, TicketState.IN_PROGRESS, by=by)
    return _create_tasks(request, by=by)


def _open_ready_tasks(request: Ticket, *, by: User | None) -> None:
    tasks = list(request.fulfilment_tasks.select_for_update().order_by("order", "id"))
    now = timezone.now()
    for task in tasks:
        if task.state != TaskState.WAITING:
            continue
        earlier = [other for other in tasks if other.order < task.order]
        if all(other.state in TASK_FINISHED_STATES for other in earlier):
            task.request = request
            _open_task(task, by=by, now=now)


def _finish_request_if_done(request: Ticket, *, by: User | None) -> None:
    tasks = list(request.fulfilment_tasks.order_by("order", "id"))
    if not tasks or any(task.state not in TASK_FINISHED_STATES for task in tasks):
        return
    if TicketState.RESOLVED not in REQUEST_TRANSITIONS.get(request.state, ()):
        return
    done = [task for task in tasks if task.state == TaskState.DONE]
    if not done:
        post_comment(
            ticket=request,
            author=by,
            body="Every fulfilment task was cancelled, so the request was not resolved; "
            "cancel it or fulfil it another way.",
            internal=True,
        )
        return
    lines = "\n".join(
        f"- {task.number} {task.title}: {task.get_state_display().lower()}" for task in tasks
    )
    partial = len(done) < len(tasks)
    move_ticket(
        request,
        TicketState.RESOLVED,
        by=by,
        resolution_code=ResolutionCode.PARTIALLY_FULFILLED if partial else ResolutionCode.FULFILLED,
        resolution_notes=(
            "Some fulfilment tasks were cancelled; the others are done:"
            if partial
            else "All fulfilment tasks are done:"
        )
        + "\n\n"
        + lines,
    )
    send_on_commit(request_fulfilled, ticket=request, by=by)


# --- working tasks ----------------------------------------------------------------------------


def _lock(task: FulfilmentTask) -> tuple[Ticket, FulfilmentTask]:
    """The task's request, then the task, under row locks (always in that order)."""
    request = lock_ticket(task.request)
    locked = (
        FulfilmentTask.objects.select_for_update(of=("self",))
        .select_related("team")
        .get(pk=task.pk)
    )
    locked.request = request
    return request, locked


def _move_task(task: FulfilmentTask, target: str, *, by: User | None, notes: str = "") -> None:
    if target not in TASK_TRANSITIONS[task.state]:
        raise TaskTransitionRefused(task=task, target=target)
    old_state = task.state
    now = timezone.now()
    task.state = target
    if target == TaskState.IN_PROGRESS:
        task.started_at = now
    if target in TASK_FINISHED_STATES:
        task.finished_at = now
        task.finished_by = by
        task.close_notes = notes
    with acting_as(by):
        task.save()
    send_on_commit(
        task_state_changed,
        ticket=task.request,
        by=by,
        task=task,
        old_state=old_state,
        new_state=target,
    )


def _require_workable(request: Ticket, task: FulfilmentTask) -> None:
    if request.state in FINAL_STATES:
        raise Conflict(
            f"{request.number} is {request.get_state_display().lower()}; its tasks are finished.",
            field="state",
        )


@transaction.atomic
def start_task(*, task: FulfilmentTask, by: User | None) -> FulfilmentTask:
    """Start work on an open task; a team member starting an unassigned task takes it."""
    _require_staff(by, "work fulfilment tasks")
    request, task = _lock(task)
    _require_workable(request, task)
    takes_it = task.assignee_id is None and by is not None and task.team_id is not None
    if takes_it and task.team.memberships.filter(user=by).exists():
        task.assignee = by
    _move_task(task, TaskState.IN_PROGRESS, by=by)
    return task


def _finish(task: FulfilmentTask, target: str, *, by: User | None, notes: str) -> FulfilmentTask:
    request, task = _lock(task)
    _require_workable(request, task)
    _move_task(task, target, by=by, notes=notes)
    _open_ready_tasks(request, by=by)
    _finish_request_if_done(request, by=by)
    return task


@transaction.atomic
def complete_task(*, task: FulfilmentTask, by: User | None, note: str = "") -> FulfilmentTask:
    """Mark a task done; opens the tasks waiting for it and resolves the request when none is
    left to do."""
    _require_staff(by, "work fulfilment tasks")
    notes = clean_text(note, field="note", required=False, max_length=MAX_TEXT_LENGTH)
    return _finish(task, TaskState.DONE, by=by, notes=notes)


@transaction.atomic
def cancel_task(*, task: FulfilmentTask, by: User | None, reason: str) -> FulfilmentTask:
    """Cancel a task that is not needed; it does not hold up the tasks after it or the
    request."""
    _require_staff(by, "cancel fulfilment tasks")
    notes = clean_text(reason, field="reason", required=True, max_length=MAX_TEXT_LENGTH)
    return _finish(task, TaskState.CANCELLED, by=by, notes=notes)


@transaction.atomic
def assign_task(
    *, task: FulfilmentTask, team: Team, assignee: User | None = None, by: User | None
) -> FulfilmentTask:
    """Give an unfinished task to a team and optionally one of its members."""
    _require_staff(by, "assign fulfilment tasks")
    if team is None:
        raise DomainError("A task needs a team.", field="team")
    check_assignment(team, assignee)
    request, task = _lock(task)
    _require_workable(request, task)
    if task.state in TASK_FINISHED_STATES:
        raise Conflict(f"{task.number} is {task.get_state_display().lower()}.", field="state")
    if (task.team_id, task.assignee_id) == (team.pk, assignee.pk if assignee else None):
        return task
    task.team, task.assignee = team, assignee
    with acting_as(by):
        task.save(update_fields=["team", "assignee", "updated_at"])
    if task.state != TaskState.WAITING:
        send_on_commit(task_assigned, ticket=request, by=by, task=task)
    return task


# --- keeping the process in step with the request ---------------------------------------------


@transaction.atomic
def follow_request_state(*, request: Ticket, old_state: str, new_state: str, by: User | None):
    """React to a request's state change made outside this process (an agent cancelling it,
    or starting it while it waited for approval). Safe to call twice."""
    if request.kind != TicketKind.REQUEST:
        return
    request = lock_ticket(request)
    if request.state != new_state:
        return  # moved on again since; the later change brings its own call
    if new_state in FINAL_STATES or (
        old_state == TicketState.PENDING_APPROVAL and new_state == TicketState.IN_PROGRESS
    ):
        with acting_as(by):
            for approval in request.approvals.select_for_update().filter(
                state=ApprovalState.PENDING
            ):
                approval.state = ApprovalState.NOT_REQUIRED
                approval.decided_at = timezone.now()
                approval.save(update_fields=["state", "decided_at"])
    if new_state in FINAL_STATES:
        reason = f"The request was {request.get_state_display().lower()}."
        for task in request.fulfilment_tasks.select_for_update().exclude(
            state__in=TASK_FINISHED_STATES
        ):
            task.request = request
            _move_task(task, TaskState.CANCELLED, by=by, notes=reason)
    elif new_state == TicketState.IN_PROGRESS:
        _create_tasks(request, by=by)
