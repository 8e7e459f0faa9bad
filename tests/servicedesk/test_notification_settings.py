"""Notification and email settings fail loudly at start-up on a bad value."""

import pytest

from tests.itops.test_settings import import_settings_with


@pytest.mark.parametrize(
    ("variable", "value", "complaint"),
    [
        ("ITOPS_DESK_EMAIL", "helpdesk", "ITOPS_DESK_EMAIL must be an email address"),
        ("ITOPS_BASE_URL", "help.example.com", "ITOPS_BASE_URL must be a URL with scheme"),
        ("ITOPS_INBOUND_SMTP_PORT", "smtp", "ITOPS_INBOUND_SMTP_PORT must be a whole number"),
        ("ITOPS_INBOUND_EMAIL_MAX_BYTES", "10", "ITOPS_INBOUND_EMAIL_MAX_BYTES must be at least"),
        ("ITOPS_INBOUND_UNKNOWN_SENDERS", "accept", "ITOPS_INBOUND_UNKNOWN_SENDERS must be one of"),
        ("ITOPS_INBOUND_EMAIL_RATE_LIMIT", "0", "ITOPS_INBOUND_EMAIL_RATE_LIMIT must be at least"),
        ("ITOPS_EMAIL_TIMEOUT", "0", "ITOPS_EMAIL_TIMEOUT must be at least 1"),
    ],
)
def test_a_bad_notification_setting_stops_start_up(variable, value, complaint):
    result = import_settings_with(**{variable: value})
    assert result.returncode != 0
    assert complaint in result.stderr


def test_the_sender_defaults_to_the_desk_address():
    import os
    import subprocess
    import sys

    from django.conf import settings

    environment = {k: v for k, v in os.environ.items() if not k.startswith("ITOPS_")}
    environment |= {"ITOPS_VAR_DIR": str(settings.VAR_DIR), "ITOPS_DESK_EMAIL": "Help@Example.com"}
    shown = subprocess.run(
        [sys.executable, "-c", "import itops.settings as s; print(s.DEFAULT_FROM_EMAIL)"],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shown.stdout.strip() == "itops <help@example.com>", shown.stderr


def test_starttls_and_implicit_tls_exclude_each_other():
    result = import_settings_with(ITOPS_EMAIL_USE_TLS="1", ITOPS_EMAIL_USE_SSL="1")
    assert result.returncode != 0
    assert "exclude each other" in result.stderr
