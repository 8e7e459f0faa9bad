"""Fixtures shared by the whole suite: personas, API clients, a real Celery worker, a real
ASGI server and a real browser.

Personas follow one story in every permission test: `requester` files tickets, `other_requester`
is another end user who must never see them, `agent` works them, `outsider` has no role.
"""

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from itops.choices import Role
from tests.factories import PASSWORD, make_team, make_token, make_user

STRICT = os.environ.get("ITOPS_STRICT_TESTS") == "1"
CHROMIUM = os.environ.get("ITOPS_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(settings.BASE_DIR) / "test-results"


def _unavailable(reason: str):
    """Skip locally; in CI (ITOPS_STRICT_TESTS=1) a missing part is a failure, not a skip."""
    if STRICT:
        pytest.fail(f"required for CI but unavailable: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def migrated_data(django_db_setup, django_db_blocker) -> str:
    """The rows data migrations created, captured once before any test (or browser) runs."""
    from django.db import connection

    with django_db_blocker.unblock():
        return getattr(connection, "_test_serialized_contents", None) or (
            connection.creation.serialize_db_to_string()
        )


def _is_transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    marked = marker is not None and (
        marker.kwargs.get("transaction") or (marker.args and marker.args[0])
    )
    return bool(marked) or "transactional_db" in request.fixturenames


@pytest.fixture(autouse=True)
def _restore_migrated_data(request):
    """Before a transactional test, put back the rows data migrations created if an earlier
    transactional test's closing flush took them (role groups, priority matrix, CI classes).

    Django's serialized rollback cannot be relied on for this: it keeps the rows on the
    connection object, which a running Playwright event loop swaps for another.
    """
    if not _is_transactional(request):
        return
    data = request.getfixturevalue("migrated_data")
    request.getfixturevalue("_django_db_helper")
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection

    if not Group.objects.filter(name="Agent").exists():
        call_command("flush", verbosity=0, interactive=False, inhibit_post_migrate=True)
        connection.creation.deserialize_db_from_string(data)


def pytest_runtest_setup(item):
    if item.get_closest_marker("postgres") and not settings.USING_POSTGRES:
        _unavailable("needs PostgreSQL: set DATABASE_URL")
    if item.get_closest_marker("browser") and not Path(CHROMIUM).exists():
        _unavailable(f"needs Chromium at {CHROMIUM} (Debian package 'chromium')")


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Personas are created in nearly every test; the production hasher's cost buys nothing here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`committed(action, ...)` runs what the action queues on commit, as a real commit would
    (the test's own transaction never commits)."""

    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run


@pytest.fixture(scope="session")
def anyio_backend():
    """Async tests (`pytest.mark.anyio`) run on asyncio, like the ASGI server."""
    return "asyncio"


@pytest.fixture(autouse=True)
def _fresh_channel_layer():
    """Each test gets a channel layer of its own: a Redis layer keeps locks bound to the event
    loop that first used it, and tests run consumers on many short-lived loops."""
    from channels.layers import channel_layers

    channel_layers.backends = {}
    yield
    channel_layers.backends = {}


@pytest.fixture(autouse=True)
def _no_foreign_running_loop(request):
    """Give every test that does not drive the browser a thread with no running event loop.

    Playwright's sync API, once the session's browser is up, leaves its event loop registered
    as the running loop of the main thread; anyio then refuses to start a loop for an async
    test, and asgiref's async_to_sync (the channel layer, Channels consumers) refuses to run.
    """
    if "browser" in request.fixturenames:
        yield
        return
    foreign_loop = asyncio.events._get_running_loop()
    asyncio.events._set_running_loop(None)
    try:
        yield
    finally:
        asyncio.events._set_running_loop(foreign_loop)


# --- personas ---------------------------------------------------------------------------------


@pytest.fixture
def requester(db):
    return make_user("erin", role=Role.END_USER, first_name="Erin", last_name="Requester")


@pytest.fixture
def other_requester(db):
    return make_user("frank", role=Role.END_USER, first_name="Frank", last_name="Other")


@pytest.fixture
def agent(db):
    return make_user("alex", role=Role.AGENT, first_name="Alex", last_name="Agent")


@pytest.fixture
def ops_engineer(db):
    return make_user("olivia", role=Role.OPS_ENGINEER, first_name="Olivia", last_name="Ops")


@pytest.fixture
def change_manager(db):
    return make_user("chris", role=Role.CHANGE_MANAGER, first_name="Chris", last_name="Change")


@pytest.fixture
def admin_user(db):
    return make_user("ada", role=Role.ADMIN, first_name="Ada", last_name="Admin", is_staff=True)


@pytest.fixture
def outsider(db):
    """Signed in, but holds no role at all."""
    from itops.models import User

    return User.objects.create_user("charlie", password=PASSWORD, email="charlie@example.com")


@pytest.fixture
def service_desk_team(agent):
    return make_team("Service Desk", members=[agent], lead=agent)


# --- clients ----------------------------------------------------------------------------------


@pytest.fixture
def api_for():
    """`api_for(user)`: a DRF client signed in as `user` by session."""

    def build(user) -> APIClient:
        client = APIClient()
        client.force_login(user)
        return client

    return build


@pytest.fixture
def token_api_for():
    """`token_api_for(user, "read", "write")`: a client sending `Authorization: Bearer ...`."""

    def build(user, *scopes) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {make_token(user, *scopes)}")
        return client

    return build


@pytest.fixture
def page_client_for(client):
    def build(user):
        client.force_login(user)
        return client

    return build


# --- real Celery worker -----------------------------------------------------------------------


@pytest.fixture
def celery_worker(transactional_db):
    """A real worker thread consuming every queue from the real broker."""
    from celery.contrib.testing.worker import start_worker

    from itops.celery import QUEUES, app

    app.conf.task_always_eager = False
    app.control.purge()
    try:
        with start_worker(
            app,
            pool="threads",
            concurrency=2,
            perform_ping_check=False,
            loglevel="WARNING",
            queues=list(QUEUES),
            shutdown_timeout=30,
        ) as worker:
            yield worker
    finally:
        app.conf.task_always_eager = True


def wait_for(condition, *, timeout: float = 15.0, interval: float = 0.05, message: str = ""):
    """Poll until `condition()` is truthy (for work done by another process or thread)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(message or f"condition not met within {timeout} s")


# --- real ASGI server -------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url_of_tests() -> str:
    """DATABASE_URL of the test database, for a subprocess to use the same one."""
    from django.db import connection

    params = connection.settings_dict
    if settings.USING_POSTGRES:
        host = params["HOST"] or "127.0.0.1"
        return f"postgres://{params['USER']}@{host}:{params['PORT'] or 5432}/{params['NAME']}"
    return f"sqlite:///{params['NAME']}"


def run_platform_until(ready, **extra_env: str) -> tuple[int, str]:
    """Start `manage.py run_platform` on the test database, wait until `ready()` is true, stop
    it with Ctrl-C (SIGINT) and return its exit code and output."""
    environment = os.environ | {"DATABASE_URL": database_url_of_tests()} | extra_env
    process = subprocess.Popen(
        [sys.executable, "manage.py", "run_platform", "--no-prepare"],
        cwd=settings.BASE_DIR,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for(ready, timeout=60, interval=0.5, message="run_platform did not become ready")
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    return process.returncode, output


class AsgiServer:
    """uvicorn serving itops.asgi in a thread, against the test database and Redis."""

    def __init__(self):
        import uvicorn

        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            "itops.asgi:application",
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            lifespan="off",
            ws="websockets-sansio",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        wait_for(lambda: self.server.started, timeout=20, message="ASGI server did not start")
        return self

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def live_server_url(transactional_db):
    with AsgiServer() as server:
        yield server.url


# --- real browser -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        _unavailable(f"needs Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / f"{request.node.name}-failure.png", full_page=True)
    context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture
def screenshot(page, request):
    """`screenshot("name")` saves a full-page PNG under test-results/ for people to look at."""

    def take(name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=path, full_page=True)
        return path

    return take


@pytest.fixture
def login(page, live_server_url):
    """`login(user)`: sign in through the real login form."""

    def sign_in(user, password: str = PASSWORD):
        page.goto(f"{live_server_url}/accounts/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)

    return sign_in


def has_chromium() -> bool:
    return Path(CHROMIUM).exists() or shutil.which("chromium") is not None
