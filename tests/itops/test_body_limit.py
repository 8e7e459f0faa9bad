import httpx
import pytest

from itops.body_limit import RequestBodyLimit

pytestmark = pytest.mark.anyio


async def echo_length(scope, receive, send):
    body = b""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": str(len(body)).encode()})


@pytest.fixture
def client():
    app = RequestBodyLimit(echo_length, max_bytes=1000)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def test_a_body_within_the_ceiling_reaches_the_app(client):
    response = await client.post("/api/v1/write", content=b"x" * 1000)

    assert response.status_code == 200
    assert response.text == "1000"


async def test_a_declared_length_over_the_ceiling_is_refused_unread(client):
    response = await client.post("/api/v1/write", content=b"x" * 1001)

    assert response.status_code == 413
    assert response.json() == {
        "detail": "Request body of 1001 bytes is over the limit of 1000 bytes.",
        "code": "too_large",
    }


async def test_a_streamed_body_over_the_ceiling_is_refused(client):
    async def chunks():
        for _ in range(5):
            yield b"y" * 400

    response = await client.post("/api/v1/write", content=chunks())

    assert response.status_code == 413
    assert "over the limit of 1000 bytes" in response.json()["detail"]
