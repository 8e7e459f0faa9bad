"""Mail to the desk address: new messages open incidents, replies become public comments.

`receive_email()` is the one entry point (the SMTP handler calls it with the raw bytes). It
runs in one transaction that also writes the `InboundEmail` log row, so once it returns the
outcome is durable, and a second delivery of the same Message-ID finds that row and does
nothing. Auto-replies, bounces, mailing lists and our own messages coming back are dropped
and never answered, so two robots cannot mail each other forever.
"""

import hashlib
import logging
import re
from dataclasses import dataclass, field
from datetime import timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from itops.choices import Role
from itops.errors import DomainError
from itops.models import User
from itops.roles import is_staff_member
from itops.services import set_roles
from servicedesk import services as desk
from servicedesk.choices import FINAL_STATES, TicketSource
from servicedesk.models import InboundEmail, Ticket
from servicedesk.notifications import outbound
from servicedesk.notifications.choices import InboundOutcome
from servicedesk.services.comments import post_comment
from servicedesk.services.tickets import MAX_TEXT_LENGTH

logger = logging.getLogger(__name__)

TICKET_NUMBER = re.compile(r"\b((?:INC|REQ|PRB)\d{7})\b", re.IGNORECASE)
OUR_TICKET_ID = re.compile(
    r"<" + re.escape(outbound.MESSAGE_ID_PREFIX) + r"((?:INC|REQ|PRB)\d{7})[.@]", re.IGNORECASE
)
BULK_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
ROBOT_SENDERS = re.compile(r"^(mailer-daemon|postmaster|no-?reply|do-?not-?reply)@", re.IGNORECASE)
SUBJECT_MAX = InboundEmail._meta.get_field("subject").max_length
MESSAGE_ID_MAX = InboundEmail._meta.get_field("message_id").max_length
# Where a reply's quoted history starts (the earliest match wins).
QUOTE_STARTS = [
    re.compile(r"^\s*" + re.escape(outbound.REPLY_MARKER)),
    re.compile(r"^\s*On\b.{0,300}\bwrote:\s*$", re.IGNORECASE),
    re.compile(r"^\s*Am\b.{0,300}\bschrieb\b.{0,100}:\s*$", re.IGNORECASE),
    re.compile(r"^\s*Le\b.{0,300}\ba écrit\s*:\s*$", re.IGNORECASE),
    re.compile(r"^\s*-{2,}\s*Original Message\s*-{2,}\s*$", re.IGNORECASE),
    re.compile(r"^\s*_{10,}\s*$"),  # Outlook's rule above the quoted headers
    re.compile(r"^-- $"),  # signature
]
BLOCK_TAGS = {
    "p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol",
    "pre", "hr", "section", "article", "header", "footer",
}  # fmt: skip


@dataclass
class ParsedEmail:
    message_id: str
    sender: str
    sender_name: str
    subject: str
    body: str
    attachments: list[tuple[str, bytes]] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    message: EmailMessage | None = None


@dataclass
class Decision:
    outcome: str
    reason: str = ""
    ticket: Ticket | None = None


# --- parsing ------------------------------------------------------------------------------------


class _HtmlText(HTMLParser):
    """HTML to plain text, leaving out scripts, styles and quoted history."""

    SKIPPED = {"script", "style", "head", "title", "blockquote"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping: list[str] = []

    def handle_starttag(self, tag, attrs):
        classes = dict(attrs).get("class") or ""
        if tag in self.SKIPPED or "gmail_quote" in classes or "moz-cite-prefix" in classes:
            self.skipping.append(tag)
        elif tag in BLOCK_TAGS and not self.skipping:
            self.parts.append("\n")

    def handle_startendtag(self, tag, attrs):
        if tag in ("br", "hr") and not self.skipping:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if self.skipping and self.skipping[-1] == tag:
            self.skipping.pop()
        elif tag in BLOCK_TAGS and not self.skipping:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)

    def text(self) -> str:
        lines = [" ".join(line.split()) for line in "".join(self.parts).splitlines()]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def html_to_text(html: str) -> str:
    parser = _HtmlText()
    parser.feed(html)
    parser.close()
    return parser.text()


