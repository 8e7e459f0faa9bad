"""The ticket API's views on a few long-lived threads, so database connections persist.

Django's ASGI handler runs each request's synchronous code in a thread made for that request,
and a database connection belongs to its thread: every API request would open a new
PostgreSQL connection (several milliseconds) and a burst would open as many connections as
requests. With persistent connections (ITOPS_DB_CONN_MAX_AGE > 0) the ticket API's views run
on ITOPS_API_THREADS threads instead (per server process), each keeping its connection, and
requests beyond that wait their turn. With CONN_MAX_AGE = 0 they run the Django way.

The monitoring receivers do the same for ingestion (monitoring.receivers.http)."""

import functools
import threading
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections, connections


class _ApiThreads:
    def __init__(self):
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None

    def executor(self) -> ThreadPoolExecutor | None:
        if not settings.ITOPS_API_THREADS or not connections["default"].settings_dict.get(
            "CONN_MAX_AGE"
        ):
            return None
        if self._executor is None:
            with self._lock:
                if self._executor is None:
                    self._executor = ThreadPoolExecutor(
                        max_workers=settings.ITOPS_API_THREADS, thread_name_prefix="api"
                    )
        return self._executor

    def shutdown(self) -> None:
        """Close each thread's database connection and stop the threads (tests, shutdown)."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is None:
            return
        size = executor._max_workers
        barrier = threading.Barrier(size)

        def close_own_connections():
            barrier.wait(timeout=10)  # every thread takes exactly one of these
            connections.close_all()

        for _ in range(size):
            executor.submit(close_own_connections)
        executor.shutdown(wait=True)


api_threads = _ApiThreads()


def _in_api_thread(view, request, args, kwargs):
    # These threads see no request_started/finished signals: honour CONN_MAX_AGE and drop
    # broken connections here, before and after the work.
    close_old_connections()
    try:
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and not getattr(response, "is_rendered", True):
            response.render()  # render while the connection and the thread are ours
        return response
    finally:
        close_old_connections()


def on_api_threads(view):
    """Wrap a synchronous (DRF) view to run on the API threads when they are enabled."""

    @functools.wraps(view)
    async def pooled(request, *args, **kwargs):
        executor = api_threads.executor()
        if executor is None:
            return await sync_to_async(view)(request, *args, **kwargs)
        run = sync_to_async(_in_api_thread, thread_sensitive=False, executor=executor)
        return await run(view, request, args, kwargs)

    pooled.csrf_exempt = getattr(view, "csrf_exempt", False)
    return pooled
