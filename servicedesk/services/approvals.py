"""Approval of service requests before fulfilment.

Who approves (decided when the request is opened, one RequestApproval row per person):
- manager approval: the manager (User.manager) of the person the request is for. When that
  person has no active manager, the item's approval group is asked instead (with the item's
  group mode); with no approval group either, ordering is refused with a message saying so.
- group approval: every active member of the item's approval group. With mode "any" the first
  decision settles it (approve or reject); with mode "all" every member must approve and one
  rejection rejects.
The person the request is for and the person ordering are never asked to approve it themselves;
a manager who orders for someone reporting to them has approved by ordering (their approval is
recorded as approved at once).

A decision is made once, by its approver only, while the request waits for approval. Rejection
needs a comment; it rejects the request (a final state) and the comment is shown to the
requester in the resolution notes and on the timeline. Approval that completes the request's
approvals starts fulfilment (servicedesk.services.fulfilment).
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from itops.audit import acting_as
from itops.errors import Conflict, DomainError
from itops.models import Team, User
from servicedesk.choices import (
    APPROVAL_TRANSITIONS,
    ApprovalSource,
    ApprovalState,
    CatalogApproval,
    GroupApprovalMode,
    TicketState,
)
from servicedesk.models import CatalogItem, RequestApproval, Ticket
from servicedesk.services.fulfilment import move_ticket, start_fulfilment
from servicedesk.services.tickets import MAX_TEXT_LENGTH, clean_text, lock_ticket
from servicedesk.signals import approval_decided, approval_requested, send_on_commit


class ApprovalPlan:
    """Who will be asked to approve a request: `source`, `group` and `approvers`."""

    def __init__(
        self,
        source: str,
        approvers: list[User],
        group: Team | None = None,
        ordered_by_approver=False,
    ):
        self.source = source
        self.approvers = approvers
        self.group = group
        self.ordered_by_approver = ordered_by_approver


def _name(user: User) -> str:
    return user.get_full_name() or user.username


def plan_approval(*, item: CatalogItem, caller: User, requester: User) -> ApprovalPlan | None:
    """The approvers a request for `item` on behalf of `caller` needs (None: no approval).

    Raises DomainError (field `approval`) when nobody can approve it."""
    if item.approval == CatalogApproval.NONE:
        return None
    excluded = {caller.pk, requester.pk}
    if item.approval == CatalogApproval.MANAGER:
        manager = caller.manager
        if manager is not None and manager.is_active and manager.pk != caller.pk:
            return ApprovalPlan(
                ApprovalSource.MANAGER, [manager], ordered_by_approver=manager.pk == requester.pk
            )
        if item.approval_group_id is None:
            raise DomainError(
                f"{item.name} needs the approval of {_name(caller)}'s manager, but no manager is "
                "recorded; ask the service desk to record one.",
                field="approval",
                code="no_approver",
            )
    group = item.approval_group
    if group is None:
        raise DomainError(
            f"{item.name} needs a group approval but has no approval group; tell the service desk.",
            field="approval",
            code="no_approver",
        )
    members = [
        user
        for user in User.objects.filter(team_memberships__team=group, is_active=True)
        .order_by("id")
        .distinct()
        if user.pk not in excluded
    ]
    if not members:
        raise DomainError(
            f"Nobody in {group.name} other than the requester can approve {item.name}; tell "
            "the service desk.",
            field="approval",
            code="no_approver",
        )
    return ApprovalPlan(ApprovalSource.GROUP, members, group)


def ask_for_approval(*, request: Ticket, plan: ApprovalPlan, by: User | None) -> list:
    """Create the approvals of a new (locked) request and move it to Pending approval (or, when
    the approver ordered it, straight on to fulfilment). Part of ordering; runs in its
    transaction."""
    with acting_as(by):
        approvals = [
            RequestApproval.objects.create(
                request=request, approver=approver, source=plan.source, group=plan.group
            )
            for approver in plan.approvers
        ]
        if plan.ordered_by_approver:
            for approval in approvals:
                approval.state = ApprovalState.APPROVED
                approval.comment = "Approved by ordering the request."
                approval.decided_at = timezone.now()
                approval.save(update_fields=["state", "comment", "decided_at"])
    if plan.ordered_by_approver:
        start_fulfilment(request, by=by)
        return approvals
    move_ticket(request, TicketState.PENDING_APPROVAL, by=by)
    for approval in approvals:
        send_on_commit(approval_requested, ticket=request, by=by, approval=approval)
    return approvals


def _retire_pending(request: Ticket, *, except_pk: int, now) -> None:
    for other in request.approvals.select_for_update().filter(state=ApprovalState.PENDING):
        if other.pk != except_pk:
            other.state = ApprovalState.NOT_REQUIRED
            other.decided_at = now
            other.save(update_fields=["state", "decided_at"])


def _settled_by_one(approval: RequestApproval, request: Ticket) -> bool:
    if approval.source == ApprovalSource.MANAGER:
        return True
    item = request.catalog_item
    return item is None or item.group_approval_mode != GroupApprovalMode.ALL


@transaction.atomic
def decide_approval(
    *, approval: RequestApproval, approve: bool, comment: str = "", by: User
) -> RequestApproval:
    """Approve or reject, once, as the approval's approver. Rejecting needs a comment."""
    request = lock_ticket(approval.request)
    approval = RequestApproval.objects.select_for_update().get(pk=approval.pk)
    if by is None or approval.approver_id != by.pk:
        raise PermissionDenied("Only the person asked for this approval may decide it.")
    if approval.state != ApprovalState.PENDING:
        when = date_format(timezone.localtime(approval.decided_at), "DATETIME_FORMAT")
        raise Conflict(
            f"This approval is already {approval.get_state_display().lower()} (since {when}).",
            field="state",
            code="already_decided",
        )
    if request.state != TicketState.PENDING_APPROVAL:
        raise Conflict(
            f"{request.number} no longer waits for approval: it is "
            f"{request.get_state_display().lower()}.",
            field="state",
        )
    text = clean_text(comment, field="comment", required=not approve, max_length=MAX_TEXT_LENGTH)
    target = ApprovalState.APPROVED if approve else ApprovalState.REJECTED
    assert target in APPROVAL_TRANSITIONS[approval.state]
    now = timezone.now()
    approval.state, approval.comment, approval.decided_at = target, text, now
    with acting_as(by):
        approval.save(update_fields=["state", "comment", "decided_at"])
        if not approve:
            _retire_pending(request, except_pk=approval.pk, now=now)
            request.resolution_notes = f"Rejected by {_name(by)}: {text}"
            request.save(update_fields=["resolution_notes", "updated_at"])
        elif _settled_by_one(approval, request):
            _retire_pending(request, except_pk=approval.pk, now=now)
    send_on_commit(approval_decided, ticket=request, by=by, approval=approval)
    if not approve:
        move_ticket(request, TicketState.REJECTED, by=by)
    elif not request.approvals.filter(state=ApprovalState.PENDING).exists():
        start_fulfilment(request, by=by)
    return approval
