"""Search analytics: counting, retention, the zero-result list, `searchd analytics`, and
the owner's page /beheer."""

from __future__ import annotations

import json
import logging
import re
import sqlite3
from contextlib import closing
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from searchd import analytics
from searchd.cli import main
from searchd.config import Config
from searchd.web import create_app

TOKEN = "een-geheim-token-van-20"


def rows(index_dir: Path) -> list[tuple]:
    with closing(sqlite3.connect(index_dir / analytics.FILE)) as conn:
        return conn.execute("SELECT day, query, count, zero, results FROM searches "
                            "ORDER BY query").fetchall()


def test_searches_are_counted_by_normalised_text_per_day(tmp_path: Path) -> None:
    recorder = analytics.Recorder(tmp_path, days=90)
    for text, results in [("Minister  van Financiën", 3), ("minister van financien", 4),
                          ("  ", 0), ("zzqx", 0), ("ZZQX", 0)]:
        recorder.record(text, results)
    recorder.flush()
    today = date.today().isoformat()
    assert rows(tmp_path) == [(today, "minister van financien", 2, 0, 4),
                              (today, "zzqx", 2, 2, 0)]
    recorder.record("zzqx", 1)
    recorder.flush()
    assert rows(tmp_path)[1] == (today, "zzqx", 3, 2, 1)


def test_nothing_but_the_text_and_the_day_is_stored(tmp_path: Path) -> None:
    analytics.Recorder(tmp_path, days=90).record("fiets", 1)
    recorder = analytics.Recorder(tmp_path, days=90)
    recorder.record("x" * 1000, 0)
    recorder.flush()
    with closing(sqlite3.connect(tmp_path / analytics.FILE)) as conn:
        columns = [row[1] for row in conn.execute("PRAGMA table_info(searches)")]
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert columns == ["day", "query", "count", "zero", "results"]
    assert len(rows(tmp_path)[0][1]) == analytics.MAX_QUERY_CHARS


def test_old_days_are_deleted(tmp_path: Path) -> None:
    recorder = analytics.Recorder(tmp_path, days=7)
    recorder.record("vandaag", 1)
    recorder.flush()
    old = (date.today() - timedelta(days=7)).isoformat()
    kept = (date.today() - timedelta(days=6)).isoformat()
    with closing(sqlite3.connect(tmp_path / analytics.FILE)) as conn, conn:
        conn.executemany("INSERT INTO searches VALUES (?, ?, 1, 0, 1)",
                         [(old, "oud"), (kept, "nog net")])
    again = analytics.Recorder(tmp_path, days=7)  # (prunes on its first write of a day)
    again.record("vandaag", 1)
    again.flush()
    assert [r[1] for r in rows(tmp_path)] == ["vandaag"]  # "nog net": kept as a summary
    found = analytics.report(tmp_path, 7, 10)
    assert [(c.query, c.count) for c in found.popular] == [("vandaag", 2), ("nog net", 1)]


def test_the_report_lists_popular_and_zero_result_searches(tmp_path: Path) -> None:
    recorder = analytics.Recorder(tmp_path, days=90)
    for text, times, results in [("fiets", 5, 2), ("olifant", 3, 0), ("kat", 4, 1),
                                 ("giraf", 1, 0)]:
        for _ in range(times):
            recorder.record(text, results)
    recorder.flush()
    found = analytics.report(tmp_path, days=30, limit=3)
    assert [(c.query, c.count) for c in found.popular] == [("fiets", 5), ("kat", 4),
                                                           ("olifant", 3)]
    assert [(c.query, c.count) for c in found.zero_results] == [("olifant", 3), ("giraf", 1)]


def test_a_database_that_cannot_be_written_never_fails_a_search(tmp_path: Path,
                                                                 caplog) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / analytics.FILE).mkdir()  # not a database
    recorder = analytics.Recorder(tmp_path, days=90)
    recorder.record("fiets", 1)
    recorder.flush()  # does not raise; keeps the count for the next round
    assert "cannot write" in caplog.text
    (tmp_path / analytics.FILE).rmdir()
    recorder.flush()
    assert [r[1:3] for r in rows(tmp_path)] == [("fiets", 1)]


