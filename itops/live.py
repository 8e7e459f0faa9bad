"""Sending to Channels groups from sync code: signal receivers and Celery tasks push live
updates to open pages through the channel layer.

A live push is a convenience: when the channel layer is down the change it reports is
committed anyway, so a failed send is a warning, never an error for the caller, and further
sends pause for a while instead of each costing a connection attempt and a log line.
"""

import asyncio
import logging
import threading
import time

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)

SEND_TIMEOUT_SECONDS = 5
OUTAGE_PAUSE_SECONDS = 30


class _Outage:
    def __init__(self):
        self.until = 0.0

    def active(self) -> bool:
        return time.monotonic() < self.until

    def record(self, group: str, error: Exception) -> None:
        self.until = time.monotonic() + OUTAGE_PAUSE_SECONDS
        logger.warning(
            "live push to %s not sent (%s); pausing live pushes for %d s",
            group,
            error,
            OUTAGE_PAUSE_SECONDS,
        )


outage = _Outage()


def _group_send(group: str, message: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    async_to_sync(layer.group_send)(group, message)


def _safe_group_send(group: str, message: dict) -> None:
    try:
        _group_send(group, message)
    except Exception as error:
        outage.record(group, error)


def _in_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def send_to_group(group: str, message: dict) -> None:
    """Send `message` to a channel layer group from sync code, also from a thread that runs an
    event loop of its own (async_to_sync refuses to run there, so a short-lived thread sends)."""
    if outage.active():
        return
    if not _in_event_loop():
        _safe_group_send(group, message)
        return
    sender = threading.Thread(target=_safe_group_send, args=(group, message), daemon=True)
    sender.start()
    sender.join(SEND_TIMEOUT_SECONDS)
