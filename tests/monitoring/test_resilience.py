"""While PostgreSQL refuses connections, receivers answer 503 (the sender keeps the data and
retries); after recovery the resend is stored exactly once.

The platform runs as a real uvicorn process whose DATABASE_URL points at a TCP proxy in front
of PostgreSQL; the test cuts and restores the proxy."""

import contextlib
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest
from django.db import connection

from monitoring.models import Sample
from tests.conftest import _free_port, wait_for
from tests.factories import make_token, make_user
from tests.factories.monitoring import now_ms, remote_write_body

ROOT = Path(__file__).resolve().parents[2]
HEADERS = {
    "Content-Type": "application/x-protobuf",
    "Content-Encoding": "snappy",
    "X-Prometheus-Remote-Write-Version": "0.1.0",
}


class CuttableProxy:
    """Forwards TCP to PostgreSQL; `cut()` drops every connection and refuses new ones."""

    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.open = True
        self.closed = False
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.closed:
            try:
                client, _addr = self.listener.accept()
            except OSError:
                return
            if not self.open:
                client.close()  # the database is "down": connection refused mid-handshake
                continue
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def cut(self):
        self.open = False
        with self.lock:
            for sock in self.sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self.sockets = []

    def restore(self):
        self.open = True

    def close(self):
        self.closed = True
        self.cut()
        self.listener.close()


@pytest.fixture
def proxied_platform(transactional_db):
    """(base URL, proxy): uvicorn serving the platform against the test database via a proxy."""
    db = connection.settings_dict
    proxy = CuttableProxy(db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432))
    port = _free_port()
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}{password}@127.0.0.1:{proxy.port}/{db['NAME']}",
        "ITOPS_DB_CONN_MAX_AGE": "60",  # persistent connections: the cut breaks a live one too
        "ITOPS_INGEST_TOKEN_CACHE_SECONDS": "0",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "itops.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--lifespan",
            "off",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"

    def ready():
        try:
            return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_for(ready, timeout=30, message="uvicorn did not start")
        yield url, proxy
    finally:
        server.terminate()
        server.wait(timeout=15)
        proxy.close()


def batch(offset: int, count: int = 50):
    at = now_ms() - 60_000
    return remote_write_body(
        [
            (
                {"__name__": "node_load1", "instance": f"web-{offset + i:03d}:9100", "job": "node"},
                [(at, 1.0), (at + 15_000, 2.0)],
            )
            for i in range(count)
        ]
    )


@pytest.mark.postgres
def test_receivers_answer_503_while_the_database_is_down_and_a_resend_is_stored_once(
    proxied_platform,
):
    url, proxy = proxied_platform
    token = make_token(make_user("prometheus"), "ingest")
    headers = {**HEADERS, "Authorization": f"Bearer {token}"}
    before, during = batch(0), batch(100)
    with httpx.Client(base_url=url, headers=headers, timeout=30) as sender:
        assert sender.post("/api/v1/write", content=before).status_code == 204

        proxy.cut()
        # The first write meets a broken persistent connection, the next ones a refused one.
        outage = [sender.post("/api/v1/write", content=during).status_code for _ in range(3)]
        json_outage = sender.post(
            "/api/v1/ingest/metrics", json=[{"metric": "x", "value": 1}]
        ).status_code

        proxy.restore()

        def resent():  # Prometheus retries with backoff until it gets a 2xx
            return sender.post("/api/v1/write", content=during).status_code == 204

        wait_for(resent, timeout=20, message="the resend was not accepted after recovery")
        again = sender.post("/api/v1/write", content=before).status_code

    assert outage == [503, 503, 503]
    assert json_outage == 503
    assert again == 204
    assert Sample.objects.count() == 200  # 100 series x 2 samples, each stored once
