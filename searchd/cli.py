"""The `searchd` command: thin click shells over the library."""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from .cluster.commands import cluster_group
from .config import Config, load_config
from .engines import engine_for
from .errors import NoIndexError, SearchdError
from .logs import printable, printable_text
from .terminal import human_stats, print_result, progress_bar

F = TypeVar("F", bound=Callable[..., Any])
LOCK_WAIT = 30.0  # seconds `searchd index` waits for a watcher's sync before giving up


def translate_errors(fn: F) -> F:
    """Turn library errors (and the operating system's) into one clear line and a non-zero
    exit."""
    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except SearchdError as exc:
            hint = f" ({exc.hint})" if exc.hint else ""
            raise click.ClickException(printable(f"{exc}{hint}{_read_from(exc)}")) from None
        except BrokenPipeError:  # the reader stopped (`| head`): stop too, without a word
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # (at exit)
            sys.exit(1)
        except OSError as exc:
            where = f": {exc.filename}" if exc.filename else ""
            raise click.ClickException(printable(f"{exc.strerror or exc}{where}")) from None
    return wrapper  # type: ignore[return-value]


def _read_from(exc: SearchdError) -> str:
    """For an error of the paths: which config was read, and how to name another."""
    if not isinstance(exc, NoIndexError):
        return ""
    config = click.get_current_context().find_object(Config)
    source = config.source if config is not None else None
    return ("; config read: " + (str(source) if source else
                                 f"none (no config.toml in {Path.cwd()}: the defaults)") +
            "; to use another: searchd --config FILE (or SEARCHD_CONFIG=FILE)")


def run() -> None:
    """The `searchd` command: main() with a last resort for what no one foresaw (a bug):
    one line that names the error and the file that holds its traceback, exit status 70."""
    try:
        main(prog_name="searchd")
    except Exception as exc:  # noqa: BLE001 - the last resort
        log = Path(tempfile.gettempdir()) / f"searchd-error-{os.getpid()}.log"
        try:
            log.write_text("".join(traceback.format_exception(exc)), encoding="utf-8")
            where = f"details in {log}"
        except OSError:
            where = "no log could be written"
        click.echo(printable(f"Error: unexpected {type(exc).__name__}: {exc} ({where})"), err=True)
        sys.exit(70)


def paging_options(fn: F) -> F:
    """--limit, --page, --since, --until, --sort: shared by the searching commands."""
    fn = click.option("--sort", type=click.Choice(["relevance", "newest", "oldest"]),
                      default="relevance", show_default=True,
                      help="Order: by relevance, or by date (undated documents last).")(fn)
    fn = click.option("--until", metavar="YYYY-MM",
                      help="Only documents up to and with this month.")(fn)
    fn = click.option("--since", metavar="YYYY-MM", help="Only documents from this month on.")(fn)
    fn = click.option("--page", default=1, show_default=True, help="Result page.")(fn)
    return click.option("--limit", type=int, help="Results per page.")(fn)


@click.group()
@click.option("--config", "config_file", type=click.Path(dir_okay=False),
              help="Config file (default: $SEARCHD_CONFIG or ./config.toml).")
@click.version_option(package_name="searchd")
@click.pass_context
@translate_errors
def main(ctx: click.Context, config_file: str | None) -> None:
    """searchd: full-text search for Dutch documents."""
    ctx.obj = load_config(config_file)


@main.command("index")
@click.option("--rebuild", is_flag=True, help="Start from scratch.")
@click.option("--wait", default=LOCK_WAIT, show_default=True,
              help="Seconds to wait for another writer (a watcher's sync) before giving up.")
@click.option("--strict", is_flag=True, help="Exit with status 1 when a file was skipped.")
@click.pass_obj
@translate_errors
def index_cmd(config: Config, rebuild: bool, wait: float, strict: bool) -> None:
    """Bring the index up to date with the seeds folder.

    Skipped files are listed on stderr; the exit status is 0 unless --strict is given and
    a file was skipped (then 1; the other files are indexed all the same)."""
    from .sync import sync_index

    if config.clustered:  # every shard synced on its worker, then copied (cluster/build.py)
        from .cluster.build import index_cluster
        shards = index_cluster(config, rebuild=rebuild)
        report = shards.total()
        _echo_problems(report)
        click.echo("\n".join(shards.lines()))
    else:
        with progress_bar() as progress:
            report = sync_index(config, rebuild=rebuild, progress=progress, lock_wait=wait)
        _echo_problems(report)
        click.echo(report.summary())
    if strict and report.skipped:
        raise click.ClickException(f"{len(report.skipped)} file(s) skipped (--strict)")


def _echo_problems(report: Any) -> None:
    """Name every skipped file with its reason, and every warning, on stderr."""
    for doc_id, reason in report.skipped:
        click.echo(printable(f"skipped {doc_id}: {reason}"), err=True)
    for doc_id, message in report.warnings:
        click.echo(printable(f"warning {doc_id}: {message}"), err=True)


