"""Benchmark: range queries over 1,000 series x 24 h of 15-second samples in PostgreSQL.

What it does:
1. Creates a scratch database next to DATABASE_URL's (`<name>_bench_query_range`) and
   migrates it, so it never touches real data; drops it at the end (`--keep` leaves it).
2. Stores 1,000 counter series x 24 h at 15 s (5.76 million samples) through the storage
   layer's writer (`monitoring.ingest.write_samples`, binary COPY), then computes the 1-minute
   and 1-hour rollups of the whole day and analyses the tables.
3. Times `query_range` (selection + aggregation, as the API runs it; JSON encoding not
   included) over the last 1 h, 6 h and 24 h for 1, 10, 100 and 1,000 series with the steps a
   dashboard would ask for, with agg=avg and agg=rate, and prints the median and p95 in ms and
   the resolution used. A last row forces the 24 h range onto the hour rollups.

Run:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/itops REDIS_URL=redis://127.0.0.1:6379/9 \\
        .venv/bin/python bench/query_range.py

Prints its figures and exits 0 (also without PostgreSQL, saying so).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "itops.settings")

import django  # noqa: E402

HOUR = 3600
INTERVAL = 15
# (range, step) as a dashboard of ~250-400 points asks for them.
RANGES = ((1 * HOUR, 15), (6 * HOUR, 60), (24 * HOUR, 300))
SERIES_COUNTS = (1, 10, 100, 1000)
SELECTORS = {
    1: 'bench_requests_total{instance="host-0000:9100"}',
    10: 'bench_requests_total{instance=~"host-000.:9100"}',
    100: 'bench_requests_total{instance=~"host-00..:9100"}',
    1000: 'bench_requests_total{job="bench"}',
}


def scratch_database():
    """Create and migrate `<name>_bench_query_range`; return (connection, name to restore)."""
    from django.conf import settings
    from django.db import connection

    name = settings.DATABASES["default"]["NAME"]
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = f"{name}_bench_query_range"
    original = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    return connection, original


def store_samples(*, series: int, hours: int, end: int) -> float:
    """Write the samples; return the seconds it took."""
    from monitoring.ingest import SeriesSamples, labels_of, write_samples

    start = end - hours * HOUR
    times_ms = [(start + INTERVAL * k) * 1000 for k in range(hours * HOUR // INTERVAL)]
    began = time.perf_counter()
    batch_size = 25
    for first in range(0, series, batch_size):
        batch = []
        for number in range(first, min(series, first + batch_size)):
            labels = labels_of(
                "bench_requests_total",
                {"instance": f"host-{number:04d}:9100", "job": "bench", "zone": f"z{number % 4}"},
            )
            rate = 1 + number % 17
            # A counter: grows by about `rate` per second, restarts every 8 hours.
            samples = [
                (ts, float((k % 1920) * INTERVAL * rate + (k * 7919 + number) % 13))
                for k, ts in enumerate(times_ms)
            ]
            batch.append(SeriesSamples(labels, samples))
        result = write_samples(batch, source="bench", now_ms=end * 1000 + 1000)
        assert not result.rejected_total, result.summary()
        print(f"\r  stored {min(series, first + batch_size)}/{series} series", end="", flush=True)
    print()
    return time.perf_counter() - began


def compute_rollups(*, hours: int, end: int) -> float:
    from datetime import UTC, datetime

    from django.db import connection

    from monitoring.ingest.rollups import rollup_hours, rollup_minutes
    from monitoring.models import RollupState

    began = time.perf_counter()
    start_at = datetime.fromtimestamp(end - hours * HOUR, tz=UTC)
    end_at = datetime.fromtimestamp(end, tz=UTC)
    rollup_minutes(start_at, end_at)
    rollup_hours(start_at, end_at)
    for resolution in ("1m", "1h"):
        RollupState.objects.update_or_create(resolution=resolution, defaults={"done_until": end_at})
    with connection.cursor() as cursor:
        cursor.execute(
            "ANALYZE monitoring_sample; ANALYZE monitoring_minuterollup; "
            "ANALYZE monitoring_hourrollup; ANALYZE monitoring_series"
        )
    return time.perf_counter() - began


def time_query(selector: str, *, start: int, end: int, step: int, agg, repeat: int):
    from monitoring.queries import parse_selectors, query_range

    selectors = parse_selectors([selector])
    durations = []
    result = None
    for _ in range(repeat):
        began = time.perf_counter()
        result = query_range(selectors, start=start, end=end, step=step, agg=agg)
        durations.append((time.perf_counter() - began) * 1000)
    points = sum(len(line.points) for line in result.series)
    return durations, result, points


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def report(label: str, durations: list[float], result, points: int) -> None:
    sources = "+".join(f"{name}:{count}" for name, count in result.windows_by_source.items())
    print(
        f"{label:<34} {len(result.series):>6} {points:>9} {statistics.median(durations):>9.1f} "
        f"{p95(durations):>9.1f}  {result.resolution.value:<4} ({sources})"
    )


def run_queries(*, end: int, repeat: int) -> None:
    from django.test import override_settings

    from monitoring.queries import Aggregation

    print(f"\n{'query':<34} {'series':>6} {'points':>9} {'median ms':>9} {'p95 ms':>9}  resolution")
    for agg in (Aggregation.AVG, Aggregation.RATE):
        for range_seconds, step in RANGES:
            for count in SERIES_COUNTS:
                # Warm-up, then the measured runs (dashboards repeat the same queries).
                time_query(SELECTORS[count], start=end - range_seconds, end=end, step=step,
                           agg=agg, repeat=1)  # fmt: skip
                durations, result, points = time_query(
                    SELECTORS[count],
                    start=end - range_seconds,
                    end=end,
                    step=step,
                    agg=agg,
                    repeat=repeat if count < 1000 else max(3, repeat // 2),
                )
                label = f"{agg.value} {range_seconds // HOUR}h step={step}s x{count}"
                report(label, durations, result, points)
    with override_settings(ITOPS_METRICS_QUERY_MINUTE_MAX_SECONDS=HOUR):
        for count in (100, 1000):
            durations, result, points = time_query(
                SELECTORS[count], start=end - 24 * HOUR, end=end, step=HOUR,
                agg=Aggregation.AVG, repeat=repeat,
            )  # fmt: skip
            report(f"avg 24h step=3600s x{count} (hours)", durations, result, points)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--series", type=int, default=1000)
    parser.add_argument("--hours", type=int, default=24)
    parser.add_argument("--repeat", type=int, default=11, help="timed runs per query")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    django.setup()
    from django.conf import settings

    if not settings.USING_POSTGRES:
        print("query_range benchmark: needs PostgreSQL (set DATABASE_URL); nothing measured.")
        return 0

    connection, original_name = scratch_database()
    try:
        end = int(time.time()) // HOUR * HOUR
        total = args.series * args.hours * HOUR // INTERVAL
        print(f"query_range benchmark: {args.series} series x {args.hours} h at {INTERVAL} s "
              f"= {total:,} samples, in {connection.settings_dict['NAME']}")  # fmt: skip
        seconds = store_samples(series=args.series, hours=args.hours, end=end)
        print(f"  write_samples: {seconds:.1f} s ({total / seconds:,.0f} samples/s)")
        seconds = compute_rollups(hours=args.hours, end=end)
        print(f"  rollups (1 min + 1 h) and ANALYZE: {seconds:.1f} s")
        run_queries(end=end, repeat=args.repeat)
    finally:
        if args.keep:
            print(f"\nkept {connection.settings_dict['NAME']}")
        else:
            connection.creation.destroy_test_db(original_name, verbosity=0)
            print("\nscratch database dropped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
