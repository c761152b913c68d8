"""The search page in headless Chromium (Debian's chromium, driven by Playwright)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update",
               "--disable-sync"]

pytestmark = pytest.mark.skipif(CHROMIUM is None,
                                reason="Debian's chromium is not installed "
                                       "(make test installs it where it can)")


@pytest.fixture
def page():  # type: ignore[no-untyped-def]
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            yield browser.new_page(viewport={"width": 1200, "height": 800})
        finally:
            browser.close()


def test_type_a_query_and_see_highlighted_results(page, served: str) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(served + "/")
    page.get_by_label("Zoekterm").fill("strijder")
    page.keyboard.press("Enter")
    page.wait_for_selector(".hit mark")
    marks = page.locator(".hit mark").all_inner_texts()
    assert "strijders" in marks
    assert "1 resultaat" in page.locator(".summary").inner_text()
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "search-desktop.png"), full_page=True)
    page.locator(".hit h2 a").first.click()
    page.wait_for_selector(".document mark#m1")
    page.screenshot(path=str(SCREENSHOTS / "document-desktop.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.go_back()
    page.wait_for_selector(".hit mark")
    page.screenshot(path=str(SCREENSHOTS / "search-phone.png"), full_page=True)
    assert errors == []


def test_follow_a_spelling_suggestion(page, served: str) -> None:
    page.goto(served + "/")
    page.get_by_label("Zoekterm").fill("strijdres")
    page.keyboard.press("Enter")
    suggestion = page.locator(".suggestion a")
    assert suggestion.inner_text() == "strijders"
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "suggestion-desktop.png"), full_page=True)
    suggestion.click()
    page.wait_for_selector(".hit mark")
    assert page.get_by_label("Zoekterm").input_value() == "strijders"


XSS = '<script>alert(1)</script><img src=x onerror=alert(2)>"><svg onload=alert(3)>'


@pytest.fixture
def xss_doc(seeds):  # type: ignore[no-untyped-def]
    """A seed whose title and body try to run script (written before the server indexes)."""
    (seeds / "xss.txt").write_text(f" date 2017-01 kwaad {XSS}\n\nkwaad {XSS} kwaad")


def test_no_script_runs_from_documents_or_queries(page, xss_doc, served: str) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    from urllib.parse import quote

    for path in ["/?q=kwaad", f"/?q={quote(XSS)}", "/doc/xss.txt?q=kwaad",
                 f"/doc/xss.txt?q={quote(XSS)}", f"/?q={quote('kwaaad ' + XSS)}"]:
        page.goto(served + path)
        page.wait_for_load_state("load")
        assert page.locator("script").count() == 0
    page.goto(served + "/?q=kwaad")
    assert XSS in page.locator(".hit h2").inner_text()  # shown as text
    assert dialogs == []
