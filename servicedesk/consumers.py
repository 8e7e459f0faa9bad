"""WebSocket consumers of the service desk: thin, they join a group and relay."""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.template.loader import render_to_string

from itops.roles import is_staff_member
from servicedesk.desk import queues
from servicedesk.desk.live import DESK_GROUP
from servicedesk.selectors import ticket_list

FORBIDDEN = 4403


def _may_use_desk(user) -> bool:
    return user is not None and user.is_authenticated and is_staff_member(user)


def _may_see(user, ticket_id: int) -> bool:
    return ticket_list(user=user).filter(pk=ticket_id).exists()


def _in_queue(user, ticket_id: int, queue: str, filters: dict) -> bool:
    """Whether the ticket is (now) in the queue the page shows, as the page would filter it."""
    try:
        tickets = queues.queue_tickets(
            user=user, queue=queue, filters=filters, team_ids=queues.team_ids_of(user)
        )
    except ValidationError:
        return _may_see(user, ticket_id)
    return tickets.filter(pk=ticket_id).exists()


class DeskConsumer(AsyncWebsocketConsumer):
    """/ws/desk/?view=queue&queue=...&<filters>: counts the tickets of that queue (as the page
    filters it) that others created or changed since the page loaded;
    /ws/desk/?ticket=INC0001001: tells the ticket page someone else changed it.
    Sends HTML fragments that htmx-ext-ws swaps in by id (out of band)."""

    async def connect(self):
        self.user = self.scope.get("user")
        if not await database_sync_to_async(_may_use_desk)(self.user):
            await self.close(code=FORBIDDEN)
            return
        params = QueryDict(self.scope.get("query_string", b"").decode())
        self.ticket_number = params.get("ticket", "").upper()
        queue = params.get("queue") or queues.DEFAULT_QUEUE
        self.queue = queue if queue in queues.QUEUE_BY_KEY else "all"
        self.filters = queues.filter_values(params)
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
        if self.ticket_number:
            if not await database_sync_to_async(_may_see)(self.user, event["ticket_id"]):
                return
            html = render_to_string("servicedesk/desk/inc/live_ticket.html", {"event": event})
        else:
            in_queue = await database_sync_to_async(_in_queue)(
                self.user, event["ticket_id"], self.queue, self.filters
            )
            if not in_queue:
                return
            self.changed[event["number"]] = event
            html = render_to_string(
                "servicedesk/desk/inc/live_queue.html",
                {"count": len(self.changed), "latest": event},
            )
        await self.send(text_data=html)
