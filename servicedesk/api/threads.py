"""The ticket API's views on a few long-lived threads (ITOPS_API_THREADS per server process),
so database connections persist between requests; see itops.connection_threads. The monitoring
receivers do the same for ingestion."""

import functools

from itops.connection_threads import ConnectionThreads

api_threads = ConnectionThreads(size_setting="ITOPS_API_THREADS", name="api")


def on_api_threads(view):
    """Wrap a synchronous (DRF) view to run on the API threads when they are enabled."""

    @functools.wraps(view)
    async def pooled(request, *args, **kwargs):
        return await api_threads.run(view, request, *args, **kwargs)

    pooled.csrf_exempt = getattr(view, "csrf_exempt", False)
    return pooled
