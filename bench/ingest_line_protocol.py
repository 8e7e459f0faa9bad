"""Benchmark: InfluxDB line protocol (Telegraf's influxdb_v2 output) into PostgreSQL, counted as
durable samples per second.

What it does:
1. Builds Telegraf-like batches: for each of 1,400 hosts the cpu (4 cores + total), mem, disk
   (3 mounts), diskio (2 devices), net (2 interfaces) and system inputs, 14 lines and 117
   numeric fields per host per interval (plus one string field, skipped), 70 hosts per body =
   980 lines, nanosecond timestamps, gzip-encoded, as Telegraf sends them with its default
   batch size of 1,000 metrics.
2. Starts uvicorn itself (`--workers N`, against DATABASE_URL, persistent DB connections) or
   targets a running server (`--url`).
3. Warm-up: one interval of every host (creates the 163,800 series), timed and reported apart.
4. Measured run: `--requests` bodies over `--connections` concurrent connections to
   `POST /api/v2/write?org=bench&bucket=telegraf&precision=ns` with `Authorization: Token`;
   every answer must be 204, which the receiver sends only after COMMIT.
5. Counts the rows in monitoring_sample before and after and reports durable samples/s =
   new rows / wall time of the measured run.

Run (writes millions of rows: use a scratch database):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/itops_bench REDIS_URL=redis://127.0.0.1:6379/9 \\
        .venv/bin/python manage.py migrate
    DATABASE_URL=... REDIS_URL=... .venv/bin/python bench/ingest_line_protocol.py --workers 3

Prints its figures and exits 0.
"""

import argparse
import asyncio
import gzip
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "itops.settings")

import django  # noqa: E402
from ingest_remote_write import (  # noqa: E402
    count_rows,
    ingest_token,
    report,
    send_all,
    start_server,
)

HOSTS = 1400
HOSTS_PER_REQUEST = 70
STEP_SECONDS = 10
SAMPLES_PER_HOST = 117
CPU_FIELDS = ("usage_user", "usage_system", "usage_idle", "usage_active", "usage_nice",
              "usage_iowait", "usage_irq", "usage_softirq", "usage_steal", "usage_guest")  # fmt: skip
MOUNTS = (("/", "nvme0n1p2", "ext4"), ("/var", "dm-0", "xfs"), ("/srv/data", "sdb1", "xfs"))


def host_lines(host: int, at_ns: int, tick: int) -> list[str]:
    name = f"node-{host:04d}.dc{host % 3 + 1}.example.com"
    tags = f"host={name},env={'production' if host % 5 else 'staging'}"
    v = (host * 7 + tick) % 97
    lines = []
    for cpu in ("cpu0", "cpu1", "cpu2", "cpu3", "cpu-total"):
        fields = ",".join(f"{f}={(v + i) / 3.0:.4f}" for i, f in enumerate(CPU_FIELDS))
        lines.append(f"cpu,cpu={cpu},{tags} {fields} {at_ns}")
    lines.append(
        f"mem,{tags} active={v}123456i,available={v}8123456i,available_percent={v / 2:.2f},"
        f"buffered=123456i,cached={v}12345i,free={v}234567i,inactive=345678i,slab=45678i,"
        f"total=16777216000i,used={v}456789i,used_percent={v / 3:.2f},swap_free=1073741824i "
        f"{at_ns}"
    )
    for path, device, fstype in MOUNTS:
        lines.append(
            f"disk,device={device},fstype={fstype},mode=rw,path={path},{tags} "
            f"free={v}000000000i,inodes_free=6000000i,inodes_total=6553600i,inodes_used={v}000i,"
            f"total=250000000000i,used={v}100000000i,used_percent={v / 4:.2f} {at_ns}"
        )
    for device in ("nvme0n1", "sdb"):
        lines.append(
            f"diskio,name={device},{tags} io_time={tick}{v}i,read_bytes={v}1000i,reads={v}10i,"
            f"write_bytes={v}2000i,writes={v}20i,weighted_io_time={tick}i {at_ns}"
        )
    for interface in ("eth0", "eth1"):
        lines.append(
            f"net,interface={interface},{tags} bytes_recv={tick}{v}00i,bytes_sent={tick}{v}10i,"
            f"drop_in=0i,drop_out=0i,err_in=0i,err_out=0i,packets_recv={tick}{v}i,"
            f"packets_sent={tick}{v}1i {at_ns}"
        )
    lines.append(
        f"system,{tags} load1={v / 50:.2f},load5={v / 60:.2f},load15={v / 70:.2f},n_cpus=4i,"
        f'n_users=1i,uptime={86400 + tick * STEP_SECONDS}i,uptime_format=" 1 day,  0:00" {at_ns}'
    )
    return lines


