"""The service desk's own timeline sources and the merge of every registered source."""

from auditlog.models import LogEntry

from itops.audit import history_for
from itops.roles import is_staff_member
from servicedesk.models import Ticket
from servicedesk.rendering import render_markdown
from servicedesk.selectors.conversation import attachments_for, comments_for
from servicedesk.selectors.tickets import ticket_links
from servicedesk.timeline import TimelineEntry, timeline_sources

# The state change entry already says when these moved; repeating the stamps is noise.
STATE_STAMPS = {"state", "resolved_at", "closed_at", "known_error_at"}
# Field changes an end user sees on their own ticket; the rest (routing, CIs, links) is desk
# business.
CALLER_VISIBLE_FIELDS = frozenset(
    {
        "short_description",
        "description",
        "priority",
        "on_hold_reason",
        "resolution_code",
        "resolution_notes",
        "assignment_group",
        "assignee",
    }
)
_EMPTY = {"None", "", None}


def _name(user) -> str | None:
    return None if user is None else (user.get_full_name() or user.username)


def comment_entries(*, ticket: Ticket, user, staff: bool):
    for comment in comments_for(ticket=ticket, user=user):
        yield TimelineEntry(
            at=comment.created_at,
            kind="work_note" if comment.is_internal else "comment",
            title="Work note" if comment.is_internal else "Comment",
            actor=_name(comment.author),
            body_html=render_markdown(comment.body),
            internal=comment.is_internal,
            data={"comment_id": comment.pk},
        )


def attachment_entries(*, ticket: Ticket, user, staff: bool):
    for attachment in attachments_for(ticket=ticket, user=user).select_related("comment"):
        yield TimelineEntry(
            at=attachment.uploaded_at,
            kind="attachment",
            title=f"Attached {attachment.filename}",
            actor=_name(attachment.uploaded_by),
            internal=attachment.is_internal,
            data={
                "attachment_id": attachment.pk,
                "filename": attachment.filename,
                "size": attachment.size,
            },
        )


def link_entries(*, ticket: Ticket, user, staff: bool):
    if not staff:
        return
    for link in ticket_links(ticket):
        target = link.target
        yield TimelineEntry(
            at=link.created_at,
            kind="link",
            title=f"{link.get_link_type_display()} {link.content_type.name} {target or link.object_id}",
            actor=_name(link.created_by),
            internal=True,
            data={
                "link_id": link.pk,
                "link_type": link.link_type,
                "model": f"{link.content_type.app_label}.{link.content_type.model}",
                "object_id": link.object_id,
            },
        )


class _ValueNames:
    """Turns the raw values audit entries store (ids, choice keys) into what people read."""

    def __init__(self):
        self._cache: dict[tuple[str, str], str] = {}

    def __call__(self, field_name: str, raw) -> str | None:
        if raw in _EMPTY:
            return None
        try:
            field = Ticket._meta.get_field(field_name)
        except Exception:
            return str(raw)
        if field.choices:
            return str(dict(field.flatchoices).get(_coerce(field, raw), raw))
        if field.is_relation and field.many_to_one:
            key = (field_name, str(raw))
            if key not in self._cache:
                related = field.related_model._default_manager.filter(pk=raw).first()
                self._cache[key] = str(related) if related is not None else f"#{raw}"
            return self._cache[key]
        return str(raw)


def _coerce(field, raw):
    try:
        return field.to_python(raw)
    except Exception:
        return raw


def history_entries(*, ticket: Ticket, user, staff: bool):
    names = _ValueNames()
    for entry in history_for(ticket):
        actor = _name(entry.actor)
        if entry.action == LogEntry.Action.CREATE:
            yield TimelineEntry(
                at=entry.timestamp, kind="opened", title=f"Opened {ticket.number}", actor=actor
            )
            continue
        if entry.action != LogEntry.Action.UPDATE:
            continue
        changes = entry.changes_dict or {}
        state = changes.get("state")
        if isinstance(state, list):
            old, new = (names("state", value) for value in state)
            yield TimelineEntry(
                at=entry.timestamp,
                kind="state",
                title=f"State: {old} → {new}",
                actor=actor,
                data={"old": state[0], "new": state[1]},
            )
        fields = {}
        for field_name, values in changes.items():
            if field_name in STATE_STAMPS or not isinstance(values, list):
                continue  # many-to-many changes (watchers) are dicts: staff read /history/
            if not staff and field_name not in CALLER_VISIBLE_FIELDS:
                continue
            fields[field_name] = [names(field_name, value) for value in values]
        if fields:
            yield TimelineEntry(
                at=entry.timestamp,
                kind="field_change",
                title="Changed " + ", ".join(_label(field) for field in fields),
                actor=actor,
                data={"changes": fields},
            )


def _label(field_name: str) -> str:
    try:
        return str(Ticket._meta.get_field(field_name).verbose_name)
    except Exception:
        return field_name


def ticket_timeline(*, ticket: Ticket, user) -> list[TimelineEntry]:
    """Everything that happened to `ticket` that `user` may see, oldest first. The caller
    must already have found the ticket through `visible_tickets(user)`."""
    staff = is_staff_member(user)
    entries: list[TimelineEntry] = []
    for source in timeline_sources().values():
        entries.extend(source(ticket=ticket, user=user, staff=staff))
    if not staff:
        entries = [entry for entry in entries if not entry.internal]
    entries.sort(key=lambda entry: entry.at)
    return entries
