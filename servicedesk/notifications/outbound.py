"""Email the desk sends about tickets: who gets which event, and the messages themselves.

Every message carries the ticket number in its subject (`[INC0001234] ...`), threads under the
ticket (Message-ID / In-Reply-To / References around one root id per ticket), says it was
generated (`Auto-Submitted: auto-generated`, so well-behaved auto-responders stay silent) and
answers to the desk address, whose receiver turns replies into comments.

Work notes never produce email: only public comments are mailed, and only to the people who
may read them.
"""

import re
import uuid
from dataclasses import asdict, dataclass, field
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse

from itops.models import User
from itops.roles import is_staff_member
from servicedesk.choices import ApprovalState, TicketKind, TicketSource
from servicedesk.models import Comment, EmailOptOut, RequestApproval, Ticket
from servicedesk.notifications.choices import EmailEvent, InboundOutcome

# Inbound mail is cut at this line: what the person typed above it is the reply.
REPLY_MARKER = "##- Please type your reply above this line -##"
MESSAGE_ID_PREFIX = "itops."
# Where a person opens a ticket: agents in the desk, end users in the portal. Named routes are
# used when the desk and portal define them; the paths are their documented fallbacks.
TICKET_ROUTES = {
    "desk": ("servicedesk:desk-ticket", "/desk/tickets/{number}/"),
    "portal": ("servicedesk:portal-ticket", "/portal/tickets/{number}/"),
}


@dataclass
class OutgoingEmail:
    """A rendered message for one recipient; plain data, so a task can carry it as JSON."""

    to: str
    subject: str
    text: str
    html: str
    headers: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


# --- addresses and ids ------------------------------------------------------------------------


def desk_address() -> str:
    return settings.ITOPS_DESK_EMAIL


def our_addresses() -> set[str]:
    """Addresses the platform sends from; mail from them coming in is our own, looping."""
    own = {desk_address(), parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower()}
    return {address for address in own if address}


def message_id_domain() -> str:
    return desk_address().rpartition("@")[2] or "itops.localhost"


def thread_root_id(ticket: Ticket) -> str:
    """The Message-ID every message about the ticket replies to (the first one carries it)."""
    return f"<{MESSAGE_ID_PREFIX}{ticket.number}@{message_id_domain()}>"


# Marks the Message-ID of a work-note email: a reply to it stays a work note.
WORK_NOTE_MARK = "wn."


def new_message_id(ticket: Ticket, *, work_note: bool = False) -> str:
    mark = WORK_NOTE_MARK if work_note else ""
    unique = uuid.uuid4().hex[:16]
    return f"<{MESSAGE_ID_PREFIX}{ticket.number}.{mark}{unique}@{message_id_domain()}>"


def answers_work_note(in_reply_to: str) -> bool:
    """True when `in_reply_to` names a work-note email we sent."""
    return is_our_message_id(in_reply_to) and any(
        f".{WORK_NOTE_MARK}" in found for found in re.findall(r"<[^<>]+>", in_reply_to or "")
    )


_OUR_ID = re.compile(r"<itops\.[^<>@\s]+@([^<>\s]+)>", re.IGNORECASE)


def is_our_message_id(value: str) -> bool:
    """True when `value` (a header that may hold several ids) names a message we sent."""
    domain = message_id_domain().lower()
    return any(match.lower() == domain for match in _OUR_ID.findall(value or ""))


def ticket_path(ticket: Ticket, *, audience: str) -> str:
    route_name, fallback = TICKET_ROUTES[audience]
    try:
        return reverse(route_name, args=[ticket.number])
    except NoReverseMatch:
        return fallback.format(number=ticket.number)


def ticket_url_for(ticket: Ticket, user: User | None) -> str:
    """The absolute link `user` follows to the ticket (desk for staff, portal otherwise)."""
    audience = "desk" if user is not None and is_staff_member(user) else "portal"
    return settings.ITOPS_BASE_URL + ticket_path(ticket, audience=audience)


def _subject(ticket: Ticket, text: str) -> str:
    subject = f"[{ticket.number}] {text}: {ticket.short_description}"
    return " ".join(subject.split())[:250]


def person_name(user: User | None) -> str:
    if user is None:
        return "The service desk"
    return user.get_full_name() or user.username


# --- recipients ---------------------------------------------------------------------------------


def _mailable(users, *, exclude: User | None = None) -> list[User]:
    """Active users with an address, once each, in a stable order, without `exclude`."""
    seen: set[int] = set()
    result = []
    for user in sorted((u for u in users if u is not None), key=lambda u: u.pk):
        if user.pk in seen or not user.is_active or not user.email:
            continue
        if exclude is not None and user.pk == exclude.pk:
            continue
        seen.add(user.pk)
        result.append(user)
    return result


