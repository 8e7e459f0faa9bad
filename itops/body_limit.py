"""An ASGI guard that refuses request bodies over a platform-wide ceiling before Django reads
them. Each endpoint still enforces its own, smaller limit with a message of its own; this one
stops a client from making the server spool gigabytes first."""

import json


class RequestBodyLimit:
    def __init__(self, app, *, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = self._content_length(scope)
        if declared is not None and declared > self.max_bytes:
            return await self._refuse(send, declared)
        received = 0
        refused = False

        async def counted_receive():
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    refused = True
                    # End the body here; the view sees a truncated body, but the answer below
                    # replaces whatever it would have said.
                    return {"type": "http.disconnect"}
            return message

        started = False

        async def guarded_send(message):
            nonlocal started
            if refused and not started:
                started = True
                await self._refuse(send, received)
                return
            if refused:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        await self.app(scope, counted_receive, guarded_send)

    @staticmethod
    def _content_length(scope) -> int | None:
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    return int(value)
                except ValueError:
                    return None
        return None

    async def _refuse(self, send, size: int):
        body = json.dumps(
            {
                "detail": f"Request body of {size} bytes is over the limit of "
                f"{self.max_bytes} bytes.",
                "code": "too_large",
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
