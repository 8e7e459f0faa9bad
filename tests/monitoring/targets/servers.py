"""Real local servers for collector tests: an HTTP(S) server with programmable answers, and a
self-signed certificate made with the openssl command line."""

import http.server
import shutil
import socket
import ssl
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/plain; version=0.0.4; charset=utf-8"
    delay_seconds: float = 0.0


@dataclass
class LocalServer:
    """A threaded HTTP server on 127.0.0.1 whose answers a test sets per path."""

    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[tuple[str, str, dict]] = field(default_factory=list)
    tls_context: ssl.SSLContext | None = None

    def __post_init__(self):
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self):
                owner.requests.append((self.command, self.path, dict(self.headers)))
                route = owner.routes.get(self.path.split("?")[0], Route(404, b"not found"))
                if route.delay_seconds:
                    time.sleep(route.delay_seconds)
                self.send_response(route.status)
                self.send_header("Content-Type", route.content_type)
                self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(route.body)

            do_GET = do_POST = do_HEAD = _answer

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        if self.tls_context is not None:
            self.httpd.socket = self.tls_context.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        scheme = "https" if self.tls_context else "http"
        self.url = f"{scheme}://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def serve(self, path: str, body: str | bytes = b"", **route) -> str:
        self.routes[path] = Route(body=body.encode() if isinstance(body, str) else body, **route)
        return self.url + path

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def local_server():
    with LocalServer() as server:
        yield server


def self_signed_certificate(directory: Path, *, days: int) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command line")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
            "-nodes", "-keyout", str(key), "-out", str(cert), "-days", str(days),
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def tls_server(tmp_path):
    """An HTTPS server with a self-signed certificate valid for 30 days."""
    cert, key = self_signed_certificate(tmp_path, days=30)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    with LocalServer(tls_context=context) as server:
        yield server


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def listening_port():
    """A TCP port on 127.0.0.1 that accepts connections."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield sock.getsockname()[1]
