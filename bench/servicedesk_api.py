"""Service desk REST API under load: incident list, filtered list, search and create at a fixed
request rate against a running uvicorn.

Builds a throwaway PostgreSQL database, seeds it with --tickets tickets (bulk_create in
batches, with a progress bar; 80 % incidents, most of them resolved or closed, spread over a
year), starts uvicorn on it (like `run_platform`), then drives `/api/v1/incidents/` with an
API token at a fixed rate for each scenario. The load is open loop: requests leave on schedule
whatever the server does, and latency is counted from the scheduled send time, so a server
that falls behind cannot hide its queue. DESIGN target: p99 <= 100 ms at 200 requests/s.
Before the load it times, in process, what the agent console's queue page asks the database
(a keyset page and its capped count, first and 21st page, and the sidebar's counts).

    .venv/bin/python bench/servicedesk_api.py [--tickets 100000] [--rate 200] [--seconds 15]
                                              [--workers 2] [--keep-db] [--reuse-db] [--desk-only]
"""

import argparse
import asyncio
import logging
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "itops.settings")

import django

django.setup()

import httpx  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Max, Min  # noqa: E402
from django.utils import timezone  # noqa: E402
from tqdm import tqdm  # noqa: E402

# One line per request would cost the load generator more than the requests.
logging.getLogger("httpx").setLevel(logging.WARNING)

BATCH_SIZE = 5_000
TARGET_P99_MS = 100
TOPICS = [
    "vpn", "password", "printer", "outlook", "mailbox", "laptop", "monitor", "wifi", "network",
    "account", "mfa", "phone", "badge", "toner", "scanner", "driver", "licence", "excel",
    "onedrive", "sharepoint", "backup", "disk", "certificate", "proxy", "firewall", "browser",
    "citrix", "desktop", "keyboard", "headset", "camera", "meeting", "projector", "payroll",
    "invoice", "database", "timeout", "latency", "deadlock", "kerberos", "dns", "dhcp",
    "switch", "router", "storage", "cluster", "kubernetes", "deployment", "login", "sso",
]  # fmt: skip
PROBLEMS = ["does not work", "is slow", "keeps failing", "shows an error", "cannot connect"]
# A rare word, in about one ticket in a thousand: what people search for.
RARE_WORD = "zebrafirmware"


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


# --- seeding ------------------------------------------------------------------------------------


