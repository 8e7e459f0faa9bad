"""Benchmark: Prometheus remote_write into PostgreSQL, counted as durable samples per second.

What it does:
1. Builds real remote_write bodies (protobuf WriteRequest, snappy block): 1,000 series x 10
   samples each, node_exporter-like label sets (1,000 hosts x 100 series = 100,000 series).
2. Starts uvicorn itself (`--workers N`, against DATABASE_URL, persistent DB connections) or
   targets a running server (`--url`).
3. Warm-up: one round over every series (creates them, fills the per-process caches), timed
   and reported apart.
4. Measured run: `--requests` bodies sent by `--connections` concurrent HTTP connections
   (httpx); every answer must be 204, which the receiver sends only after COMMIT.
5. Counts the rows in monitoring_sample before and after, and reports durable samples/s =
   new rows / wall time of the measured run.

Run (writes several million rows: use a scratch database):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/itops_bench REDIS_URL=redis://127.0.0.1:6379/9 \\
        .venv/bin/python manage.py migrate
    DATABASE_URL=... REDIS_URL=... .venv/bin/python bench/ingest_remote_write.py --workers 3

Prints its figures and exits 0.
"""

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "itops.settings")

import cramjam  # noqa: E402
import django  # noqa: E402
import httpx  # noqa: E402

SERIES_PER_REQUEST = 1000
SAMPLES_PER_SERIES = 10
HOSTS = 1000
STEP_MS = 1000

CPU_MODES = ["idle", "iowait", "irq", "nice", "softirq", "steal", "system", "user"]
MOUNTS = [
    ("/dev/sda1", "/", "ext4"),
    ("/dev/sda2", "/var", "ext4"),
    ("/dev/sdb1", "/data", "xfs"),
    ("tmpfs", "/run", "tmpfs"),
    ("/dev/nvme0n1p1", "/srv", "xfs"),
]


def host_series(host: int) -> list[dict[str, str]]:
    """100 label sets for one host, shaped like node_exporter's."""
    base = {
        "instance": f"node-{host:04d}.dc{host % 3 + 1}.example.com:9100",
        "job": "node",
        "env": "production" if host % 5 else "staging",
    }
    out = []
    for cpu in range(8):
        for mode in CPU_MODES:
            out.append(
                {"__name__": "node_cpu_seconds_total", **base, "cpu": str(cpu), "mode": mode}
            )
    for device in ("eth0", "eth1", "bond0", "lo"):
        for metric in (
            "node_network_receive_bytes_total",
            "node_network_transmit_bytes_total",
            "node_network_receive_packets_total",
            "node_network_transmit_packets_total",
        ):
            out.append({"__name__": metric, **base, "device": device})
    for device, mountpoint, fstype in MOUNTS:
        for metric in (
            "node_filesystem_avail_bytes",
            "node_filesystem_size_bytes",
            "node_filesystem_files_free",
            "node_filesystem_readonly",
        ):
            labels = {**base, "device": device, "mountpoint": mountpoint, "fstype": fstype}
            out.append({"__name__": metric, **labels})
    return out


def build_bodies(count: int, *, base_ms: int, first_round: int = 0) -> list[bytes]:
    from monitoring.receivers import prompb

    groups = HOSTS * 100 // SERIES_PER_REQUEST
    hosts_per_group = SERIES_PER_REQUEST // 100
    bodies = []
    for index in range(count):
        group = index % groups
        round_ = first_round + index // groups
        request = prompb.WriteRequest()
        for host in range(group * hosts_per_group, (group + 1) * hosts_per_group):
            for position, labels in enumerate(host_series(host)):
                series = request.timeseries.add()
                for name in sorted(labels):
                    series.labels.add(name=name, value=labels[name])
                for step in range(SAMPLES_PER_SERIES):
                    at = base_ms + (round_ * SAMPLES_PER_SERIES + step) * STEP_MS
                    series.samples.add(timestamp=at, value=float(host * 1000 + position + at % 97))
        bodies.append(bytes(cramjam.snappy.compress_raw(request.SerializeToString())))
    return bodies


