import os
import signal
import subprocess
import sys

import httpx
import pytest
from django.conf import settings
from django.db import connection

from tests.conftest import _free_port, wait_for


def test_healthz_answers_while_the_process_lives(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.worker
def test_readyz_reports_ready_with_a_live_worker_and_names_the_worker_when_it_stops(
    transactional_db, client
):
    from celery.contrib.testing.worker import start_worker

    from itops.celery import QUEUES, app

    with start_worker(app, pool="threads", perform_ping_check=False, queues=list(QUEUES)):
        ready = client.get("/readyz")
    stopped = client.get("/readyz")

    assert ready.status_code == 200, ready.json()
    assert ready.json()["checks"]["worker"]["ok"] is True
    assert stopped.status_code == 503
    assert stopped.json()["down"] == ["worker"]
    assert "no Celery worker answered" in stopped.json()["checks"]["worker"]["error"]
    assert stopped.json()["checks"]["database"]["ok"] is True


def test_readyz_reports_redis_down(db, client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"

    response = client.get("/readyz")

    assert response.status_code == 503
    assert set(response.json()["down"]) == {"redis", "worker"}
    assert "ConnectionError" in response.json()["checks"]["redis"]["error"]


def _database_url() -> str:
    params = connection.settings_dict
    if settings.USING_POSTGRES:
        host = params["HOST"] or "127.0.0.1"
        return f"postgres://{params['USER']}@{host}:{params['PORT'] or 5432}/{params['NAME']}"
    return f"sqlite:///{params['NAME']}"


@pytest.mark.worker
def test_run_platform_starts_web_worker_and_beat_and_stops_them_on_ctrl_c(transactional_db):
    port = _free_port()
    environment = os.environ | {"PORT": str(port), "DATABASE_URL": _database_url()}
    process = subprocess.Popen(
        [sys.executable, "manage.py", "run_platform", "--no-prepare"],
        cwd=settings.BASE_DIR,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:

        def ready():
            try:
                return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5).status_code == 200
            except httpx.HTTPError:
                return False

        wait_for(ready, timeout=60, interval=0.5, message="platform did not become ready")
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()

    assert process.returncode == 0, output
    assert f"itops is running on http://127.0.0.1:{port}" in output
    assert "Stopped." in output
