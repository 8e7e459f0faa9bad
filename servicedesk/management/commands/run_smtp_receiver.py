"""Receive mail for the desk address over SMTP (run_platform starts this when
ITOPS_INBOUND_SMTP_PORT is set)."""

import logging
import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from servicedesk.notifications.smtp import build_controller


class Command(BaseCommand):
    help = "Run the SMTP receiver: mail to ITOPS_DESK_EMAIL opens tickets and adds comments."

    def add_arguments(self, parser):
        parser.add_argument("--host", help="default: ITOPS_INBOUND_SMTP_HOST")
        parser.add_argument("--port", type=int, help="default: ITOPS_INBOUND_SMTP_PORT")

    def handle(self, *args, host=None, port=None, **options):
        port = port if port is not None else settings.ITOPS_INBOUND_SMTP_PORT
        if not port:
            raise CommandError("Set ITOPS_INBOUND_SMTP_PORT (or pass --port).")
        if options["verbosity"] < 2:
            # aiosmtpd logs every SMTP command at INFO; our own log line per message is enough.
            logging.getLogger("mail.log").setLevel(logging.WARNING)
        controller = build_controller(host=host, port=port)
        stop = threading.Event()
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            controller.start()
        except OSError as error:
            raise CommandError(f"cannot listen on {controller.hostname}:{port}: {error}") from None
        self.stdout.write(
            f"smtp: receiving mail for {settings.ITOPS_DESK_EMAIL} on "
            f"{controller.hostname}:{port} (at most {settings.ITOPS_INBOUND_EMAIL_MAX_BYTES} bytes)"
        )
        try:
            stop.wait()
        finally:
            controller.stop()
            self.stdout.write("smtp: stopped")