@main.command("search", context_settings={"ignore_unknown_options": True})
@click.argument("query", required=False)
@paging_options
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--queries", type=click.File("r", encoding="utf-8"),
              help="Batch: a file of qid<TAB>query lines; prints TREC run lines.")
@click.option("--no-collapse", is_flag=True,
              help="Show near-duplicates as hits of their own, not grouped under one.")
@click.option("--explain", is_flag=True, help="Show why each hit scored as it did.")
@click.option("--format", "formats", default="", metavar="FORMATS",
              help="Only documents of these formats, e.g. pdf or pdf,docx.")
@click.option("--author", "authors", multiple=True, metavar="NAME",
              help="Only documents of this author (as their metadata names them).")
@click.pass_obj
@translate_errors
def search_cmd(config: Config, query: str | None, limit: int | None, page: int,
               since: str | None, until: str | None, sort: str, as_json: bool,
               queries: Any, no_collapse: bool, explain: bool, formats: str,
               authors: tuple[str, ...]) -> None:
    """Search the index for QUERY (a query that starts with "-" is taken as one too:
    searchd search -fiets)."""
    from .evaluation import trec_run

    if queries is not None and (query or as_json):
        raise click.UsageError("--queries runs a file of queries and prints TREC run lines; "
                               "give it without a QUERY and without --json")
    engine = engine_for(config)
    if queries is not None:
        for line in trec_run(engine, queries, limit or 10, since=since, until=until, sort=sort,
                             collapse=not no_collapse):
            click.echo(line)
        return
    if not query:
        raise click.UsageError("give a QUERY or --queries FILE")
    asked = engine.request(query, page=page, limit=limit, since=since, until=until, sort=sort,
                           collapse=not no_collapse, explain=explain, formats=formats,
                           authors=authors)
    result = engine.run(asked)
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return
    if result.total and result.page > result.pages:
        raise click.UsageError(f"page {result.page} is past the last page ({result.pages}) "
                               f"of {result.total} results")
    print_result(result)
    for notice in result.notices:
        click.echo(printable(f"note: {notice}"), err=True)
    if result.suggestion:
        click.echo(f"\nDid you mean: {printable(result.suggestion)}")


@main.command("show")
@click.argument("doc_id")
@click.option("--json", "as_json", is_flag=True, help="Print the document as JSON.")
@click.pass_obj
@translate_errors
def show_cmd(config: Config, doc_id: str, as_json: bool) -> None:
    """Print a stored document by id."""

    view = engine_for(config).document(doc_id)  # (the whole body: no part asked for)
    doc = view.document
    if as_json:
        click.echo(json.dumps(view.to_dict(), ensure_ascii=False, indent=2))
        return
    click.secho(printable(doc.title or doc.id), bold=True)
    click.echo(f"{printable(doc.id)}  {doc.month or 'no date'}\n")
    click.echo(printable_text(doc.body))


@main.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.pass_obj
@translate_errors
def stats_cmd(config: Config, as_json: bool) -> None:
    """Print facts about the index."""

    stats = engine_for(config).stats()
    if as_json:
        click.echo(json.dumps(stats, indent=2))
        return
    files = stats.pop("files", {})
    for key, value in human_stats(stats).items():
        click.echo(printable(f"{key:>12}: {value}"))
    indexed = ", ".join(f"{n} {kind}" for kind, n in files.get("indexed", {}).items())
    skipped = ", ".join(f"{n} {kind}" for kind, n in files.get("skipped", {}).items())
    click.echo(f"{'indexed':>12}: {indexed or 'nothing'}")
    click.echo(f"{'skipped':>12}: {skipped or 'nothing'}")
    for entry in files.get("skipped_files", [])[:20]:
        click.echo(printable(f"{'':>12}  {entry['id']}: {entry['reason']}"))


@main.command("analyze")
@click.argument("text")
@click.option("--json", "as_json", is_flag=True, help="Print the tokens as JSON.")
@click.pass_obj
def analyze_cmd(config: Config, text: str, as_json: bool) -> None:
    """Show the tokens the Dutch analyzer makes of TEXT."""
    from .analysis import explain

    tokens = explain(text, config.stemmer, config.compounds)
    if as_json:
        click.echo(json.dumps({"tokens": [t.__dict__ for t in tokens]}, ensure_ascii=False))
        return
    click.echo(f"{'pos':>4}  {'chars':<11}  {'word':<24}    {'term':<20} kind")
    for t in tokens:
        click.echo(f"{t.position:>4}  {t.start:>5}-{t.end:<5}  {t.original:<24} -> "
                   f"{t.text:<20} {t.kind}")


