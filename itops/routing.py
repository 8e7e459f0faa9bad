"""WebSocket routes of every app (wiring: the one place that imports them all)."""

from importlib import import_module

websocket_urlpatterns = []
for app_name in (
    "itops",
    "cmdb",
    "servicedesk",
    "servicedesk.notifications",
    "changes",
    "slas",
    "monitoring",
):
    try:
        module = import_module(f"{app_name}.ws_urls")
    except ModuleNotFoundError as missing:
        if missing.name != f"{app_name}.ws_urls":
            raise
        continue
    websocket_urlpatterns += module.websocket_urlpatterns
