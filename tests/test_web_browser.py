"""The pages in a real browser: Playwright for Python driving Debian's chromium, against
``banana serve`` (a subprocess on a free loopback port) and against ``banana site``'s
folder served by a loopback HTTP server (Starlette's static files, which answer Range
requests as a web host does).

A listener types a query, sees the matched words marked, selects a result and lands on
the episode with the player at that moment; chapters and transcript lines seek; the
transcript's ``<script>`` and ``onerror=`` run nothing (a control page shows they would);
the static site's search is Pagefind's. Screenshots of the home, search and episode
pages go to ``build/screenshots/`` (not committed) for a person to look at.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")

from banana.web.site import build_site

from conftest import REPO
from web_fixtures import (MOMENT_SLUG, MOMENT_TURN, PHRASE, PWNED, TURN_SECONDS, XSS_IMG,
                          XSS_SCRIPT, make_library, serving)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--autoplay-policy=no-user-gesture-required", "--mute-audio"]
SCREENSHOTS = REPO / "build" / "screenshots"
START_TIMEOUT_SECONDS = 60
WAIT_MS = 15_000
MOMENT = MOMENT_TURN * TURN_SECONDS

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="chromium not installed (Debian: apt-get install -y chromium; .ci/run installs it)")


def wait_until_up(url: str, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"the server exited: {process.stderr.read()}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer in {START_TIMEOUT_SECONDS} s")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def web_library(tmp_path_factory):
    return make_library(tmp_path_factory.mktemp("browser-library"))


@pytest.fixture(scope="module")
def served(web_library):
    """``banana serve`` on a free loopback port: its base URL."""
    port = free_port()
    env = {**os.environ, "BANANA_LIBRARY": str(web_library.root)}
    process = subprocess.Popen([sys.executable, "-m", "banana", "serve", "--port", str(port)],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base + "/", process)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="module")
def static_site(web_library, tmp_path_factory):
    """``banana site``'s folder behind a loopback HTTP server: its base URL."""
    out = tmp_path_factory.mktemp("browser-site") / "site"
    build_site(web_library, out)
    with serving(Starlette(routes=[Mount("/", StaticFiles(directory=out, html=True))])) as base:
        wait_until_up(base + "/")
        yield base


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1000, "height": 800})
    opened = context.new_page()
    opened.errors = []
    opened.on("pageerror", lambda exc: opened.errors.append(str(exc)))
    opened.on("dialog", lambda dialog: (opened.errors.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    yield opened
    context.close()


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)


def wait_for_time(page, seconds: float) -> float:
    """Wait until the player is within 1 s of ``seconds``; return its currentTime."""
    page.wait_for_function(
        "t => { const a = document.getElementById('player');"
        " return a && a.readyState >= 1 && Math.abs(a.currentTime - t) < 1; }",
        arg=seconds, timeout=WAIT_MS)
    return page.evaluate("document.getElementById('player').currentTime")


def current_line(page) -> str:
    return page.eval_on_selector("#lines li.current", "li => li.id")


# -- banana serve -----------------------------------------------------------------------------

def test_type_a_query_click_a_result_and_hear_that_moment(page, served):
    page.goto(served + "/")
    shot(page, "serve-home")
    page.fill("#home-q", PHRASE)
    page.press("#home-q", "Enter")
    page.wait_for_selector("#results mark")
    marks = page.eval_on_selector_all("#results li:first-child mark", "ms => ms.map(m => m.textContent)")
    assert any("pelican" in m.lower() for m in marks) and any("rhubarb" in m.lower() for m in marks)
    shot(page, "serve-search")
    first = page.locator("#results a.moment").first
    expected = float(first.get_attribute("data-start"))
    assert expected == MOMENT
    first.click()
    page.wait_for_url(f"**/episodes/{MOMENT_SLUG}#t=*")
    assert abs(wait_for_time(page, expected) - expected) < 1
    assert current_line(page).startswith(f"u{MOMENT_TURN}-")
    shot(page, "serve-episode")
    assert page.errors == []


def test_chapters_lines_and_keys_seek_the_player(page, served):
    page.goto(f"{served}/episodes/{MOMENT_SLUG}")
    page.wait_for_selector("#player")
    chapter = page.locator(".chapters a").nth(1)
    start = float(chapter.get_attribute("data-seek"))
    chapter.click()
    wait_for_time(page, start)
    assert page.url.endswith(f"#t={start:g}")
    line = page.locator("#lines li").nth(50)
    line.click(position={"x": 300, "y": 5})  # on the words, not the time
    wait_for_time(page, 50 * TURN_SECONDS)
    assert current_line(page).startswith("u50-")
    page.locator("#lines li").nth(20).locator("a.ts").focus()
    page.keyboard.press("Enter")
    wait_for_time(page, 20 * TURN_SECONDS)
    assert page.errors == []


def test_a_transcript_with_script_and_onerror_runs_nothing(page, served):
    page.goto(f"{served}/episodes/{MOMENT_SLUG}")
    page.wait_for_selector("#lines")
    page.wait_for_timeout(300)  # time for an injected handler to have fired
    assert page.title() != PWNED
    assert page.evaluate("document.body.dataset.pwned") is None
    assert page.evaluate("document.querySelectorAll('#lines img, #lines script').length") == 0
    said = page.inner_text("#lines")
    assert XSS_SCRIPT in said and XSS_IMG in said  # shown as the text it is
    page.goto(f"{served}/search?q=pasted+chat")
    page.wait_for_selector("#results li")
    assert page.title() != PWNED and page.evaluate("document.body.dataset.pwned") is None
    # Control: the same markup unescaped, on a page of no policy, does run.
    control = page.context.new_page()
    control.set_content(f"<html><head><title>t</title></head><body>{XSS_IMG}{XSS_SCRIPT}</body></html>")
    control.wait_for_function("document.title === 'PWNED' && document.body.dataset.pwned === '1'",
                              timeout=WAIT_MS)


def test_pages_read_without_javascript(browser, served):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{served}/episodes/s01e02-leaderboards-and-model-drift")
        assert page.locator("#lines li").count() > 50 and page.locator("#lines li").first.is_visible()
        assert page.locator(".chapters li").count() >= 2 and page.locator(".chapters").is_visible()
        assert page.locator(".summary blockquote").count() >= 1
        page.goto(f"{served}/search?q=gradient+boosting")
        assert page.locator("#results mark").count() >= 1
    finally:
        context.close()


def test_controls_have_labels_and_a_phone_does_not_scroll_sideways(browser, served):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        page = context.new_page()
        for path in ("/", "/search?q=privacy", f"/episodes/{MOMENT_SLUG}", "/glossary", "/solve"):
            page.goto(served + path)
            unlabeled = page.evaluate(
                "[...document.querySelectorAll('input, select')].filter(e =>"
                " !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).length")
            assert unlabeled == 0, path
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), path
        page.goto(f"{served}/episodes/s01e01-faster-dataframes-and-census-privacy")
        shot(page, "serve-episode-phone")
    finally:
        context.close()


