"""Tasks of the `notify` queue (routed by name in itops.celery). They take ids and plain data and
call the notification services."""

import logging
import smtplib

from celery import shared_task

from servicedesk.notifications import outbound, services

logger = logging.getLogger(__name__)
# SMTP trouble is usually passing (server restarting, greylisting, network): retry with
# exponential backoff from 30 s to 30 min, for about half a day. A 5xx answer is final.
RETRY_BASE_SECONDS = 30
RETRY_MAX_SECONDS = 1800
MAX_RETRIES = 30


@shared_task(bind=True, max_retries=MAX_RETRIES)
def send_email_task(self, message: dict) -> None:
    """Send one rendered message (see outbound.OutgoingEmail)."""
    try:
        outbound.send_email(message)
    except smtplib.SMTPResponseException as error:
        if 500 <= error.smtp_code < 600:
            logger.error("mail to %s refused for good: %s", message.get("to"), error)
            return
        raise _retry(self, error) from error
    except smtplib.SMTPRecipientsRefused as error:
        logger.error("mail to %s refused for good: %s", message.get("to"), error.recipients)
    except OSError as error:  # SMTPException, refused connections, timeouts
        raise _retry(self, error) from error


def _retry(task, error: Exception):
    countdown = min(RETRY_MAX_SECONDS, RETRY_BASE_SECONDS * 2**task.request.retries)
    return task.retry(exc=error, countdown=countdown, throw=False)  # raised by the caller


@shared_task
def notify_ticket_event_task(
    *,
    event: str,
    ticket_id: int,
    actor_id: int | None = None,
    comment_id: int | None = None,
    approval_id: int | None = None,
    old_group_id: int | None = None,
    old_assignee_id: int | None = None,
    task_id: int | None = None,
    event_id: str | None = None,
    send_email: bool = True,
) -> int:
    return services.deliver_ticket_event_once(
        event_id=event_id,
        event=event,
        ticket_id=ticket_id,
        actor_id=actor_id,
        comment_id=comment_id,
        approval_id=approval_id,
        old_group_id=old_group_id,
        old_assignee_id=old_assignee_id,
        task_id=task_id,
        send_email=send_email,
    )


@shared_task
def notify_push_task(notification_ids: list[int]) -> None:
    """Push the bell's new state to the recipients' open pages."""
    from servicedesk.notifications import live

    live.push_notifications(notification_ids)
