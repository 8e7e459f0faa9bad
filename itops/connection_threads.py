"""Long-lived threads for synchronous request work, so database connections persist.

Django's ASGI handler runs each request's synchronous code in a thread made for that request,
and a database connection belongs to its thread: with persistent connections
(ITOPS_DB_CONN_MAX_AGE > 0) every request would still open a new PostgreSQL connection
(several milliseconds) and a burst would open as many connections as requests. Hot paths (the
metric receivers, the ticket API) run on a small pool of these threads instead, each keeping
its connection as long as CONN_MAX_AGE allows; requests beyond the pool wait their turn. With
CONN_MAX_AGE = 0 (connections closed after each request anyway) they run the Django way.
"""

import functools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections, connections


class ConnectionThreads:
    """A pool sized by the setting `size_setting`, started on first use."""

    def __init__(self, *, size_setting: str, name: str):
        self.size_setting = size_setting
        self.name = name
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None

    def executor(self) -> ThreadPoolExecutor | None:
        size = getattr(settings, self.size_setting)
        if not size or not connections["default"].settings_dict.get("CONN_MAX_AGE"):
            return None
        if self._executor is None:
            with self._lock:
                if self._executor is None:
                    self._executor = ThreadPoolExecutor(
                        max_workers=size, thread_name_prefix=self.name
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

    async def run(self, work: Callable, *args, **kwargs):
        """Run `work(*args, **kwargs)` on the pool, or the Django way when it is off."""
        executor = self.executor()
        if executor is None:
            return await sync_to_async(work)(*args, **kwargs)
        pooled = sync_to_async(keeping_connection, thread_sensitive=False, executor=executor)
        return await pooled(functools.partial(work, *args, **kwargs))


def keeping_connection(work: Callable):
    # Pool threads see no request_started/finished signals: honour CONN_MAX_AGE and drop
    # broken connections here, before and after the work.
    close_old_connections()
    try:
        response = work()
        if hasattr(response, "render") and not getattr(response, "is_rendered", True):
            response.render()  # render while the connection and the thread are ours
        return response
    finally:
        close_old_connections()