def count_rows() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM monitoring_sample")
        return cursor.fetchone()[0]


def series_cache_misses() -> int:
    from monitoring.ingest.stats import read_counters

    return sum(
        int(value)
        for key, value in read_counters().items()
        if key.startswith("itops_ingest_series_cache_misses_total")
    )


def ingest_token() -> str:
    from itops.choices import Role
    from itops.models import User
    from itops.services import create_api_token, set_roles

    user, _ = User.objects.get_or_create(username="bench-prometheus")
    set_roles(user=user, roles=[Role.OPS_ENGINEER])
    _token, secret = create_api_token(user=user, name=f"bench-{time.time_ns()}", scopes=["ingest"])
    return secret


REMOTE_WRITE_HEADERS = {
    "Content-Type": "application/x-protobuf",
    "Content-Encoding": "snappy",
    "X-Prometheus-Remote-Write-Version": "0.1.0",
    "User-Agent": "itops-bench/1",
}


async def send_all(
    url: str,
    bodies: list[bytes],
    connections: int,
    *,
    path: str = "/api/v1/write",
    headers: dict[str, str],
) -> dict:
    """POST every body over `connections` concurrent connections; every answer should be 204."""
    queue: asyncio.Queue = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors: list[str] = []
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)

    async with httpx.AsyncClient(
        base_url=url, headers=headers, timeout=120, limits=limits
    ) as client:

        async def sender():
            while not queue.empty():
                body = queue.get_nowait()
                started = time.perf_counter()
                response = await client.post(path, content=body)
                latencies.append(time.perf_counter() - started)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                if response.status_code != 204 and len(errors) < 3:
                    errors.append(f"{response.status_code}: {response.text[:300]}")

        started = time.perf_counter()
        await asyncio.gather(*(sender() for _ in range(connections)))
        elapsed = time.perf_counter() - started
    return {"elapsed": elapsed, "latencies": latencies, "statuses": statuses, "errors": errors}


def start_server(port: int, workers: int) -> subprocess.Popen:
    env = {**os.environ, "ITOPS_DB_CONN_MAX_AGE": os.environ.get("ITOPS_DB_CONN_MAX_AGE", "600")}
    command = [
        sys.executable, "-m", "uvicorn", "itops.asgi:application",
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
        "--lifespan", "off", "--log-level", "warning", "--no-access-log",
        # On a machine shared with other work a busy worker can miss the default 5 s health
        # check and be restarted, losing its caches: give it longer.
        "--timeout-worker-healthcheck", "60",
    ]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.3)
    server.terminate()
    raise SystemExit("uvicorn did not start")


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    try:
        found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    pids = [int(child) for child in found]
    return pids + [grandchild for child in pids for grandchild in _children(child)]


