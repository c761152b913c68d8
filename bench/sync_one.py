#!/usr/bin/env python3
"""Cost of an incremental sync beside a full build; run by hand, never by `make test`.

    .venv/bin/python bench/sync_one.py --corpus DIR --index DIR [--repeat 5] [--json out.json]

Builds the index of DIR into --index from scratch (timed), then repeatedly adds one new
document to DIR and syncs, removes it and syncs, and syncs with nothing to do, each with a
check of the whole folder (`searchd index`); then adds and removes it again with a sync of
that file alone (what the watcher of `searchd serve --watch` does). Prints the medians.
The corpus folder must be a scratch copy: the benchmark writes a file into it.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from report import peak_rss_mb, report

from searchd.config import config_from_dict
from searchd.sync import sync_index

NEW_DOC = " date 2026-11 Nieuw document {n}\n\nDe minister van Financiën kondigde nieuwe " \
          "maatregelen aan tegen belastingontwijking door multinationals ({n}).\n"


def timed(fn) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    """Seconds taken by fn() and its result."""
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def main() -> None:
    """Build, then time single-document syncs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-build", action="store_true", help="reuse --index as it is")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    config = config_from_dict({"paths": {"seeds": str(args.corpus.resolve()),
                                         "index": str(args.index)}}, Path.cwd())
    figures: dict[str, object] = {"corpus": str(args.corpus)}
    if not args.skip_build:
        seconds, built = timed(lambda: sync_index(config, rebuild=True))
        figures.update(full_build_s=round(seconds, 1), documents=built.added)  # type: ignore[attr-defined]
    add, remove, noop, add_path, remove_path = [], [], [], [], []
    for n in range(args.repeat):
        path = args.corpus / f"zz_bench_{n}.txt"
        path.write_text(NEW_DOC.format(n=n), encoding="utf-8")
        add.append(timed(lambda: sync_index(config))[0])
        path.unlink()
        remove.append(timed(lambda: sync_index(config))[0])
        noop.append(timed(lambda: sync_index(config))[0])
        path.write_text(NEW_DOC.format(n=n), encoding="utf-8")  # as the watcher does it
        named = [str(path)]
        add_path.append(timed(lambda: sync_index(config, paths=named))[0])  # noqa: B023
        path.unlink()
        remove_path.append(timed(lambda: sync_index(config, paths=named))[0])  # noqa: B023
    figures.update(add_one_s=round(statistics.median(add), 3),
                   remove_one_s=round(statistics.median(remove), 3),
                   nothing_to_do_s=round(statistics.median(noop), 3),
                   watcher_add_one_s=round(statistics.median(add_path), 3),
                   watcher_remove_one_s=round(statistics.median(remove_path), 3),
                   peak_rss_mb=peak_rss_mb())
    report(figures, args.json)


if __name__ == "__main__":
    main()
