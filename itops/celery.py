"""The Celery app. Queues are named after the kind of work, so each can be scaled on its own."""

import os

from celery import Celery
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
