"""Start web, worker and beat together on one machine (what `make run` calls)."""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from itops import bundled_redis
from itops.celery import QUEUES
from itops.demo import DEMO_PASSWORD, DEMO_USERS
from itops.env import env_int, env_str


class Command(BaseCommand):
    help = "Run web + worker + beat (and the bundled Redis when REDIS_URL is not set)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-prepare", action="store_true", help="Skip migrate and the first-run demo seed."
        )

    def handle(self, *args, no_prepare, **options):
        redis_process = None
        if settings.USING_BUNDLED_REDIS:
            redis_process = bundled_redis.start(
                settings.BUNDLED_REDIS_SOCKET, data_dir=settings.VAR_DIR
            )
            self.stdout.write(f"redis: bundled server on {settings.BUNDLED_REDIS_SOCKET}")
        try:
            if not no_prepare:
                call_command("migrate", interactive=False, verbosity=1)
                call_command("seed_demo", once=True)
            self._run_processes()
        finally:
            bundled_redis.stop(redis_process)

    def _commands(self) -> dict[str, list[str]]:
        python = sys.executable
        host = env_str("ITOPS_HOST", "127.0.0.1")
        web_workers = env_int("ITOPS_WEB_WORKERS", 1, minimum=1)
        concurrency = env_int("ITOPS_WORKER_CONCURRENCY", 2, minimum=1)
        commands = {
            "web": [python, "-m", "uvicorn", "itops.asgi:application", "--host", host,
                    "--port", str(settings.PORT), "--workers", str(web_workers),
                    "--lifespan", "off", "--proxy-headers", "--no-access-log",
                    # A busy worker answers its supervisor late; do not restart it for that.
                    "--timeout-worker-healthcheck", "60"],
            "worker": [python, "-m", "celery", "-A", "itops", "worker", "-Q", ",".join(QUEUES),
                       "--concurrency", str(concurrency), "--loglevel", "INFO",
                       "-n", "worker@%h"],
            "beat": [python, "-m", "celery", "-A", "itops", "beat", "--loglevel", "INFO",
                     "--pidfile=", "-s", str(settings.VAR_DIR / "celerybeat-schedule")],
        }  # fmt: skip
        if settings.ITOPS_INBOUND_SMTP_PORT:
            # Mail to the desk address opens tickets (servicedesk.notifications.inbound).
            commands["smtp"] = [python, str(settings.BASE_DIR / "manage.py"), "run_smtp_receiver"]
        return commands

    def _run_processes(self):
        processes: dict[str, subprocess.Popen] = {}
        stopping = False

        def request_stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
        env = os.environ | {"PYTHONUNBUFFERED": "1"}
        for name, command in self._commands().items():
            # Own process groups: Ctrl-C reaches only this supervisor, which stops the three
            # in order and waits for them, instead of all of them racing.
            processes[name] = subprocess.Popen(command, env=env, start_new_session=True)
        self._print_banner()
        exit_code = 0
        while not stopping:
            for name, process in processes.items():
                if process.poll() is not None:
                    self.stderr.write(f"{name} exited with code {process.returncode}; stopping.")
                    exit_code = process.returncode or 1
                    stopping = True
                    break
            time.sleep(0.5)
        self.stdout.write(f"Stopping {', '.join(processes)}…")
        for process in processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 20
        for name, process in processes.items():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.stderr.write(f"{name} did not stop in time; killing it.")
                process.kill()
                process.wait()
        self.stdout.write("Stopped.")
        if exit_code:
            raise SystemExit(exit_code)

    def _print_banner(self):
        url = f"http://127.0.0.1:{settings.PORT}"
        lines = [
            "",
            f"itops is running on {url}  (Ctrl-C stops web, worker and beat)",
            f"  database: {'PostgreSQL' if settings.USING_POSTGRES else 'SQLite'}"
            f"  redis: {'bundled' if settings.USING_BUNDLED_REDIS else settings.REDIS_URL}",
            f"  demo logins (password {DEMO_PASSWORD}):",
            *[f"    {u:<10} {role}" for u, _f, _l, role, _t in DEMO_USERS],
            f"  API docs: {url}/api/docs/   health: {url}/readyz",
            *(
                [
                    f"  mail to {settings.ITOPS_DESK_EMAIL} over SMTP on "
                    f"{settings.ITOPS_INBOUND_SMTP_HOST}:{settings.ITOPS_INBOUND_SMTP_PORT}"
                ]
                if settings.ITOPS_INBOUND_SMTP_PORT
                else []
            ),
            "",
        ]
        self.stdout.write("\n".join(lines))
