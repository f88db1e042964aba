"""The HTML notes in a real browser: headless Chromium (Debian's ``chromium``) loads the
page; the chapter list is visible and no script from the transcript text runs.

Uses ``--dump-dom`` only (no DevTools protocol): the DOM after the page has loaded and
its scripts and error handlers have run. The transcript carries a ``<script>`` that
would set ``document.title`` and an ``<img onerror>`` that would mark ``<body>``; a
control page with the same markup unescaped proves the browser would run both.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from banana.publish.notes import CSP, build_notes, h, render

from test_notes import XSS_ALERT, XSS_IMG, XSS_SCRIPT, make_analysis, make_transcript

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")
BROWSER_TIMEOUT_SECONDS = 60
PWNED = "PWNED"  # what the injected script would set document.title to


def _chromium() -> str | None:
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


CHROMIUM = _chromium()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="headless Chromium not installed (Debian: apt-get install -y chromium; .ci/run installs it)")


def dump_dom(page: Path, tmp_path: Path) -> str:
    """The page's DOM after load, as headless Chromium serialises it."""
    profile = tmp_path / f"chromium-profile-{page.stem}"
    profile.mkdir()
    result = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--disable-extensions", f"--user-data-dir={profile}",
         "--dump-dom", page.resolve().as_uri()],
        capture_output=True, text=True, timeout=BROWSER_TIMEOUT_SECONDS)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "<html" in result.stdout, result.stderr[-2000:]
    return result.stdout


# A probe the TEST adds to a copy of the page (the notes themselves have no script):
# it reports whether the chapter list is rendered and visible, and what the body says.
PROBE = """<script>
(function () {
  var list = document.querySelector("ol.chapters");
  var items = list ? Array.prototype.slice.call(list.querySelectorAll("li")) : [];
  function shown(el) {
    for (var e = el; e && e.nodeType === 1; e = e.parentElement) {
      var s = getComputedStyle(e);
      if (s.display === "none" || s.visibility === "hidden" || e.hidden) return false;
    }
    var r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  }
  var report = {
    found: !!list,
    visible: !!list && shown(list),
    items: items.length,
    itemsVisible: items.filter(shown).length,
    titles: items.map(function (li) { return li.textContent.replace(/\\s+/g, " ").trim(); }),
    bodyText: document.body.textContent,
    scripts: document.scripts.length,
    images: document.images.length
  };
  document.documentElement.setAttribute("data-probe", JSON.stringify(report));
})();
</script>"""


def _probe_report(dom: str) -> dict:
    m = re.search(r'data-probe="([^"]*)"', dom)
    assert m, "the probe did not run"
    import html

    return json.loads(html.unescape(m.group(1)))


def test_control_page_proves_injected_markup_would_run(tmp_path):
    """Without escaping, Chromium under these flags runs both injections: the checks
    below can fail. (An unescaped alert() would hang headless Chromium until the
    timeout, which fails the test too.)"""
    page = tmp_path / "control.html"
    page.write_text(f"<!doctype html><html><head><title>Notes</title></head><body>"
                    f"<p>{XSS_SCRIPT} {XSS_IMG}</p></body></html>", encoding="utf-8")
    dom = dump_dom(page, tmp_path)
    assert f"<title>{PWNED}</title>" in dom
    assert 'data-pwned="1"' in dom


@pytest.fixture(scope="module")
def notes_page():
    transcript = make_transcript()
    notes = build_notes(transcript, make_analysis(transcript), episode="xss-episode",
                        solutions=(), previous_answer=False)
    return notes, render(notes, "html")


def test_html_notes_as_published_run_nothing_from_the_transcript(notes_page, tmp_path):
    notes, html_text = notes_page
    page = tmp_path / "notes.html"
    page.write_text(html_text, encoding="utf-8")
    dom = dump_dom(page, tmp_path)
    title = re.search(r"<title>(.*?)</title>", dom, re.DOTALL).group(1)
    assert title != PWNED
    assert title == h(notes.title).replace("&#x27;", "'").replace("&quot;", '"')
    assert not re.search(r"<body[^>]*data-pwned", dom)
    assert not re.search(r"<(script|img)\b", dom, re.IGNORECASE)
    chapters = re.search(r'<ol class="chapters">(.*?)</ol>', dom, re.DOTALL)
    assert chapters and chapters.group(1).count("<li>") == len(notes.chapters)
    assert not re.search(r"\bhidden\b|display:\s*none|visibility:\s*hidden", dom)


def test_chapter_list_visible_and_transcript_markup_is_text(notes_page, tmp_path):
    """The page without its CSP (so escaping alone must stop the injection) plus the
    test's probe: the chapter list is laid out and visible, the transcript's markup is
    plain text, and neither injection ran."""
    notes, html_text = notes_page
    without_csp = html_text.replace(f'<meta http-equiv="Content-Security-Policy" content="{h(CSP)}">\n', "")
    assert without_csp != html_text
    page = tmp_path / "probed.html"
    page.write_text(without_csp.replace("</body>", PROBE + "\n</body>"), encoding="utf-8")
    dom = dump_dom(page, tmp_path)
    report = _probe_report(dom)
    assert report["found"] and report["visible"]
    assert report["items"] == report["itemsVisible"] == len(notes.chapters)
    assert report["titles"][1].endswith("Pipelines <b>and</b> warehouses")
    for markup in (XSS_ALERT, XSS_SCRIPT, XSS_IMG):
        assert markup in report["bodyText"]
    assert report["scripts"] == 1 and report["images"] == 0  # only the probe itself
    assert f"<title>{PWNED}" not in dom
    assert not re.search(r"<body[^>]*data-pwned", dom)
