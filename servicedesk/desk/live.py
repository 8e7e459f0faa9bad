"""Live pushes to the agent console: what changed on which ticket, sent through the channel
layer once the change is committed.

The service desk's signals already fire on commit; the receivers here turn each into one
message to the desk group. Each console connection (servicedesk.consumers.DeskConsumer) checks
the ticket against its user's visibility before showing anything.
"""

from itops.live import send_to_group
from servicedesk import signals

DESK_GROUP = "servicedesk.desk"

# Signal -> what the banner says happened.
ACTIONS = {
    signals.ticket_opened: "opened",
    signals.ticket_updated: "updated",
    signals.ticket_state_changed: "changed state",
    signals.ticket_assigned: "reassigned",
    signals.comment_added: "commented",
    signals.attachment_added: "attached a file",
    signals.attachment_removed: "removed a file",
    signals.ticket_linked: "linked a record",
    signals.ticket_unlinked: "removed a link",
    signals.watcher_added: "changed watchers",
    signals.watcher_removed: "changed watchers",
}


def ticket_message(*, ticket, by, action: str, note: str = "") -> dict:
    name = None if by is None else (by.get_full_name() or by.username)
    return {
        "type": "ticket.changed",
        "ticket_id": ticket.pk,
        "number": ticket.number,
        "kind": ticket.kind,
        "state": ticket.state,
        "action": action,
        "note": note,
        "by_id": getattr(by, "pk", None),
        "by_name": name or "itops",
    }


def publish(message: dict) -> None:
    """Send to the desk group once the change is committed (the signals fire on commit)."""
    send_to_group(DESK_GROUP, message)


def _receiver(action: str):
    def receive(sender, *, ticket, by=None, **kwargs):
        note = ""
        comment = kwargs.get("comment")
        if comment is not None:
            note = "work note" if comment.is_internal else "comment"
        if "new_state" in kwargs:
            note = kwargs["new_state"]
        publish(ticket_message(ticket=ticket, by=by, action=action, note=note))

    return receive


_RECEIVERS = []


def connect() -> None:
    """Connect the receivers (ServicedeskConfig.ready)."""
    for signal, action in ACTIONS.items():
        receiver = _receiver(action)
        _RECEIVERS.append(receiver)  # signals hold weak references
        signal.connect(receiver, dispatch_uid=f"servicedesk.desk.live.{action}.{id(signal)}")
