"""Search analytics at their own limits: MAX_QUERIES_A_DAY distinct searches every day.

    python bench/analytics_report.py [--days 90] [--per-day 100000]

Fills a scratch analytics file day by day as the recorder would keep it (each day's rows
written, and the days two days old summarised as the recorder does once a day), then prints
the file's size and the median time of the owner's reports (7, 30 and 90 days).
"""

from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from contextlib import closing
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from searchd import analytics  # noqa: E402


def fill(folder: Path, days: int, per_day: int) -> None:
    """days of per_day distinct searches each: a few popular ones, the rest made up."""
    rng = random.Random(7)
    popular = [f"populair {n}" for n in range(50)]
    with closing(analytics._connect(folder / analytics.FILE)) as conn:
        for back in range(days - 1, -1, -1):
            day = (date.today() - timedelta(days=back)).isoformat()
            rows = [(day, q, rng.randint(20, 400), rng.randint(0, 5), 3) for q in popular]
            rows += [(day, f"verzonnen {back} {n} {rng.random():.6f}", 1, rng.randint(0, 1), 0)
                     for n in range(per_day - len(popular))]
            conn.execute("BEGIN")
            conn.executemany("INSERT INTO searches VALUES (?, ?, ?, ?, ?)", rows)
            # (on that day the recorder summarises the days before the day before it)
            analytics._summarise(conn, (date.today() - timedelta(days=back + 1)).isoformat())
            conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def timed(folder: Path, days: int, runs: int = 5) -> float:
    took = []
    for _ in range(runs):
        started = time.perf_counter()
        analytics.report(folder, days, 25)
        took.append(time.perf_counter() - started)
    return statistics.median(took)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--per-day", type=int, default=analytics.MAX_QUERIES_A_DAY)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="searchd-analytics-"))
    try:
        started = time.perf_counter()
        fill(folder, args.days, args.per_day)
        size = sum(p.stat().st_size for p in folder.iterdir()) / 1e6
        print(f"{args.days} days x {args.per_day:,} distinct searches: filled in "
              f"{time.perf_counter() - started:.0f} s, file {size:.1f} MB")
        with closing(sqlite3.connect(folder / analytics.FILE)) as conn:
            raw = conn.execute("SELECT COUNT(*) FROM searches").fetchone()[0]
            kept = conn.execute("SELECT COUNT(*) FROM summaries").fetchone()[0]
        print(f"rows: {raw:,} of the last days, {kept:,} in summaries")
        for days in (7, 30, 90):
            print(f"report of {days:>2} days: median {timed(folder, days) * 1000:7.1f} ms")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