def cpu_snapshot(server: subprocess.Popen | None) -> dict[str, float]:
    """CPU seconds used so far by the web server processes and by this database's backends.

    The machine is shared, so wall-clock rates move with other load; CPU per sample does not."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        backends = [row[0] for row in cursor.fetchall()]
    web = [server.pid, *_children(server.pid)] if server else []
    return {
        "web": sum(_cpu_seconds(pid) for pid in web),
        "postgres": sum(_cpu_seconds(pid) for pid in backends),
        "bench": time.process_time(),
    }


def report(title: str, result: dict, samples: int) -> None:
    lat = sorted(result["latencies"])
    p50 = statistics.median(lat) * 1000
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000
    print(
        f"{title}: {len(lat)} requests in {result['elapsed']:.2f} s, statuses {result['statuses']}, "
        f"{samples / result['elapsed']:,.0f} durable samples/s, latency p50 {p50:.0f} ms p99 {p99:.0f} ms"
    )
    for error in result["errors"]:
        print(f"  error {error}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", help="target a running server instead of starting uvicorn")
    parser.add_argument("--workers", type=int, default=3, help="uvicorn workers to start")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--requests", type=int, default=300, help="measured requests")
    parser.add_argument("--connections", type=int, default=6, help="concurrent connections")
    parser.add_argument(
        "--hosts", type=int, default=1000, help="hosts of 100 series each (default 100,000 series)"
    )
    args = parser.parse_args()
    global HOSTS
    HOSTS = args.hosts

    django.setup()
    import logging

    from django.conf import settings

    logging.getLogger("httpx").setLevel(logging.WARNING)

    if not settings.USING_POSTGRES:
        print(
            "skipped: set DATABASE_URL to a migrated PostgreSQL database (the target is for PostgreSQL)"
        )
        return
    token = ingest_token()
    headers = REMOTE_WRITE_HEADERS | {"Authorization": f"Bearer {token}"}
    groups = HOSTS * 100 // SERIES_PER_REQUEST
    rounds = -(-args.requests // groups)
    if (rounds * SAMPLES_PER_SERIES * STEP_MS) > (
        settings.ITOPS_METRICS_FUTURE_TOLERANCE_SECONDS - 60
    ) * 1000:
        raise SystemExit(
            "too many requests for one run: timestamps would run past the future limit"
        )
    print(
        f"building {groups} warm-up bodies ({SERIES_PER_REQUEST} series x {SAMPLES_PER_SERIES} samples)"
    )
    warmup = build_bodies(groups, base_ms=int(time.time() * 1000) - 120_000)
    print(f"body size: {len(warmup[0]):,} bytes compressed")

    server = None
    url = args.url
    if url is None:
        server = start_server(args.port, args.workers)
        url = f"http://127.0.0.1:{args.port}"
    workers_at_start = set(_children(server.pid)) if server else set()
    try:
        rows_before = count_rows()
        cold = asyncio.run(send_all(url, warmup, args.connections, headers=headers))
        rows_mid = count_rows()
        report(f"warm-up (creates {HOSTS * 100:,} series)", cold, rows_mid - rows_before)
        # Each web process caches the series it has seen; Prometheus sends the same series
        # again and again, so the steady state is "every process knows every series". Replay
        # the warm-up bodies (already stored: the duplicate path) until nearly no process misses.
        for _round in range(8):
            misses = series_cache_misses()
            asyncio.run(send_all(url, warmup, args.connections, headers=headers))
            missed = series_cache_misses() - misses
            print(f"cache warm-up round: {missed:,} series-cache misses", flush=True)
            if missed < len(warmup) * SERIES_PER_REQUEST // 100:
                break
        # Built now and stamped from a few seconds ago, as Prometheus sends them: older
        # samples would count as late data (rollup backfill), which is not the steady state.
        print(f"building {args.requests} measured bodies")
        measured = build_bodies(args.requests, base_ms=int(time.time() * 1000) - 20_000)
        rows_mid = count_rows()
        cpu_before = cpu_snapshot(server)
        print("sending the measured requests", flush=True)
        warm = asyncio.run(send_all(url, measured, args.connections, headers=headers))
        cpu_after = cpu_snapshot(server)
        rows_after = count_rows()
        expected = args.requests * SERIES_PER_REQUEST * SAMPLES_PER_SERIES
        report("measured (known series)", warm, rows_after - rows_mid)
        print(f"rows counted afterwards: {rows_after - rows_mid:,} new (expected {expected:,})")
        stored = max(rows_after - rows_mid, 1)
        used = {part: cpu_after[part] - cpu_before[part] for part in cpu_after}
        print(
            "CPU per million samples: "
            + ", ".join(f"{part} {seconds / stored * 1e6:.2f} s" for part, seconds in used.items())
            + f" (machine load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
        )
        if server:
            restarted = workers_at_start - set(_children(server.pid))
            print(f"web worker processes restarted during the run: {len(restarted)}")
            own = used["web"] + used["postgres"]
            print(
                f"web + database backends: {stored / own:,.0f} samples per CPU-second, so "
                f"{stored / own * (os.cpu_count() or 1):,.0f} samples/s if they had "
                f"{os.cpu_count()} cores to themselves (WAL writer and bench client not counted)"
            )
        print(
            f"RESULT: {(rows_after - rows_mid) / warm['elapsed']:,.0f} durable samples/s "
            f"(workers={args.workers if server else 'external'}, connections={args.connections})"
        )
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
