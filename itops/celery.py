"""The Celery app. Queues are named after the kind of work, so each can be scaled on its own."""

import logging
import os

from celery import Celery
from celery.signals import after_setup_logger
from kombu import Exchange, Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "itops.settings")

QUEUES = ("ingest", "collect", "correlate", "sla", "notify", "default")

app = Celery("itops")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = [Queue(name, Exchange(name), routing_key=name) for name in QUEUES]
app.conf.task_default_queue = "default"
# Tasks are routed by the module they live in; a task may still name its queue explicitly.
app.conf.task_routes = {
    "monitoring.tasks.ingest_*": {"queue": "ingest"},
    "monitoring.tasks.collect_*": {"queue": "collect"},
    "monitoring.tasks.correlate_*": {"queue": "correlate"},
    "slas.tasks.*": {"queue": "sla"},
    "*.tasks.notify_*": {"queue": "notify"},
    "*.tasks.send_*": {"queue": "notify"},
}
app.autodiscover_tasks()


@after_setup_logger.connect
def quieten_routine_task_lines(**_kwargs):
    """Collectors run every few seconds: a line per task received, succeeded, scheduled or scrape would
    bury everything else. They show with ITOPS_LOG_LEVEL=DEBUG; failures show always."""
    from django.conf import settings

    if settings.LOG_LEVEL != "DEBUG":
        for name in ("celery.app.trace", "celery.worker.strategy", "celery.beat", "httpx"):
            logging.getLogger(name).setLevel(logging.WARNING)