def seed(count: int) -> dict:
    from itops.choices import Role
    from itops.models import Team, User
    from itops.services import create_api_token, set_roles
    from servicedesk.choices import (
        DEFAULT_PRIORITY_MATRIX,
        DONE_STATES,
        NUMBER_START,
        TicketKind,
        TicketSource,
        TicketState,
    )
    from servicedesk.models import Category, Ticket, TicketNumberSequence
    from servicedesk.services.numbering import format_number

    rng = random.Random(7)
    agent = User.objects.create_user("bench-agent", first_name="Bench", last_name="Agent")
    set_roles(user=agent, roles=[Role.AGENT])
    _token, secret = create_api_token(user=agent, name="bench", scopes=["read", "write"])
    callers = []
    for number in range(200):
        caller = User(username=f"caller{number}", first_name="Caller", last_name=str(number))
        caller.set_unusable_password()
        callers.append(caller)
    callers = User.objects.bulk_create(callers)
    teams = [
        Team.objects.create(name=name, slug=name.lower().replace(" ", "-"))
        for name in ("Service Desk", "Network", "Database", "Platform", "Workplace")
    ]
    categories = [Category.objects.create(name=name) for name in ("Hardware", "Software", "Access")]

    kinds = [TicketKind.INCIDENT] * 16 + [TicketKind.REQUEST] * 3 + [TicketKind.PROBLEM]
    open_states = [TicketState.NEW, TicketState.IN_PROGRESS, TicketState.ON_HOLD]
    sequences = {kind: NUMBER_START for kind in TicketKind.values}
    now = timezone.now()
    with tqdm(total=count, desc="seeding tickets", unit="ticket") as progress:
        for start in range(0, count, BATCH_SIZE):
            rows = []
            for _ in range(min(BATCH_SIZE, count - start)):
                kind = rng.choice(kinds)
                sequences[kind] += 1
                impact, urgency = rng.randint(1, 3), rng.randint(1, 3)
                opened = now - timedelta(minutes=rng.randint(1, 365 * 24 * 60))
                # Older tickets are mostly done; the last few weeks hold the open work.
                recent = (now - opened) < timedelta(days=21)
                state = (
                    rng.choice(open_states)
                    if recent and rng.random() < 0.6
                    else (
                        rng.choice([TicketState.CLOSED, TicketState.CLOSED, TicketState.RESOLVED])
                    )
                )
                words = rng.sample(TOPICS, 2)
                text = f"{words[0].capitalize()} {rng.choice(PROBLEMS)} ({words[1]})"
                if rng.random() < 0.001:
                    text += f" after {RARE_WORD} update"
                team = rng.choice(teams)
                rows.append(
                    Ticket(
                        kind=kind,
                        number=format_number(kind, sequences[kind]),
                        state=state,
                        caller=None if kind == TicketKind.PROBLEM else rng.choice(callers),
                        opened_by=agent,
                        source=rng.choice(TicketSource.values),
                        category=rng.choice(categories),
                        short_description=text,
                        description=f"Reported {text.lower()}. " * rng.randint(1, 4),
                        impact=impact,
                        urgency=urgency,
                        priority=DEFAULT_PRIORITY_MATRIX[(impact, urgency)],
                        assignment_group=team,
                        assignee=agent if team == teams[0] and rng.random() < 0.3 else None,
                        on_hold_reason="awaiting_caller" if state == TicketState.ON_HOLD else "",
                        resolution_code="solved_permanently"
                        if state in DONE_STATES and kind == TicketKind.INCIDENT
                        else "",
                        opened_at=opened,
                        resolved_at=opened + timedelta(hours=4) if state in DONE_STATES else None,
                    )
                )
            Ticket.objects.bulk_create(rows, batch_size=1_000)
            progress.update(len(rows))
    for kind, last in sequences.items():
        TicketNumberSequence.objects.update_or_create(kind=kind, defaults={"last_value": last})

    table = connection.ops.quote_name(Ticket._meta.db_table)
    bounds = Ticket.objects.aggregate(low=Min("id"), high=Max("id"))
    low, high = bounds["low"], bounds["high"]
    with (
        connection.cursor() as cursor,
        tqdm(total=high - low + 1, desc="search documents", unit="ticket") as progress,
    ):
        # What the services write one ticket at a time, here in id ranges; updated_at follows
        # opened_at instead of the seeding time.
        for start in range(low, high + 1, BATCH_SIZE * 2):
            end = min(start + BATCH_SIZE * 2, high + 1)
            cursor.execute(
                f"""UPDATE {table} SET
                    search_vector =
                        setweight(to_tsvector('english', number), 'A')
                        || setweight(to_tsvector('english', short_description), 'A')
                        || setweight(to_tsvector('english', description), 'B'),
                    updated_at = COALESCE(resolved_at, opened_at) + interval '5 minutes'
                    WHERE id >= %s AND id < %s""",
                [start, end],
            )
            progress.update(end - start)
        cursor.execute(f"VACUUM ANALYZE {table}")
    return {"token": secret, "caller": callers[0].pk, "team": teams[1].pk}


# --- the agent console's queues, in process -----------------------------------------------------


