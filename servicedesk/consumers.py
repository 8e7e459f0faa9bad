"""WebSocket consumers of the service desk: thin, they join a group and relay."""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.template.loader import render_to_string

from itops.roles import is_staff_member
from servicedesk.desk.live import DESK_GROUP
from servicedesk.selectors import ticket_list

FORBIDDEN = 4403


def _may_use_desk(user) -> bool:
    return user is not None and user.is_authenticated and is_staff_member(user)


def _may_see(user, ticket_id: int) -> bool:
    return ticket_list(user=user).filter(pk=ticket_id).exists()


class DeskConsumer(AsyncWebsocketConsumer):
    """/ws/desk/?view=queue: counts tickets created or changed by others since the page
    loaded; /ws/desk/?ticket=INC0001001: tells the ticket page someone else changed it.
    Sends HTML fragments that htmx-ext-ws swaps in by id (out of band)."""

    async def connect(self):
        self.user = self.scope.get("user")
        if not await database_sync_to_async(_may_use_desk)(self.user):
            await self.close(code=FORBIDDEN)
            return
        params = dict(
            part.split("=", 1)
            for part in self.scope.get("query_string", b"").decode().split("&")
            if "=" in part
        )
        self.ticket_number = params.get("ticket", "").upper()
        self.changed: dict[str, dict] = {}
        await self.channel_layer.group_add(DESK_GROUP, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        await self.channel_layer.group_discard(DESK_GROUP, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        """Clients only listen; anything they send is ignored."""

    async def ticket_changed(self, event):
        if event.get("by_id") == self.user.pk:
            return
        if self.ticket_number and event["number"] != self.ticket_number:
            return
        if not await database_sync_to_async(_may_see)(self.user, event["ticket_id"]):
            return
        if self.ticket_number:
            html = render_to_string("servicedesk/desk/inc/live_ticket.html", {"event": event})
        else:
            self.changed[event["number"]] = event
            html = render_to_string(
                "servicedesk/desk/inc/live_queue.html",
                {"count": len(self.changed), "latest": event},
            )
        await self.send(text_data=html)