def wanting(users: list[User], event: str) -> list[User]:
    """`users` without those who opted out of email for `event` (one query)."""
    if not users:
        return []
    opted_out = set(
        EmailOptOut.objects.filter(event=event, user__in=users).values_list("user_id", flat=True)
    )
    return [user for user in users if user.pk not in opted_out]


def group_members(ticket: Ticket) -> list[User]:
    if ticket.assignment_group_id is None:
        return []
    return list(
        User.objects.filter(team_memberships__team_id=ticket.assignment_group_id, is_active=True)
        .distinct()
        .order_by("id")
    )


def assignment_recipients(
    ticket: Ticket, *, by: User | None, old_group_id: int | None, old_assignee_id: int | None
) -> tuple[str, list[User]]:
    """Who hears of an assignment: the new assignee, or the group's members when only a group
    was set. Returns ("me" | "group" | "", users)."""
    if ticket.assignee_id is not None:
        if ticket.assignee_id == old_assignee_id:
            return "", []
        return "me", _mailable([ticket.assignee], exclude=by)
    if ticket.assignment_group_id is None or ticket.assignment_group_id == old_group_id:
        return "", []
    return "group", _mailable(group_members(ticket), exclude=by)


def public_comment_recipients(comment: Comment) -> tuple[str, list[User]]:
    """Who is mailed a public comment: the caller and watchers when the desk wrote it, the
    assignee (or the group without one) when the caller or a watcher did. Work notes: nobody."""
    if comment.is_internal:
        return "", []
    ticket, author = comment.ticket, comment.author
    if author is None or is_staff_member(author):
        return EmailEvent.AGENT_COMMENTED, _mailable(
            [ticket.caller, *ticket.watchers.all()], exclude=author
        )
    staff = [ticket.assignee] if ticket.assignee_id else group_members(ticket)
    return EmailEvent.CALLER_COMMENTED, _mailable(staff, exclude=author)


def work_note_recipients(comment: Comment) -> list[User]:
    """Who is told of a work note: the assignee and watching staff, never the author, never
    the caller (even a caller who is staff) and never anyone who is not staff."""
    if not comment.is_internal:
        return []
    ticket = comment.ticket
    candidates = [ticket.assignee, *ticket.watchers.all()]
    return [
        user
        for user in _mailable(candidates, exclude=comment.author)
        if user.pk != ticket.caller_id and is_staff_member(user)
    ]


def approval_decision_recipients(approval: RequestApproval) -> list[User]:
    request = approval.request
    return _mailable([request.opened_by, request.caller], exclude=approval.approver)


# --- messages -----------------------------------------------------------------------------------


def _render(template: str, context: dict) -> tuple[str, str]:
    text = render_to_string(f"servicedesk/email/{template}.txt", context)
    html = render_to_string(f"servicedesk/email/{template}.html", context)
    return text, html


def build_email(
    *,
    ticket: Ticket,
    event: str,
    recipient: User,
    subject: str,
    template: str,
    context: dict,
) -> OutgoingEmail:
    url = ticket_url_for(ticket, recipient)
    full_context = {
        "ticket": ticket,
        "recipient": recipient,
        "recipient_name": recipient.first_name or person_name(recipient),
        "ticket_url": url,
        "reply_marker": REPLY_MARKER,
        "desk_address": desk_address(),
        "kind_label": TicketKind(ticket.kind).label.lower(),
        **context,
    }
    text, html = _render(template, full_context)
    root = thread_root_id(ticket)
    headers = {
        "Message-ID": root
        if event == EmailEvent.TICKET_OPENED
        else new_message_id(ticket, work_note=event == EmailEvent.WORK_NOTE),
        "Auto-Submitted": "auto-generated",
        # Exchange and Outlook: send no out-of-office or delivery replies to this.
        "X-Auto-Response-Suppress": "All",
        "Reply-To": desk_address(),
        "X-Itops-Ticket": ticket.number,
        "X-Itops-Event": str(event),
    }
    if event != EmailEvent.TICKET_OPENED:
        headers["In-Reply-To"] = root
        headers["References"] = root
    elif context.get("answers_message_id"):
        # The confirmation of a ticket opened by email answers that email.
        headers["In-Reply-To"] = context["answers_message_id"]
        headers["References"] = context["answers_message_id"]
    to = formataddr((person_name(recipient), recipient.email))
    return OutgoingEmail(to=to, subject=subject, text=text, html=html, headers=headers)