# -- banana site --------------------------------------------------------------------------------

def test_static_site_search_finds_the_phrase_and_lands_at_the_moment(page, static_site):
    page.goto(static_site + "/search/")
    page.fill("#q", PHRASE)
    page.press("#q", "Enter")
    page.wait_for_selector("#results li", timeout=WAIT_MS)
    first = page.locator("#results a.moment").first
    assert MOMENT_SLUG in first.get_attribute("href")
    marks = page.eval_on_selector_all("#results li:first-child mark", "ms => ms.map(m => m.textContent)")
    assert any("pelican" in m.lower() for m in marks)
    expected = float(first.get_attribute("data-start"))
    assert abs(expected - MOMENT) < 1
    shot(page, "site-search")
    first.click()
    page.wait_for_url(f"**/episodes/{MOMENT_SLUG}/#t=*")
    assert abs(wait_for_time(page, expected) - MOMENT) < 1
    assert current_line(page).startswith(f"u{MOMENT_TURN}-")
    shot(page, "site-episode")
    assert page.errors == []


def test_pagefind_finds_a_phrase_of_a_sample_episode(page, static_site):
    page.goto(static_site + "/search/?q=" + "differential%20privacy")
    page.wait_for_selector("#results li", timeout=WAIT_MS)
    hrefs = page.eval_on_selector_all("#results a.moment", "as => as.map(a => a.getAttribute('href'))")
    assert any("s01e01-faster-dataframes-and-census-privacy" in h for h in hrefs)
    page.goto(static_site + "/")
    shot(page, "site-home")
    assert page.errors == []
