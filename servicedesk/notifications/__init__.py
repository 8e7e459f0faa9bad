"""Notifications of the service desk: email out (ticket events), email in (the SMTP receiver
turns mail to the desk address into tickets and comments) and in-app notifications under the
navbar's bell, pushed live over WebSockets.

`setup()` is called from the service desk app's ready().
"""


def setup() -> None:
    from servicedesk.notifications import admin, selectors, signals, tasks  # noqa: F401
    from servicedesk.timeline import register_timeline_source

    signals.connect()
    register_timeline_source("servicedesk.inbound_email", selectors.inbound_email_entries)