def measure_desk_queues(rounds: int) -> dict[str, list[float]]:
    """What the /desk/ queue page asks the database: a keyset page, its capped count and the
    sidebar's counts, at the start of a queue and 20 pages (1,000 rows) deep."""
    from itops.models import User
    from servicedesk.desk import queues

    agent = User.objects.get(username="bench-agent")
    team_ids = queues.team_ids_of(agent)
    cases = [
        ("open, newest update", "open", {}, "-updated"),
        ("open, by priority", "open", {}, "priority"),
        ("everything, by number", "all", {}, "number"),
        ("unassigned incidents", "unassigned", {"kind": ["incident"]}, "-opened"),
        ("everything, search", "all", {"q": "kerberos timeout"}, "-updated"),
    ]
    timings: dict[str, list[float]] = {}
    for label, queue, filters, sort in cases:
        tickets = queues.queue_tickets(user=agent, queue=queue, filters=filters, team_ids=team_ids)
        cursor = ""
        for _ in range(20):  # walk to page 21 once, to time a deep page
            cursor = queues.keyset_page(tickets, sort=sort, after=cursor).next_cursor or cursor
        for name, after in ((f"{label}: first page", ""), (f"{label}: page 21", cursor)):
            samples = timings.setdefault(name, [])
            for _ in range(rounds):
                started = time.perf_counter()
                queues.keyset_page(tickets, sort=sort, after=after)
                queues.capped_count(tickets)
                samples.append(time.perf_counter() - started)
    samples = timings.setdefault("sidebar counts (6 queues)", [])
    for _ in range(rounds):
        started = time.perf_counter()
        queues.queue_counts(user=agent, team_ids=team_ids)
        samples.append(time.perf_counter() - started)
    return timings


# --- load ---------------------------------------------------------------------------------------


async def drive(
    base_url: str, token: str, make_request, *, rate: int, seconds: float
) -> tuple[list[float], int, float]:
    """Send rate*seconds requests at fixed intervals; latency from each scheduled time."""
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=400, max_keepalive_connections=400)
    latencies: list[float] = []
    errors = 0
    failures: dict[str, int] = {}
    async with httpx.AsyncClient(
        base_url=base_url, headers=headers, limits=limits, timeout=30
    ) as client:

        async def one(index: int, scheduled: float):
            nonlocal errors
            method, path, body = make_request(index)
            try:
                response = await client.request(method, path, json=body)
                if response.status_code >= 400:
                    errors += 1
                    failures[str(response.status_code)] = (
                        failures.get(str(response.status_code), 0) + 1
                    )
            except httpx.HTTPError as error:
                errors += 1
                failures[type(error).__name__] = failures.get(type(error).__name__, 0) + 1
            latencies.append(time.perf_counter() - scheduled)

        total = int(rate * seconds)
        started = time.perf_counter()
        tasks = []
        for index in range(total):
            scheduled = started + index / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(index, scheduled)))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - started
    if failures:
        print(f"    failures: {failures}", file=sys.stderr)
    return latencies, errors, total / elapsed


def scenarios(fixtures: dict) -> dict:
    return {
        "list, first page": lambda i: ("GET", "/api/v1/incidents/", None),
        "list, filtered page": lambda i: (
            "GET",
            f"/api/v1/incidents/?state=new&priority={1 + i % 3}&assignment_group="
            f"{fixtures['team']}",
            None,
        ),
        "list, search": lambda i: (
            "GET",
            "/api/v1/incidents/?q=" + quote([RARE_WORD, "kerberos timeout", "INC0050000"][i % 3]),
            None,
        ),
        "create": lambda i: (
            "POST",
            "/api/v1/incidents/",
            {
                "short_description": f"Bench incident {i}: printer offline",
                "description": "Opened by the benchmark.",
                "impact": 2,
                "urgency": 3,
                "caller": fixtures["caller"],
            },
        ),
    }


def start_server(database_url: str, port: int, workers: int) -> subprocess.Popen:
    # Persistent connections, as production should run: the ticket API then works on its
    # long-lived threads (ITOPS_API_THREADS), each keeping its PostgreSQL connection.
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
        PORT=str(port),
        ITOPS_DB_CONN_MAX_AGE=os.environ.get("ITOPS_DB_CONN_MAX_AGE", "600"),
    )
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
            "--workers",
            str(workers),
            "--lifespan",
            "off",
            "--no-access-log",
            "--log-level",
            "warning",
        ],  # fmt: skip
        env=env,
        cwd=str(settings.BASE_DIR),
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    server.terminate()
    raise SystemExit("uvicorn did not start within 60 s")


