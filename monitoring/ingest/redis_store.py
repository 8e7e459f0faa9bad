"""The Redis connection that ingestion shares for latest values and counters."""

import threading

import redis
from django.conf import settings

_lock = threading.Lock()
_client: redis.Redis | None = None
_client_url: str | None = None

KEY_PREFIX = "itops:monitoring:"


def client() -> redis.Redis:
    """A process-wide client (its pool is thread-safe), rebuilt if REDIS_URL changed."""
    global _client, _client_url
    url = settings.REDIS_URL
    if _client is None or _client_url != url:
        with _lock:
            if _client is None or _client_url != url:
                _client = redis.Redis.from_url(
                    url, socket_connect_timeout=2, socket_timeout=5, health_check_interval=30
                )
                _client_url = url
    return _client
