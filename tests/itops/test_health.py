import httpx
import pytest

from tests.conftest import _free_port, run_platform_until


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


@pytest.mark.worker
def test_run_platform_starts_web_worker_and_beat_and_stops_them_on_ctrl_c(transactional_db):
    port = _free_port()

    def ready():
        try:
            return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5).status_code == 200
        except httpx.HTTPError:
            return False

    returncode, output = run_platform_until(ready, PORT=str(port))

    assert returncode == 0, output
    assert f"itops is running on http://127.0.0.1:{port}" in output
    assert "Stopped." in output
