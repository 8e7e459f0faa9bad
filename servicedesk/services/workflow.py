"""State changes, checked against the per-kind tables in servicedesk.choices."""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from itops.audit import acting_as
from itops.errors import Conflict, DomainError, InvalidTransition
from itops.models import User
from itops.roles import is_staff_member
from servicedesk.choices import (
    FINAL_STATES,
    RESOLUTION_CODES,
    OnHoldReason,
    ResolutionCode,
    TicketKind,
    TicketState,
    allowed_moves,
)
from servicedesk.models import Ticket
from servicedesk.services.comments import post_comment
from servicedesk.services.tickets import (
    MAX_TEXT_LENGTH,
    clean_text,
    is_participant,
    lock_ticket,
)
from servicedesk.signals import send_on_commit, ticket_state_changed

AUTO_CLOSE_BATCH_SIZE = 200


class TicketTransitionRefused(InvalidTransition):
    """An illegal move; the JSON answer names the current state and the allowed moves."""

    def __init__(self, *, ticket: Ticket, target: str):
        allowed = sorted(allowed_moves(ticket.kind, ticket.state))
        label = TicketKind(ticket.kind).label.lower()
        super().__init__(model=label, current=ticket.state, target=target, allowed=allowed)
        allowed_text = ", ".join(allowed) if allowed else "none (it is final)"
        self.message = (
            f"{ticket.number} ({label}) cannot move from {ticket.state} to {target}; "
            f"allowed from {ticket.state}: {allowed_text}."
        )
        self.args = (self.message,)

    def as_dict(self) -> dict:
        return super().as_dict() | {"current_state": self.current, "allowed_states": self.allowed}


def reopen_deadline(ticket: Ticket) -> datetime | None:
    """Until when the caller may reopen a resolved ticket (it closes by itself then)."""
    if ticket.state != TicketState.RESOLVED or ticket.resolved_at is None:
        return None
    return ticket.resolved_at + timedelta(days=settings.ITOPS_AUTO_CLOSE_DAYS)


def caller_may_reopen(ticket: Ticket, *, now: datetime | None = None) -> bool:
    deadline = reopen_deadline(ticket)
    return deadline is not None and (now or timezone.now()) < deadline


def _check_actor(ticket: Ticket, target: str, by: User | None) -> None:
    """Staff make every move the table allows; a caller may only accept (close) or reopen
    their own resolved ticket, and reopen only within the auto-close window."""
    if by is None or is_staff_member(by):
        return
    if not is_participant(ticket, by) or ticket.caller_id != by.pk:
        raise PermissionDenied("Only service desk staff may change this ticket's state.")
    if ticket.state != TicketState.RESOLVED or target not in (
        TicketState.IN_PROGRESS,
        TicketState.CLOSED,
    ):
        raise PermissionDenied("Callers may only reopen or close their resolved tickets.")
    if target == TicketState.IN_PROGRESS and not caller_may_reopen(ticket):
        raise Conflict(
            f"{ticket.number} was resolved more than {settings.ITOPS_AUTO_CLOSE_DAYS} days ago "
            "and can no longer be reopened; please open a new ticket.",
            field="state",
            code="reopen_window_passed",
        )


def _apply_move(
    ticket: Ticket,
    target: str,
    *,
    by: User | None,
    on_hold_reason: str = "",
    resolution_code: str = "",
    resolution_notes: str = "",
    root_cause: str | None = None,
) -> Ticket:
    """Move a locked ticket to `target`, filling and clearing the fields that go with it."""
    if target not in allowed_moves(ticket.kind, ticket.state):
        raise TicketTransitionRefused(ticket=ticket, target=target)
    old_state = ticket.state
    now = timezone.now()
    fields = {"state", "updated_at"}

    if target == TicketState.ON_HOLD:
        if on_hold_reason not in OnHoldReason.values:
            raise DomainError(
                f"Putting a ticket on hold needs a reason: {', '.join(OnHoldReason.values)}.",
                field="on_hold_reason",
            )
        ticket.on_hold_reason = on_hold_reason
        fields.add("on_hold_reason")
    elif ticket.on_hold_reason:
        ticket.on_hold_reason = ""
        fields.add("on_hold_reason")

    if target == TicketState.RESOLVED:
        codes = RESOLUTION_CODES[ticket.kind]
        if resolution_code not in codes:
            labels = ", ".join(sorted(codes))
            raise DomainError(
                f"Resolving needs a resolution code: {labels}.", field="resolution_code"
            )
        ticket.resolution_code = resolution_code
        ticket.resolution_notes = clean_text(
            resolution_notes, field="resolution_notes", required=True, max_length=MAX_TEXT_LENGTH
        )
        if ticket.kind == TicketKind.PROBLEM:
            if root_cause is not None:
                ticket.root_cause = clean_text(
                    root_cause, field="root_cause", required=False, max_length=MAX_TEXT_LENGTH
                )
            if not ticket.root_cause:
                raise DomainError("Resolving a problem needs its root cause.", field="root_cause")
            fields.add("root_cause")
        ticket.resolved_at = now
        fields |= {"resolution_code", "resolution_notes", "resolved_at"}
    elif old_state == TicketState.RESOLVED and target == TicketState.IN_PROGRESS:
        # Reopened: the earlier resolution no longer holds.
        ticket.resolution_code = ""
        ticket.resolution_notes = ""
        ticket.resolved_at = None
        fields |= {"resolution_code", "resolution_notes", "resolved_at"}

    if target in FINAL_STATES:
        ticket.closed_at = now
        fields.add("closed_at")

    ticket.state = target
    with acting_as(by):
        ticket.save(update_fields=sorted(fields))
    send_on_commit(
        ticket_state_changed, ticket=ticket, by=by, old_state=old_state, new_state=target
    )
    return ticket