def test_searches_on_the_site_and_the_api_are_counted(built: Config) -> None:
    client = create_app(built).test_client()
    client.get("/api/search?q=strijders")
    client.get("/?q=Strijders")
    client.get("/api/search?q=qqzzx")
    client.get("/api/suggest?q=strij")  # a completion is no search
    client.get("/api/search?q=fiets&page=x")  # a bad request is not answered: not counted
    client.application.extensions["searchd.analytics"].flush()
    assert [(r[1], r[2], r[3]) for r in rows(built.index)] == [("qqzzx", 1, 1),
                                                              ("strijders", 2, 0)]


def test_analytics_can_be_turned_off(built: Config) -> None:
    client = create_app(replace(built, analytics=False)).test_client()
    client.get("/api/search?q=strijders")
    assert "searchd.analytics" not in client.application.extensions
    assert not (built.index / analytics.FILE).exists()


def test_the_analytics_command(built: Config, tmp_path: Path) -> None:
    recorder = analytics.Recorder(built.index, days=90)
    for text, results in [("strijders", 2), ("strijders", 2), ("stijders", 0)]:
        recorder.record(text, results)
    recorder.flush()
    conf = tmp_path / "c.toml"
    conf.write_text(f'[paths]\nseeds = "{built.seeds}"\nindex = "{built.index}"\n')
    result = CliRunner().invoke(main, ["--config", str(conf), "analytics", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["popular"] == [{"query": "strijders", "count": 2},
                               {"query": "stijders", "count": 1}]
    assert data["zero_results"] == [{"query": "stijders", "count": 1,
                                     "synonyms_line": "stijders, strijders"}]
    text = CliRunner().invoke(main, ["--config", str(conf), "analytics", "--days", "7"])
    assert "stijders, strijders" in text.output and "last 7 days" in text.output


@pytest.fixture
def owner(built: Config):  # type: ignore[no-untyped-def]
    recorder = analytics.Recorder(built.index, days=90)
    for text, results in [("fiets", 1), ("<script>alert(1)</script>", 0)]:
        recorder.record(text, results)
    recorder.flush()
    return create_app(replace(built, admin_token=TOKEN)).test_client()


def test_beheer_does_not_exist_without_a_token(built: Config) -> None:
    client = create_app(built).test_client()
    assert client.get("/beheer").status_code == 404
    assert client.post("/beheer/login", data={"token": "x"}).status_code == 404


def test_beheer_refuses_without_and_with_a_wrong_token(owner) -> None:  # type: ignore[no-untyped-def]
    page = owner.get("/beheer")
    assert page.status_code == 401 and "fiets" not in page.text
    assert 'type="password"' in page.text and "Set-Cookie" not in page.headers
    wrong = owner.post("/beheer/login", data={"token": TOKEN[:-1] + "x"})
    assert wrong.status_code == 401 and "Onjuist token" in wrong.text
    assert owner.get("/beheer").status_code == 401
    assert owner.post("/beheer/login", data={"token": TOKEN * 100}).status_code == 401


def test_beheer_shows_the_lists_with_the_token(owner) -> None:  # type: ignore[no-untyped-def]
    signed_in = owner.post("/beheer/login", data={"token": TOKEN})
    assert signed_in.status_code == 303
    cookie = signed_in.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/beheer" in cookie
    assert TOKEN not in cookie
    page = owner.get("/beheer")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "fiets" in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text and "<script>alert" not in page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)[1]  # type: ignore[index]
    assert owner.post("/beheer/logout", data={"csrf": csrf}).status_code == 303
    assert owner.get("/beheer").status_code == 401


def test_a_new_token_signs_everyone_out(built: Config, owner) -> None:  # type: ignore[no-untyped-def]
    owner.post("/beheer/login", data={"token": TOKEN})
    cookie = owner.get_cookie("searchd_beheer", path="/beheer")
    other = create_app(replace(built, admin_token=TOKEN + "-nieuw")).test_client()
    other.set_cookie("searchd_beheer", cookie.value, path="/beheer")
    assert other.get("/beheer").status_code == 401


def test_a_flood_of_made_up_searches_cannot_grow_a_day_without_bound(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(analytics, "MAX_QUERIES_A_DAY", 5)
    recorder = analytics.Recorder(tmp_path, days=90)
    for n in range(5):
        recorder.record(f"woord{n}", 1)
    recorder.flush()
    for n in range(20):
        recorder.record(f"nieuw{n}", 0)
    recorder.record("woord0", 1)
    recorder.flush()
    counted = {r[1]: r[2] for r in rows(tmp_path)}
    assert len(counted) == 5 and counted["woord0"] == 2


def _signed_in(owner):  # type: ignore[no-untyped-def]
    """Sign owner in; (the cookie's value, the page's CSRF token)."""
    owner.post("/beheer/login", data={"token": TOKEN})
    page = owner.get("/beheer")
    assert page.status_code == 200
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)[1]  # type: ignore[index]
    return owner.get_cookie("searchd_beheer", path="/beheer").value, csrf


def test_signing_out_ends_the_session_on_the_server(owner) -> None:  # type: ignore[no-untyped-def]
    """The cookie of a session that signed out is refused, even when sent again; the cookie
    is a random id, nothing derived from the token."""
    import hashlib

    cookie, csrf = _signed_in(owner)
    assert hashlib.sha256(b"searchd beheer " + TOKEN.encode()).hexdigest() not in cookie
    assert TOKEN not in cookie and len(cookie) >= 40
    assert owner.post("/beheer/logout", data={"csrf": csrf}).status_code == 303
    owner.set_cookie("searchd_beheer", cookie, path="/beheer")  # a stolen copy of it
    assert owner.get("/beheer").status_code == 401
    again, _ = _signed_in(owner)
    assert again != cookie


def test_posts_from_another_site_are_refused(owner) -> None:  # type: ignore[no-untyped-def]
    _, csrf = _signed_in(owner)
    evil = {"Origin": "https://evil.example"}
    assert owner.post("/beheer/logout", data={"csrf": csrf}, headers=evil).status_code == 403
    assert owner.post("/beheer/logout", headers={
        "Referer": "https://evil.example/page"}).status_code == 403
    assert owner.post("/beheer/logout", data={"csrf": "guessed"}).status_code == 403
    assert owner.get("/beheer").status_code == 200  # still signed in
    assert owner.post("/beheer/login", data={"token": TOKEN}, headers=evil).status_code == 403
    assert owner.post("/beheer/logout", data={"csrf": csrf}, headers={
        "Origin": "http://localhost"}).status_code == 303


def test_sign_in_attempts_are_throttled_per_client_and_overall(
        owner, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    """Past PER_CLIENT wrong tokens a client is refused with 429 and Retry-After, the right
    token too; other clients may still try until OVERALL; a flood logs a line, not one per
    attempt."""
    from searchd import sessions

    def attempt(token: str, client: str):  # type: ignore[no-untyped-def]
        return owner.post("/beheer/login", data={"token": token},
                          environ_base={"REMOTE_ADDR": client})

    with caplog.at_level("WARNING", logger="searchd.admin"):
        for _ in range(sessions.PER_CLIENT):
            assert attempt("fout-fout-fout-fout", "10.0.0.1").status_code == 401
        for _ in range(50):
            refused = attempt("fout-fout-fout-fout", "10.0.0.1")
            assert refused.status_code == 429
        assert 0 < int(refused.headers["Retry-After"]) <= sessions.WINDOW + 1
        assert "Te veel mislukte pogingen" in refused.text
        assert attempt(TOKEN, "10.0.0.1").status_code == 429
        assert attempt(TOKEN, "10.0.0.2").status_code == 303  # another client: not locked
        for n in range(sessions.OVERALL):
            attempt("fout-fout-fout-fout", f"10.1.{n // 4}.{n % 4}")
        assert attempt(TOKEN, "10.0.0.3").status_code == 429  # the overall limit
    assert len(caplog.records) <= 12


def test_reports_add_up_each_days_top_and_old_days_shrink_to_summaries(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Days two days old keep their top lists only; a report adds those up with the days
    still in rows: exact for searches among each day's top."""
    monkeypatch.setattr(analytics, "TOP_A_DAY", 3)
    with closing(analytics._connect(tmp_path / analytics.FILE)) as conn:
        for back in range(10):
            day = (date.today() - timedelta(days=back)).isoformat()
            conn.executemany("INSERT INTO searches VALUES (?, ?, ?, ?, 0)", [
                (day, "fiets", 5, 0), (day, "kat", 3, 3), (day, "olifant", 2, 1),
                (day, f"eenmalig{back}", 1, 1), (day, f"ook{back}", 1, 0)])
    before = analytics.report(tmp_path, 30, 5)
    recorder = analytics.Recorder(tmp_path, days=30)
    recorder.record("fiets", 1)
    recorder.flush()
    assert {r[0] for r in rows(tmp_path)} == {date.today().isoformat(),
                                              (date.today() - timedelta(days=1)).isoformat()}
    after = analytics.report(tmp_path, 30, 5)
    assert [(c.query, c.count) for c in after.popular][:3] == [
        ("fiets", 51), ("kat", 30), ("olifant", 20)]
    assert [(c.query, c.count) for c in after.zero_results][:2] == [("kat", 30),
                                                                     ("olifant", 10)]
    assert before.popular[:3] == [analytics.Count("fiets", 50), analytics.Count("kat", 30),
                                  analytics.Count("olifant", 20)]
    week = analytics.report(tmp_path, 7, 5)
    assert week.popular[0] == analytics.Count("fiets", 36)


def test_a_damaged_file_is_set_aside_with_one_line(built: Config, runner: CliRunner) -> None:
    """The page works and says so, the CLI gives one line (not the exit-70 bug path), the
    file is renamed out of the way and counting starts anew."""
    path = built.index / analytics.FILE
    path.write_bytes(b"SQLite format 3\x00" + b"\x13" * 5000)
    conf = built.index.parent / "config.toml"
    conf.write_text('[paths]\nseeds = "seeds"\nindex = "index"\n')
    result = runner.invoke(main, ["--config", str(conf), "analytics"])
    assert result.exit_code == 1, result.output
    assert len(result.output.strip().splitlines()) == 1 and "set aside" in result.output
    assert not path.exists() and list(built.index.glob(f"{analytics.FILE}.damaged-*"))
    path.write_bytes(b"this is no database at all" * 100)
    client = create_app(replace(built, admin_token=TOKEN)).test_client()
    client.post("/beheer/login", data={"token": TOKEN})
    page = client.get("/beheer")
    assert page.status_code == 200 and "beschadigd" in page.text
    recorder = analytics.Recorder(built.index, days=90)
    recorder.record("fiets", 1)
    recorder.flush()
    assert analytics.report(built.index, 7, 5).popular == [analytics.Count("fiets", 1)]


def test_searches_reach_the_operators_terminal_escaped(built: Config,
                                                       runner: CliRunner) -> None:
    """An escape sequence a searcher typed (one that sets the window title) is shown as
    text by `searchd analytics`, in both lists."""
    recorder = analytics.Recorder(built.index, days=90)
    recorder.record("\x1b]0;gehackt\x07 zoek \x9b31m", 0)
    recorder.flush()
    conf = built.index.parent / "config.toml"
    conf.write_text('[paths]\nseeds = "seeds"\nindex = "index"\n')
    result = runner.invoke(main, ["--config", str(conf), "analytics"])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "\x9b" not in result.output
    assert "\\x1b]0;gehackt\\x07 zoek \\x9b31m" in result.output


def test_parallel_wrong_tokens_are_compared_no_more_than_the_limit(
        built: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    """16 attempts at once from one client through eight stores, as eight worker processes
    have them: the check and the count of each are one transaction, so only PER_CLIENT
    tokens are compared (8 were, when they were apart). The check is made slow, so that
    parallel checks overlap on any machine."""
    import threading
    import time

    from searchd import sessions

    checked = sessions._wait

    def slow_check(*args: object) -> int:
        time.sleep(0.02)
        return checked(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(sessions, "_wait", slow_check)
    stores = [sessions.SessionStore(built.index, TOKEN) for _ in range(8)]
    for store in stores:
        store.find("no such session")  # (its token's fingerprint made before the race)
    compared: list[bool] = []
    start = threading.Barrier(8)

    def attempts(store: sessions.SessionStore) -> None:
        start.wait()
        for _ in range(2):
            attempt = store.attempt("10.0.0.9", "wrong token", TOKEN)
            if not attempt.retry_after:
                compared.append(attempt.ok)

    threads = [threading.Thread(target=attempts, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(compared) == sessions.PER_CLIENT and not any(compared)


def test_the_databases_of_sessions_and_searches_are_owner_only(owner, built: Config) -> None:  # type: ignore[no-untyped-def]
    import stat

    _signed_in(owner)
    for name in ("admin.sqlite", analytics.FILE):
        assert stat.S_IMODE((built.index / name).stat().st_mode) == 0o600, name


def test_a_sign_in_store_that_cannot_be_written_is_a_clear_503(
        owner, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    """A full disk made the sign-in a 500 with a traceback in the log."""
    import sqlite3

    from searchd import sessions

    real = sqlite3.connect

    def full(*args, **kwargs):  # type: ignore[no-untyped-def]
        conn = real(*args, **kwargs)
        if str(args[0]).endswith(sessions.SESSIONS_FILE):
            conn.close()
            raise sqlite3.OperationalError("database or disk is full")
        return conn

    monkeypatch.setattr(sessions.sqlite3, "connect", full)
    with caplog.at_level(logging.ERROR):
        answer = owner.post("/beheer/login", data={"token": TOKEN})
    assert answer.status_code == 503
    assert "Aanmelden lukt nu niet" in answer.text and "Traceback" not in answer.text
    assert sessions.SESSIONS_FILE not in answer.text  # (no path of the server for anyone)
    assert any("disk is full" in r.getMessage() for r in caplog.records)


def test_a_deleted_or_damaged_sign_in_store_is_made_anew(owner, built: Config) -> None:  # type: ignore[no-untyped-def]
    """Deleted while the server ran: 503 "no such table" until a restart; damaged: 503 for
    ever."""
    from searchd import sessions

    assert owner.post("/beheer/login", data={"token": TOKEN}).status_code == 303
    for name in [p.name for p in built.index.glob(sessions.SESSIONS_FILE + "*")]:
        (built.index / name).unlink()
    assert owner.post("/beheer/login", data={"token": TOKEN}).status_code == 303
    (built.index / sessions.SESSIONS_FILE).write_bytes(b"\x07" * 5000)
    for name in [p.name for p in built.index.glob(sessions.SESSIONS_FILE + "-*")]:
        (built.index / name).unlink()
    owner.post("/beheer/login", data={"token": TOKEN})  # (set aside, or refused once)
    assert owner.post("/beheer/login", data={"token": TOKEN}).status_code == 303
    assert list(built.index.glob(sessions.SESSIONS_FILE + ".damaged-*"))


def test_analytics_that_cannot_be_written_say_so_once_a_minute(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A full disk made a warning every second."""
    recorder = analytics.Recorder(tmp_path, days=90)
    (tmp_path / analytics.FILE).mkdir()  # cannot be opened as a database
    for n in range(5):
        recorder.record(f"woord{n}", 1)
        recorder.flush()
    warnings = [r for r in caplog.records if "cannot write" in r.getMessage()]
    assert len(warnings) == 1
    (tmp_path / analytics.FILE).rmdir()
    recorder.flush()
    assert any("written again" in r.getMessage() for r in caplog.records)
    assert {r[1] for r in rows(tmp_path)} == {f"woord{n}" for n in range(5)}


def test_a_search_narrowed_to_months_that_finds_nothing_is_not_a_zero_result(
        built: Config) -> None:
    """`fiets` with since=2030-01 found nothing, and /beheer listed fiets under "Niets
    gevonden"; junk such as `(((` was counted too."""
    client = create_app(built).test_client()
    client.get("/api/search", query_string={"q": "fiets", "since": "2030-01"})
    client.get("/api/search", query_string={"q": "((("})
    client.get("/api/search", query_string={"q": "walrusxyz"})
    with client.application.app_context():
        client.application.extensions["searchd.analytics"].flush()
    found = analytics.report(built.index, 30, 10)
    assert [c.query for c in found.zero_results] == ["walrusxyz"]
    assert {c.query for c in found.popular} == {"fiets", "walrusxyz"}
