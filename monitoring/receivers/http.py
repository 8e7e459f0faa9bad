"""What every receiver does around its format: token check, size limits, content decoding,
error answers, and its line in the platform's own /metrics.

Receivers are plain Django views (no DRF machinery on the hot path). Answers follow what
senders expect: 2xx = stored; 4xx = bad request, the sender must not retry; 429/503 = try again
later, nothing acknowledged was lost.
"""

import functools
import hashlib
import logging
import threading
import time
import zlib
from dataclasses import dataclass

import psycopg2
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from itops.authentication import TokenRejected, authenticate_token, token_from_header
from itops.connection_threads import ConnectionThreads
from itops.models import ApiToken
from monitoring.ingest import stats

logger = logging.getLogger(__name__)

# Errors that mean "the database cannot take the write now" (down, restarting, locked): the
# sender should retry. Raw psycopg2 classes too, for calls Django does not wrap.
UNAVAILABLE = (OperationalError, InterfaceError, psycopg2.OperationalError, psycopg2.InterfaceError)


class ReceiverError(Exception):
    """An answer other than success, with a body the sender can log."""

    def __init__(self, status: int, message: str, *, code: str, headers: dict | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.headers = headers or {}

    def response(self) -> HttpResponse:
        response = JsonResponse({"detail": self.message, "code": self.code}, status=self.status)
        for name, value in self.headers.items():
            response[name] = value
        return response


def bad_request(message: str, *, code: str = "invalid") -> ReceiverError:
    return ReceiverError(400, message, code=code)


def too_large(limit: int, what: str = "body") -> ReceiverError:
    return ReceiverError(
        413, f"The {what} is larger than this receiver's limit of {limit} bytes.", code="too_large"
    )


# --- authentication -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _CheckedToken:
    token: ApiToken
    checked_at: float


class TokenCache:
    """Tokens checked in the last ITOPS_INGEST_TOKEN_CACHE_SECONDS, keyed by their digest, so a
    busy sender does not cost a token query per request. A revoked token stops working within
    that many seconds; an expiry is checked on every request."""

    def __init__(self):
        self._lock = threading.Lock()
        self._entries: dict[str, _CheckedToken] = {}

    def get(self, raw: str) -> ApiToken:
        ttl = settings.ITOPS_INGEST_TOKEN_CACHE_SECONDS
        key = hashlib.sha256(raw.encode()).hexdigest()
        now = time.monotonic()
        entry = self._entries.get(key)
        if entry is not None and now - entry.checked_at < ttl:
            if not entry.token.is_active():
                raise TokenRejected("This API token has expired.")
            return entry.token
        token = authenticate_token(raw)
        if ttl:
            with self._lock:
                if len(self._entries) > 10_000:
                    self._entries.clear()
                self._entries[key] = _CheckedToken(token, now)
        return token

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


token_cache = TokenCache()


def _unauthorized(message: str) -> ReceiverError:
    return ReceiverError(
        401, message, code="not_authenticated", headers={"WWW-Authenticate": 'Bearer realm="itops"'}
    )


def token_of(request) -> ApiToken | None:
    """The API token the request carries (Bearer, or basic auth with the token as password),
    None without an Authorization header; ReceiverError 401 for a bad one."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if not header:
        return None
    try:
        raw = token_from_header(header.encode("latin-1"))
        if raw is None:
            raise _unauthorized("Use Bearer or Basic authentication with an API token.")
        return token_cache.get(raw)
    except TokenRejected as rejected:
        raise _unauthorized(str(rejected)) from None


def require_scope(request, scope: str) -> ApiToken:
    token = token_of(request)
    if token is None:
        raise _unauthorized("An API token with the 'ingest' scope is required.")
    if not token.allows(scope):
        raise ReceiverError(403, f"This API token lacks the '{scope}' scope.", code="forbidden")
    return token


# --- bodies -------------------------------------------------------------------------------------


def read_body(request, *, limit: int) -> bytes:
    """The raw body, refused with 413 past `limit` bytes (by Content-Length, then by count)."""
    declared = request.META.get("CONTENT_LENGTH")
    if declared:
        try:
            if int(declared) > limit:
                raise too_large(limit)
        except ValueError:
            raise bad_request("Content-Length is not a number.") from None
    body = request.read(limit + 1)
    if len(body) > limit:
        raise too_large(limit)
    return body


def gunzip(body: bytes, *, limit: int) -> bytes:
    """Undo gzip (or zlib) encoding, stopping as soon as the output passes `limit`."""
    inflater = zlib.decompressobj(wbits=47)  # 32 + 15: gzip or zlib header, detected
    try:
        data = inflater.decompress(body, limit + 1)
    except zlib.error as error:
        raise bad_request(
            f"The gzip body cannot be decoded: {error}.", code="undecodable"
        ) from None
    if len(data) > limit or inflater.unconsumed_tail:
        raise too_large(limit, "decompressed body")
    if not inflater.eof:
        raise bad_request("The gzip body is truncated.", code="undecodable")
    return data


def read_plain_body(request, *, limit: int) -> bytes:
    """The body with gzip undone (`Content-Encoding: gzip`, or none / identity), at most
    `limit` bytes before and after decoding; 415 for another encoding."""
    body = read_body(request, limit=limit)
    encoding = content_encoding(request)
    if encoding in ("gzip", "x-gzip"):
        return gunzip(body, limit=limit)
    if encoding not in ("", "identity"):
        raise ReceiverError(
            415,
            f"Content-Encoding must be gzip, identity or absent, not {encoding!r}.",
            code="unsupported_media_type",
        )
    return body


def media_type(request) -> tuple[str, dict[str, str]]:
    raw = request.META.get("CONTENT_TYPE", "")
    main, *params = raw.split(";")
    parsed = {}
    for param in params:
        name, _, value = param.strip().partition("=")
        if name:
            parsed[name.strip().lower()] = value.strip().strip('"')
    return main.strip().lower(), parsed


def content_encoding(request) -> str:
    return request.META.get("HTTP_CONTENT_ENCODING", "").strip().lower()


# --- the view wrapper ---------------------------------------------------------------------------


# Receivers work on long-lived threads, so database connections persist between requests.
ingest_threads = ConnectionThreads(size_setting="ITOPS_INGEST_THREADS", name="ingest")


def receiver(name: str, *, methods=("POST",)):
    """Make `handler(request) -> HttpResponse` a receiver view: CSRF-exempt, method check,
    ReceiverError answers, 503 when the database is unavailable, per-request statistics, and
    the work done on a long-lived ingest thread (see itops.connection_threads)."""

    def decorate(handler):
        def respond(request, *args, **kwargs):
            started = time.perf_counter()
            if request.method not in methods:
                response = HttpResponse(status=405)
                response["Allow"] = ", ".join(methods)
            else:
                try:
                    response = handler(request, *args, **kwargs)
                except ReceiverError as error:
                    response = error.response()
                except UNAVAILABLE as error:
                    logger.warning("%s: database unavailable, answering 503: %s", name, error)
                    response = ReceiverError(
                        503,
                        "The database cannot take the write right now; nothing was stored. Retry.",
                        code="unavailable",
                        headers={"Retry-After": "5"},
                    ).response()
            stats.record_request(
                receiver=name, status=response.status_code, seconds=time.perf_counter() - started
            )
            return response

        @csrf_exempt
        @functools.wraps(handler)
        async def view(request, *args, **kwargs):
            return await ingest_threads.run(respond, request, *args, **kwargs)

        return view

    return decorate


def now_ms() -> int:
    return int(timezone.now().timestamp() * 1000)