@transaction.atomic
def change_state(
    *,
    ticket: Ticket,
    to: str,
    by: User | None,
    on_hold_reason: str = "",
    resolution_code: str = "",
    resolution_notes: str = "",
    root_cause: str | None = None,
    comment: str = "",
) -> Ticket:
    """Move a ticket to state `to` if its kind's table allows it (InvalidTransition, 409,
    otherwise). `comment`, when given, is added as a public comment in the same transaction."""
    if to not in TicketState.values:
        raise DomainError(f"Unknown state {to!r}.", field="state")
    ticket = lock_ticket(ticket)
    _check_actor(ticket, to, by)
    ticket = _apply_move(
        ticket,
        to,
        by=by,
        on_hold_reason=on_hold_reason,
        resolution_code=resolution_code,
        resolution_notes=resolution_notes,
        root_cause=root_cause,
    )
    if comment and comment.strip():
        post_comment(ticket=ticket, author=by, body=comment, internal=False)
    return ticket


def _refuse_unless(ticket: Ticket, expected: set[str], target: str) -> None:
    """Verbs that share a target state (start vs reopen) only apply from their own states."""
    if ticket.state not in expected:
        raise TicketTransitionRefused(ticket=ticket, target=target)


@transaction.atomic
def start_ticket(*, ticket: Ticket, by: User | None) -> Ticket:
    """Start work (New, Pending approval) or resume it (On hold)."""
    ticket = lock_ticket(ticket)
    _refuse_unless(
        ticket,
        {TicketState.NEW, TicketState.ON_HOLD, TicketState.PENDING_APPROVAL},
        TicketState.IN_PROGRESS,
    )
    return change_state(ticket=ticket, to=TicketState.IN_PROGRESS, by=by)


@transaction.atomic
def hold_ticket(*, ticket: Ticket, reason: str, by: User | None, comment: str = "") -> Ticket:
    return change_state(
        ticket=ticket, to=TicketState.ON_HOLD, by=by, on_hold_reason=reason, comment=comment
    )


@transaction.atomic
def resolve_ticket(
    *,
    ticket: Ticket,
    resolution_code: str,
    resolution_notes: str,
    by: User | None,
    root_cause: str | None = None,
) -> Ticket:
    if resolution_code and resolution_code not in ResolutionCode.values:
        raise DomainError(f"Unknown resolution code {resolution_code!r}.", field="resolution_code")
    return change_state(
        ticket=ticket,
        to=TicketState.RESOLVED,
        by=by,
        resolution_code=resolution_code,
        resolution_notes=resolution_notes,
        root_cause=root_cause,
    )


@transaction.atomic
def reopen_ticket(*, ticket: Ticket, reason: str, by: User | None) -> Ticket:
    """Reopen a resolved ticket; `reason` becomes a public comment."""
    clean_text(reason, field="reason", required=True, max_length=MAX_TEXT_LENGTH)
    ticket = lock_ticket(ticket)
    _refuse_unless(ticket, {TicketState.RESOLVED}, TicketState.IN_PROGRESS)
    return change_state(ticket=ticket, to=TicketState.IN_PROGRESS, by=by, comment=reason)


@transaction.atomic
def close_ticket(*, ticket: Ticket, by: User | None) -> Ticket:
    return change_state(ticket=ticket, to=TicketState.CLOSED, by=by)


@transaction.atomic
def cancel_ticket(*, ticket: Ticket, by: User | None, reason: str = "") -> Ticket:
    return change_state(ticket=ticket, to=TicketState.CANCELLED, by=by, comment=reason)


def resume_after_caller_reply(*, ticket: Ticket, by: User) -> None:
    """A ticket on hold awaiting the caller goes back in progress when the caller answers."""
    if ticket.state == TicketState.ON_HOLD and ticket.on_hold_reason == (
        OnHoldReason.AWAITING_CALLER
    ):
        _apply_move(ticket, TicketState.IN_PROGRESS, by=by)


def close_resolved_tickets(
    *, now: datetime | None = None, batch_size: int = AUTO_CLOSE_BATCH_SIZE
) -> int:
    """Close tickets resolved more than ITOPS_AUTO_CLOSE_DAYS ago; returns how many.

    Safe on two workers at once: each batch claims its rows with SKIP LOCKED and re-checks the
    state under the lock, so a ticket is closed once.
    """
    cutoff = (now or timezone.now()) - timedelta(days=settings.ITOPS_AUTO_CLOSE_DAYS)
    closed = 0
    while True:
        with transaction.atomic():
            batch = list(
                Ticket.objects.select_for_update(skip_locked=True)
                .filter(state=TicketState.RESOLVED, resolved_at__lte=cutoff)
                .order_by("resolved_at", "id")[:batch_size]
            )
            for ticket in batch:
                _apply_move(ticket.as_kind(), TicketState.CLOSED, by=None)
        closed += len(batch)
        if len(batch) < batch_size:
            return closed