def build_bodies(count: int, *, base_s: int, first_round: int = 0) -> list[bytes]:
    groups = HOSTS // HOSTS_PER_REQUEST
    bodies = []
    for index in range(count):
        group = index % groups
        tick = first_round + index // groups
        at_ns = (base_s + tick * STEP_SECONDS) * 1_000_000_000
        lines = []
        for host in range(group * HOSTS_PER_REQUEST, (group + 1) * HOSTS_PER_REQUEST):
            lines.extend(host_lines(host, at_ns, tick))
        bodies.append(gzip.compress(("\n".join(lines) + "\n").encode(), compresslevel=6))
    return bodies


# As Telegraf's influxdb_v2 output sends them.
LINE_PROTOCOL_PATH = "/api/v2/write?org=bench&bucket=telegraf&precision=ns"
LINE_PROTOCOL_HEADERS = {
    "Content-Type": "text/plain; charset=utf-8",
    "Content-Encoding": "gzip",
    "User-Agent": "Telegraf/1.32 (bench)",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", help="target a running server instead of starting uvicorn")
    parser.add_argument("--workers", type=int, default=3, help="uvicorn workers to start")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--requests", type=int, default=200, help="measured requests")
    parser.add_argument("--connections", type=int, default=6, help="concurrent connections")
    args = parser.parse_args()

    import logging

    django.setup()
    from django.conf import settings

    logging.getLogger("httpx").setLevel(logging.WARNING)

    if not settings.USING_POSTGRES:
        print(
            "skipped: set DATABASE_URL to a migrated PostgreSQL database (the target is for PostgreSQL)"
        )
        return
    token = ingest_token()
    headers = LINE_PROTOCOL_HEADERS | {"Authorization": f"Token {token}"}
    groups = HOSTS // HOSTS_PER_REQUEST
    rounds = 1 + -(-args.requests // groups)
    base_s = int(time.time()) - 60
    if rounds * STEP_SECONDS > settings.ITOPS_METRICS_FUTURE_TOLERANCE_SECONDS - 30:
        raise SystemExit("too many requests for one run: timestamps would pass the future limit")
    print(f"building {groups + args.requests} bodies ({HOSTS_PER_REQUEST} hosts x 14 lines)...")
    warmup = build_bodies(groups, base_s=base_s)
    measured = build_bodies(args.requests, base_s=base_s, first_round=1)
    print(
        f"body size: {len(measured[0]):,} bytes gzip, {HOSTS_PER_REQUEST * SAMPLES_PER_HOST:,} samples"
    )

    server = None
    url = args.url
    if url is None:
        server = start_server(args.port, args.workers)
        url = f"http://127.0.0.1:{args.port}"
    try:
        rows_before = count_rows()
        cold = asyncio.run(
            send_all(url, warmup, args.connections, path=LINE_PROTOCOL_PATH, headers=headers)
        )
        rows_mid = count_rows()
        report(
            f"warm-up (creates {HOSTS * SAMPLES_PER_HOST:,} series)", cold, rows_mid - rows_before
        )
        warm = asyncio.run(
            send_all(url, measured, args.connections, path=LINE_PROTOCOL_PATH, headers=headers)
        )
        rows_after = count_rows()
        expected = args.requests * HOSTS_PER_REQUEST * SAMPLES_PER_HOST
        report("measured (known series)", warm, rows_after - rows_mid)
        print(f"rows counted afterwards: {rows_after - rows_mid:,} new (expected {expected:,})")
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