@main.command("eval")
@click.argument("queries_file", metavar="QUERIES", type=click.Path(exists=True, dir_okay=False))
@click.argument("qrels_file", metavar="QRELS", type=click.Path(exists=True, dir_okay=False))
@click.option("--queries", "more", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Another queries file judged by the same QRELS (e.g. the queries with "
                   "typos); repeatable.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.pass_obj
@translate_errors
def eval_cmd(config: Config, queries_file: str, qrels_file: str, more: tuple[str, ...],
             as_json: bool) -> None:
    """Score the index on QUERIES (qid<TAB>query) against QRELS (qid docid grade):
    MRR@10, Success@1/@10, nDCG@10 (gains 2^grade-1), P@10, MAP@100."""
    from .evaluation import evaluate_files

    reports = evaluate_files(engine_for(config), [queries_file, *more], qrels_file)
    if as_json:
        shape = {name: r.__dict__ for name, r in reports.items()}
        click.echo(json.dumps(next(iter(shape.values())) if len(shape) == 1 else shape))
        return
    for name, report in reports.items():
        click.echo(("" if name == queries_file else "\n") + f"# {name}\n" +
                   "\n".join(report.lines()))


@main.command("serve")
@click.option("--host", help="Address to listen on (default: config [server] host).")
@click.option("--port", type=click.IntRange(1, 65535),
              help="Port, 1-65535 (default: config [server] port).")
@click.option("--watch", is_flag=True, help="Also follow the seeds folder and sync the index.")
@click.pass_obj
@translate_errors
def serve_cmd(config: Config, host: str | None, port: int | None, watch: bool) -> None:
    """Run the web service (gunicorn: one worker process per core by default).

    With --watch this process follows the seeds folder and the server runs in a child
    process (gunicorn reaps every child of its own process, the indexer's workers too)."""
    from .web.server import serve, serve_watching

    address = (config, host or config.host, config.port if port is None else port)
    if watch:
        serve_watching(*address, start_watcher=lambda: _start_watcher(config))
    else:
        serve(*address)


@main.command("analytics")
@click.option("--days", type=click.IntRange(1, 3660), default=30, show_default=True,
              help="Count the searches of the last N days.")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True,
              help="Show the N most frequent of each list.")
@click.option("--json", "as_json", is_flag=True, help="Print the lists as JSON.")
@click.pass_obj
@translate_errors
def analytics_cmd(config: Config, days: int, limit: int, as_json: bool) -> None:
    """The most frequent searches, and the most frequent that found nothing, with the
    line the synonyms file would need for each of those."""
    from . import analytics

    found = analytics.report(config.index, days, limit)
    if found.problem:
        raise SearchdError(found.problem)
    lines = analytics.synonyms_lines(engine_for(config), found)
    if as_json:
        click.echo(json.dumps({
            "days": days, "popular": [asdict(c) for c in found.popular],
            "zero_results": [{**asdict(c), "synonyms_line": lines[c.query]}
                             for c in found.zero_results]}, ensure_ascii=False, indent=2))
        return
    click.echo(f"most frequent searches, last {days} days:")
    for c in found.popular or []:
        click.echo(f"  {c.count:6d}  {printable(c.query)}")
    if not found.popular:
        click.echo("  (none)")
    click.echo(f"\nmost frequent searches that found nothing, last {days} days "
               "(and a line for the synonyms file):")
    for c in found.zero_results:
        click.echo(f"  {c.count:6d}  {printable(c.query):30s}  {printable(lines[c.query])}")
    if not found.zero_results:
        click.echo("  (none)")


@main.command("snapshot")
@click.argument("destination", type=click.Path(file_okay=False, path_type=Path))
@click.pass_obj
@translate_errors
def snapshot_cmd(config: Config, destination: Path) -> None:
    """Write a consistent copy of the active index to DESTINATION (a new folder), while the
    server serves and the watcher syncs."""
    from . import snapshot

    info = snapshot.take(config, destination.resolve())
    click.echo(printable(f"snapshot of {info.indexname} (generation {info.generation}): "
                         f"{len(info.files)} files, {info.size / 1e6:.1f} MB in {info.path}"))


@main.command("restore")
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.pass_obj
@translate_errors
def restore_cmd(config: Config, source: Path) -> None:
    """Make the snapshot in SOURCE the active index (atomically; a running server switches
    to it on its next request). Refuses a snapshot of another analysis."""
    from . import snapshot

    info = snapshot.restore(config, source.resolve())
    taken = time.strftime("%Y-%m-%d %H:%M", time.localtime(info.created))
    click.echo(printable(f"restored the snapshot of {taken} ({len(info.files)} files); the "
                         f"next sync brings it up to date with {config.seeds}"))


@main.command("watch")
@click.option("--polling", is_flag=True, help="Poll the folder instead of using file events.")
@click.pass_obj
@translate_errors
def watch_cmd(config: Config, polling: bool) -> None:
    """Follow the seeds folder and sync the index after every change (Ctrl-C stops)."""
    from . import logs

    logs.setup(config.log_format)
    watcher = _start_watcher(config, polling)
    click.echo(f"watching {config.seeds}", err=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        watcher.stop()


def _start_watcher(config: Config, polling: bool = False) -> Any:
    """Start a SeedWatcher whose syncs and skipped files are logged (logs.py)."""
    from .watch import SeedWatcher

    return SeedWatcher(config, polling=polling).start()


if __name__ == "__main__":  # pragma: no cover
    run()


main.add_command(cluster_group)