def strip_quoted_reply(text: str) -> str:
    """What the person wrote, without the history their mail program quoted below it."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        joined = line + " " + (lines[index + 1] if index + 1 < len(lines) else "")
        if any(pattern.match(line) for pattern in QUOTE_STARTS) or (
            line.strip().startswith("On ") and QUOTE_STARTS[1].match(joined)
        ):
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line.rstrip())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()


def _body_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, UnicodeError):
        content = part.get_payload(decode=True).decode("utf-8", errors="replace")
    if part.get_content_subtype() == "html":
        content = html_to_text(content)
    return strip_quoted_reply(content)


def _attachments(message: EmailMessage) -> list[tuple[str, bytes]]:
    files = []
    for part in message.iter_attachments():
        filename = part.get_filename()
        if not filename:
            continue  # inline parts without a name (signature logos, ...)
        data = part.get_payload(decode=True)
        if data is None:
            continue
        files.append((filename, data))
    return files


def _header(message: EmailMessage, name: str) -> str:
    try:
        value = message.get(name)
    except (ValueError, IndexError):  # a header the parser cannot read is no header
        return ""
    return " ".join(str(value).split()) if value is not None else ""


def _addresses(message: EmailMessage, name: str) -> list[str]:
    try:
        values = [str(value) for value in message.get_all(name, [])]
    except (ValueError, IndexError):
        return []
    return [address.strip().lower() for _, address in getaddresses(values) if "@" in address]


def _readable(extract, message: EmailMessage, empty):
    """What `extract` finds in the message; broken MIME yields `empty` rather than a message
    the sending server would retry for days."""
    try:
        return extract(message)
    except Exception:
        logger.warning("could not read the %s of an inbound email", extract.__name__, exc_info=True)
        return empty


def parse_email(raw: bytes) -> ParsedEmail:
    message = BytesParser(policy=policy.default).parsebytes(raw)
    message_id = _header(message, "Message-ID")
    if not message_id:
        # Without one, the content itself identifies a redelivery.
        message_id = f"<sha256.{hashlib.sha256(raw).hexdigest()}@itops.invalid>"
    name, address = parseaddr(_header(message, "From"))
    return ParsedEmail(
        message_id=message_id[:MESSAGE_ID_MAX],
        sender=address.strip().lower(),
        sender_name=name.strip(),
        subject=_header(message, "Subject")[:SUBJECT_MAX],
        body=_readable(_body_text, message, ""),
        attachments=_readable(_attachments, message, []),
        cc=_addresses(message, "Cc"),
        message=message,
    )


# --- deciding -----------------------------------------------------------------------------------


def drop_reason(parsed: ParsedEmail, *, envelope_sender: str | None) -> str:
    """Why the message must not be answered or acted on ("" when it is a person's mail)."""
    message = parsed.message
    if not parsed.sender:
        return "no sender address"
    if parsed.sender in outbound.our_addresses():
        if outbound.is_our_message_id(_header(message, "In-Reply-To")):
            return "loop: our own message came back"
        return "loop: sent from the desk's own address"
    if envelope_sender is not None and envelope_sender.strip("<>") == "":
        return "bounce: empty return path"
    if _header(message, "Return-Path").replace(" ", "") == "<>":
        return "bounce: empty return path"
    if ROBOT_SENDERS.match(parsed.sender):
        return f"bounce or robot sender {parsed.sender}"
    auto_submitted = _header(message, "Auto-Submitted").lower()
    if auto_submitted and auto_submitted != "no":
        return f"auto-reply: Auto-Submitted {auto_submitted}"
    for name in ("X-Autoreply", "X-Autorespond"):
        if _header(message, name):
            return f"auto-reply: {name}"
    precedence = _header(message, "Precedence").lower()
    if precedence in BULK_PRECEDENCE:
        return f"bulk mail: Precedence {precedence}"
    if _header(message, "List-Id"):
        return "mailing list: List-Id"
    since = timezone.now() - timedelta(hours=1)
    recent = InboundEmail.objects.filter(sender=parsed.sender, received_at__gte=since).count()
    if recent > settings.ITOPS_INBOUND_EMAIL_RATE_LIMIT:
        limit = settings.ITOPS_INBOUND_EMAIL_RATE_LIMIT
        return f"rate limit: more than {limit} messages from {parsed.sender} within an hour"
    return ""


def sender_user(address: str) -> User | None:
    return User.objects.filter(email__iexact=address, is_active=True).order_by("id").first()


def _guest_caller(parsed: ParsedEmail) -> User:
    """An end user for an unknown address: no password (they may reset one), named as the
    mail names them."""
    base = "guest-" + (slugify(parsed.sender.partition("@")[0]) or "caller")
    username, suffix = base[:140], 1
    while User.objects.filter(username=username).exists():
        suffix += 1
        username = f"{base[:140]}-{suffix}"
    first, _, last = parsed.sender_name.partition(" ")
    user = User(
        username=username, email=parsed.sender, first_name=first[:150], last_name=last[:150]
    )
    user.set_unusable_password()
    user.save()
    set_roles(user=user, roles=[Role.END_USER])
    return user


def _copied_users(parsed: ParsedEmail, *, caller: User) -> list[User]:
    """Known people in Cc follow the new ticket as watchers (never the desk itself)."""
    addresses = set(parsed.cc) - outbound.our_addresses() - {parsed.sender}
    if not addresses:
        return []
    users = [user for address in sorted(addresses) if (user := sender_user(address))]
    return [user for user in users if user.pk != caller.pk]


def _store_attachments(ticket: Ticket, parsed: ParsedEmail, *, by: User, comment=None) -> list:
    """Attach what the limits allow; returns the refusals as "name: reason"."""
    refused = []
    for filename, data in parsed.attachments:
        try:
            with transaction.atomic():
                desk.add_attachment(
                    ticket=ticket,
                    upload=ContentFile(data, name=filename),
                    by=by,
                    comment=comment,
                    filename=filename,
                )
        except (DomainError, PermissionDenied) as error:
            refused.append(f"{filename}: {getattr(error, 'message', None) or error}")
    return refused


def _note_refused_attachments(ticket: Ticket, refused: list[str]) -> None:
    if refused:
        lines = "\n".join(f"- {line}" for line in refused)
        body = f"Attachments of the email that were not stored:\n{lines}"
        post_comment(ticket=ticket, author=None, body=body, internal=True)


def _reply(parsed: ParsedEmail, ticket: Ticket) -> Decision:
    user = sender_user(parsed.sender)
    if user is None:
        return Decision(InboundOutcome.REFUSED, f"{parsed.sender} is not a known user", ticket)
    if not parsed.body:
        return Decision(InboundOutcome.REFUSED, "the reply has no text", ticket)
    # Answering a work-note email writes a work note: it must not reach the caller.
    internal = outbound.answers_work_note(_header(parsed.message, "In-Reply-To"))
    if internal and not is_staff_member(user):
        reason = f"{parsed.sender} answered a work note but is not service desk staff"
        return Decision(InboundOutcome.REFUSED, reason, ticket)
    if ticket.state in FINAL_STATES and not internal and _may_comment(ticket, user):
        # A closed ticket takes no comments: the caller's news becomes a follow-up ticket.
        state = ticket.get_state_display().lower()
        return _new_ticket(
            parsed,
            preface=f"Follow-up to {ticket.number}, which is {state}.",
            reason=f"{ticket.number} is {state}: opened a follow-up",
        )
    try:
        with transaction.atomic():
            comment = desk.add_comment(
                ticket=ticket, author=user, body=parsed.body, internal=internal
            )
    except PermissionDenied:
        reason = f"{parsed.sender} may not comment on {ticket.number}"
        return Decision(InboundOutcome.REFUSED, reason, ticket)
    except DomainError as error:
        return Decision(InboundOutcome.REFUSED, str(error.message)[:300], ticket)
    refused = _store_attachments(ticket, parsed, by=user, comment=comment)
    _note_refused_attachments(ticket, refused)
    return Decision(InboundOutcome.COMMENTED, "as a work note" if internal else "", ticket)


def _may_comment(ticket: Ticket, user: User) -> bool:
    return (
        is_staff_member(user)
        or ticket.caller_id == user.pk
        or ticket.watchers.filter(pk=user.pk).exists()
    )


def _new_ticket(parsed: ParsedEmail, *, preface: str = "", reason: str = "") -> Decision:
    user = sender_user(parsed.sender)
    if user is None:
        if settings.ITOPS_INBOUND_UNKNOWN_SENDERS != "guest":
            return Decision(InboundOutcome.REFUSED, f"unknown sender {parsed.sender}")
        user = _guest_caller(parsed)
    subject = " ".join(parsed.subject.split())
    first_line = next((line for line in parsed.body.splitlines() if line.strip()), "")
    short = (subject or first_line or "Email without a subject")[:200]
    ticket = desk.open_incident(
        by=user,
        caller=user,
        short_description=short,
        description=(f"{preface}\n\n{parsed.body}" if preface else parsed.body)[:MAX_TEXT_LENGTH],
        source=TicketSource.EMAIL,
        watchers=_copied_users(parsed, caller=user),
    )
    refused = _store_attachments(ticket, parsed, by=user)
    _note_refused_attachments(ticket, refused)
    return Decision(InboundOutcome.CREATED, reason, ticket)


def _decide(parsed: ParsedEmail, *, envelope_sender: str | None) -> Decision:
    reason = drop_reason(parsed, envelope_sender=envelope_sender)
    if reason:
        return Decision(InboundOutcome.DROPPED, reason)
    number = replied_ticket_number(parsed)
    if number:
        ticket = Ticket.objects.filter(number=number).first()
        if ticket is not None:
            return _reply(parsed, ticket.as_kind())
    return _new_ticket(parsed)


def replied_ticket_number(parsed: ParsedEmail) -> str:
    """The ticket a reply is about: the number in the subject, else the number in our own
    Message-ID it answers (mail programs that rewrite subjects keep the headers)."""
    match = TICKET_NUMBER.search(parsed.subject)
    if match:
        return match[1].upper()
    for name in ("In-Reply-To", "References"):
        value = _header(parsed.message, name)
        if outbound.is_our_message_id(value):
            match = OUR_TICKET_ID.search(value)
            if match:
                return match[1].upper()
    return ""


@dataclass
class Receipt:
    log: InboundEmail
    duplicate: bool


def receive_email(*, raw: bytes, envelope_sender: str | None = None) -> Receipt:
    """Handle one message to the desk address, once per Message-ID; durable on return."""
    parsed = parse_email(raw)
    with transaction.atomic():
        try:
            with transaction.atomic():
                log = InboundEmail.objects.create(
                    message_id=parsed.message_id,
                    sender=parsed.sender[:254],
                    subject=parsed.subject,
                    outcome=InboundOutcome.DROPPED,
                    size=len(raw),
                )
        except IntegrityError:
            existing = InboundEmail.objects.get(message_id=parsed.message_id)
            return Receipt(existing, duplicate=True)
        decision = _decide(parsed, envelope_sender=envelope_sender)
        log.outcome, log.reason, log.ticket = (
            decision.outcome,
            decision.reason[:300],
            decision.ticket,
        )
        log.save(update_fields=["outcome", "reason", "ticket"])
    logger.info(
        "inbound email %s from %s: %s %s",
        parsed.message_id,
        parsed.sender or "?",
        log.outcome,
        log.reason or (log.ticket.number if log.ticket else ""),
    )
    return Receipt(log, duplicate=False)
