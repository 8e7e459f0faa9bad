"""WebSocket routes of the service desk (collected by itops/routing.py)."""

from django.urls import path

from servicedesk import consumers

websocket_urlpatterns = [
    path("ws/desk/", consumers.DeskConsumer.as_asgi()),
]
