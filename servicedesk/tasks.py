from celery import shared_task

from servicedesk import services


@shared_task
def auto_close_resolved_tickets_task() -> int:
    """Beat: close tickets resolved longer than ITOPS_AUTO_CLOSE_DAYS ago."""
    return services.close_resolved_tickets()
