"""The SMTP receiver of the desk address (aiosmtpd). The handler stays thin: it refuses other
recipients (550) and hands each message to `inbound.receive_email()` on a worker thread,
answering 250 only once the outcome is committed (451 if it could not be stored, so the
sending server tries again). aiosmtpd answers 552 itself for messages over the size limit."""

import logging

from aiosmtpd.controller import Controller
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections

from servicedesk.notifications import inbound

logger = logging.getLogger(__name__)


def _receive(raw: bytes, envelope_sender: str | None):
    close_old_connections()
    try:
        return inbound.receive_email(raw=raw, envelope_sender=envelope_sender)
    finally:
        close_old_connections()


class DeskMailHandler:
    def __init__(self, *, desk_address: str | None = None):
        self.desk_address = (desk_address or settings.ITOPS_DESK_EMAIL).lower()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() != self.desk_address:
            return f"550 5.1.1 <{address}>: this server only receives mail for the service desk"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", errors="surrogateescape")
        try:
            receipt = await sync_to_async(_receive, thread_sensitive=False)(raw, envelope.mail_from)
        except Exception:
            logger.exception("could not store an inbound email from %s", envelope.mail_from)
            return "451 4.3.0 The message could not be stored; please try again later"
        if receipt.duplicate:
            return "250 2.0.0 Already received"
        return "250 2.0.0 Received"


def build_controller(*, host: str | None = None, port: int | None = None) -> Controller:
    return Controller(
        DeskMailHandler(),
        hostname=host or settings.ITOPS_INBOUND_SMTP_HOST,
        port=settings.ITOPS_INBOUND_SMTP_PORT if port is None else port,
        data_size_limit=settings.ITOPS_INBOUND_EMAIL_MAX_BYTES,
        ident="itops desk",
        server_hostname="itops",
    )
