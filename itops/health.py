"""Readiness of the parts the platform needs: database, Redis and a live Celery worker."""

import time

import redis
from django.conf import settings
from django.db import connection


def _timed(check) -> dict:
    started = time.perf_counter()
    try:
        detail = check()
    except Exception as error:  # a readiness probe reports every failure, whatever its kind
        return {"ok": False, "error": f"{type(error).__name__}: {error}"}
    result = {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}
    if detail:
        result.update(detail)
    return result


def _database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _redis():
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    finally:
        client.close()


def _worker():
    from itops.celery import app

    replies = app.control.ping(timeout=settings.ITOPS_READYZ_WORKER_TIMEOUT)
    if not replies:
        raise RuntimeError(
            f"no Celery worker answered within {settings.ITOPS_READYZ_WORKER_TIMEOUT:g} s"
        )
    return {"workers": sorted(name for reply in replies for name in reply)}


def readiness() -> dict:
    checks = {"database": _timed(_database), "redis": _timed(_redis)}
    # Asking workers goes through Redis; without Redis the answer is known already.
    if checks["redis"]["ok"]:
        checks["worker"] = _timed(_worker)
    else:
        checks["worker"] = {"ok": False, "error": "Redis is down, so no worker can be reached"}
    down = [name for name, result in checks.items() if not result["ok"]]
    return {"status": "ok" if not down else "unavailable", "down": down, "checks": checks}
