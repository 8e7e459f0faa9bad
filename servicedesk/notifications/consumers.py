"""WebSocket of the bell: a signed-in person's pages join their group and relay what the
notify task pushes (rendered htmx fragments)."""

from channels.generic.websocket import AsyncWebsocketConsumer

from servicedesk.notifications.selectors import group_name_for


class NotificationConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        self.group = group_name_for(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        group = getattr(self, "group", None)
        if group is not None:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        """The page sends nothing the server needs; ignore it."""

    async def notification_push(self, event):
        await self.send(text_data=event["html"])