def database_url(name: str) -> str:
    db = settings.DATABASES["default"]
    credentials = quote(db["USER"] or "")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"])
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--rate", type=int, default=200, help="requests per second")
    parser.add_argument("--seconds", type=float, default=15, help="per scenario")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers")
    parser.add_argument("--port", type=int, default=8799)
    parser.add_argument("--keep-db", action="store_true", help="keep the seeded database")
    parser.add_argument("--reuse-db", action="store_true", help="use a kept database as is")
    parser.add_argument("--desk-rounds", type=int, default=20, help="desk queue timings")
    parser.add_argument(
        "--desk-only", action="store_true", help="time the desk queues, skip the HTTP load"
    )
    options = parser.parse_args()

    if connection.vendor != "postgresql":
        print("servicedesk_api needs PostgreSQL: set DATABASE_URL (the target is about it).")
        return
    original_name = connection.settings_dict["NAME"]
    bench_name = f"bench_api_{original_name}"
    token_file = settings.VAR_DIR / f"{bench_name}.token"
    test_settings = settings.DATABASES["default"].setdefault("TEST", {})
    test_settings["NAME"] = bench_name

    started = time.perf_counter()
    if options.reuse_db and token_file.exists():
        connection.close()
        connection.settings_dict["NAME"] = bench_name
        settings.DATABASES["default"]["NAME"] = bench_name
        token, caller, team = token_file.read_text().split()
        fixtures = {"token": token, "caller": int(caller), "team": int(team)}
        seeded = "reused"
    else:
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        fixtures = seed(options.tickets)
        seeded = f"seeded in {time.perf_counter() - started:.0f} s"
        if options.keep_db:
            token_file.parent.mkdir(parents=True, exist_ok=True)
            token_file.write_text(f"{fixtures['token']} {fixtures['caller']} {fixtures['team']}")
    desk_timings = measure_desk_queues(options.desk_rounds)
    connection.close()
    if options.desk_only:
        _print_desk(options, seeded, desk_timings)
        if not options.keep_db and not options.reuse_db:
            connection.creation.destroy_test_db(original_name, verbosity=0)
        return

    server = start_server(database_url(bench_name), options.port, options.workers)
    results = {}
    try:
        base_url = f"http://127.0.0.1:{options.port}"
        for name, make_request in scenarios(fixtures).items():
            # A short warm-up at the same rate: connections, caches, query plans.
            asyncio.run(drive(base_url, fixtures["token"], make_request, rate=options.rate,
                              seconds=min(2.0, options.seconds)))  # fmt: skip
            results[name] = asyncio.run(
                drive(
                    base_url,
                    fixtures["token"],
                    make_request,
                    rate=options.rate,
                    seconds=options.seconds,
                )
            )
    finally:
        server.terminate()
        server.wait(timeout=30)
        if not options.keep_db and not options.reuse_db:
            connection.creation.destroy_test_db(original_name, verbosity=0)

    _print_desk(options, seeded, desk_timings)
    print(
        f"servicedesk API on PostgreSQL: {options.tickets} tickets ({seeded}), uvicorn with "
        f"{options.workers} workers, {options.rate} requests/s for {options.seconds:g} s each"
    )
    for name, (latencies, errors, achieved) in results.items():
        ms = [value * 1000 for value in latencies]
        p99 = percentile(ms, 0.99)
        verdict = "ok" if p99 <= TARGET_P99_MS and not errors else "MISSES the target"
        print(
            f"  {name:<22} p50 {statistics.median(ms):7.1f} ms  p95 {percentile(ms, 0.95):7.1f} ms"
            f"  p99 {p99:7.1f} ms  errors {errors:4d}  sent {achieved:5.0f}/s  {verdict}"
        )
    print(f"  target: p99 <= {TARGET_P99_MS} ms at 200 requests/s (DESIGN.md)")


def _print_desk(options, seeded: str, timings: dict[str, list[float]]) -> None:
    print(f"desk queues in process: {options.tickets} tickets ({seeded}), page of 50 + count")
    for name, samples in timings.items():
        ms = [value * 1000 for value in samples]
        print(
            f"  {name:<40} p50 {statistics.median(ms):6.1f} ms  p95 {percentile(ms, 0.95):6.1f} ms"
        )


if __name__ == "__main__":
    main()