def ticket_opened_emails(ticket: Ticket) -> list[OutgoingEmail]:
    if ticket.kind == TicketKind.PROBLEM:
        return []
    opening_email = (
        ticket.inbound_emails.filter(outcome=InboundOutcome.CREATED)
        .values_list("message_id", flat=True)
        .first()
        if ticket.source == TicketSource.EMAIL
        else None
    )
    return [
        build_email(
            ticket=ticket,
            event=EmailEvent.TICKET_OPENED,
            recipient=user,
            subject=_subject(ticket, f"We received your {TicketKind(ticket.kind).label.lower()}"),
            template="ticket_opened",
            context={"answers_message_id": opening_email},
        )
        for user in wanting(_mailable([ticket.caller]), EmailEvent.TICKET_OPENED)
    ]


def assignment_emails(ticket: Ticket, *, scope: str, recipients: list[User], by: User | None):
    group = ticket.assignment_group
    text = "Assigned to you" if scope == "me" else f"Assigned to {group}"
    return [
        build_email(
            ticket=ticket,
            event=EmailEvent.ASSIGNED,
            recipient=user,
            subject=_subject(ticket, text),
            template="assigned",
            context={"scope": scope, "group": group, "actor_name": person_name(by)},
        )
        for user in wanting(recipients, EmailEvent.ASSIGNED)
    ]


def comment_emails(comment: Comment) -> list[OutgoingEmail]:
    event, recipients = public_comment_recipients(comment)
    ticket = comment.ticket
    recipients = wanting(recipients, event) if recipients else []
    if not recipients:
        return []
    label = "New comment" if event == EmailEvent.AGENT_COMMENTED else "Reply from the caller"
    return [
        build_email(
            ticket=ticket,
            event=event,
            recipient=user,
            subject=_subject(ticket, label),
            template="comment",
            context={
                "comment": comment,
                "author_name": person_name(comment.author),
                "from_desk": event == EmailEvent.AGENT_COMMENTED,
            },
        )
        for user in recipients
    ]


def work_note_emails(comment: Comment) -> list[OutgoingEmail]:
    ticket = comment.ticket
    return [
        build_email(
            ticket=ticket,
            event=EmailEvent.WORK_NOTE,
            recipient=user,
            subject=_subject(ticket, "Work note"),
            template="work_note",
            context={"comment": comment, "author_name": person_name(comment.author)},
        )
        for user in wanting(work_note_recipients(comment), EmailEvent.WORK_NOTE)
        if is_staff_member(user)  # checked again: a work note must never leave the staff
    ]


def resolved_emails(ticket: Ticket, *, reopen_until) -> list[OutgoingEmail]:
    if ticket.kind == TicketKind.PROBLEM:
        return []
    return [
        build_email(
            ticket=ticket,
            event=EmailEvent.RESOLVED,
            recipient=user,
            subject=_subject(ticket, "Resolved"),
            template="resolved",
            context={"reopen_until": reopen_until},
        )
        for user in wanting(_mailable([ticket.caller]), EmailEvent.RESOLVED)
    ]


def approval_requested_emails(approval: RequestApproval) -> list[OutgoingEmail]:
    if approval.state != ApprovalState.PENDING:
        return []
    request = approval.request
    return [
        build_email(
            ticket=request,
            event=EmailEvent.APPROVAL_REQUESTED,
            recipient=user,
            subject=_subject(request, "Your approval is needed"),
            template="approval_requested",
            context={"approval": approval, "requester_name": person_name(request.opened_by)},
        )
        for user in wanting(_mailable([approval.approver]), EmailEvent.APPROVAL_REQUESTED)
    ]


def approval_decided_emails(approval: RequestApproval) -> list[OutgoingEmail]:
    request = approval.request
    approved = approval.state == ApprovalState.APPROVED
    return [
        build_email(
            ticket=request,
            event=EmailEvent.APPROVAL_DECIDED,
            recipient=user,
            subject=_subject(request, "Approved" if approved else "Rejected"),
            template="approval_decided",
            context={
                "approval": approval,
                "approved": approved,
                "approver_name": person_name(approval.approver),
            },
        )
        for user in wanting(approval_decision_recipients(approval), EmailEvent.APPROVAL_DECIDED)
    ]


def send_email(message: dict) -> None:
    """Send one rendered message (OutgoingEmail.as_dict()) through the configured backend."""
    email = EmailMultiAlternatives(
        subject=message["subject"],
        body=message["text"],
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message["to"]],
        headers=message["headers"],
    )
    email.attach_alternative(message["html"], "text/html")
    email.send(fail_silently=False)
