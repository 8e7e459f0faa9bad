"""Live pushes to the agent console: what changed on which ticket, sent through the channel
layer once the change is committed.

The service desk's signals already fire on commit; the receivers here turn each into one
message to the desk group. Each console connection (servicedesk.consumers.DeskConsumer) checks
the ticket against its user's visibility before showing anything.
"""

import asyncio
import logging
import threading
import time

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from servicedesk import signals

logger = logging.getLogger(__name__)

DESK_GROUP = "servicedesk.desk"
SEND_TIMEOUT_SECONDS = 5
OUTAGE_PAUSE_SECONDS = 30

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


def _group_send(message: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    async_to_sync(layer.group_send)(DESK_GROUP, message)


def _in_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


class _Outage:
    """After a failed send, skip live pushes for a while: a channel layer that is down
    would otherwise cost every ticket change a connection attempt and a log line."""

    def __init__(self):
        self.until = 0.0

    def active(self) -> bool:
        return time.monotonic() < self.until

    def record(self, message: dict, error: Exception) -> None:
        self.until = time.monotonic() + OUTAGE_PAUSE_SECONDS
        logger.warning(
            "live push of %s not sent (%s); pausing live pushes for %d s",
            message.get("number"),
            error,
            OUTAGE_PAUSE_SECONDS,
        )


outage = _Outage()


def publish(message: dict) -> None:
    """Send to the desk group from sync code, also when this thread runs an event loop of
    its own (async_to_sync refuses to run there, so a short-lived thread sends).

    Live pushes are a convenience: when the channel layer is down the change is committed
    anyway, so a failure is a warning, never an error for the caller."""
    if outage.active():
        return
    if not _in_event_loop():
        _safe_group_send(message)
        return
    sender = threading.Thread(target=_safe_group_send, args=(message,), daemon=True)
    sender.start()
    sender.join(SEND_TIMEOUT_SECONDS)


def _safe_group_send(message: dict) -> None:
    try:
        _group_send(message)
    except Exception as error:
        outage.record(message, error)


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
