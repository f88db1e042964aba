"""``banana site``: the static site's files, its links, incremental runs (work counted,
not timed), Pagefind's index, and the folders it refuses. Also ``banana serve``'s
command-line checks."""

from __future__ import annotations

import json
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from banana.errors import LibraryError, OptionError
from banana.library import Library
from banana.pipeline import store_episode
from banana.transcript import Utterance
from banana.web import site as site_module
from banana.web.render import SITE_CSP
from banana.web.site import MANIFEST, build_site

from procfs import alive, descendants
from web_fixtures import MOMENT_SLUG, PHRASE, make_library, moment_transcript


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A library and its site, built once (with Pagefind)."""
    root = tmp_path_factory.mktemp("site-test")
    library = make_library(root / "library")
    report = build_site(library, root / "out")
    return library, root / "out", report


def snapshot(folder):
    return {p.relative_to(folder): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def test_the_site_has_every_page_and_its_own_assets(built):
    library, out, report = built
    assert set(report.rendered) == set(library.slugs()) and not report.failed and report.indexed
    for page in ["index.html", "search/index.html", "glossary/index.html", "404.html",
                 "static/banana.css", "static/banana.js", "static/search.js",
                 "pagefind/pagefind.js", f"episodes/{MOMENT_SLUG}/audio.wav", MANIFEST]:
        assert (out / page).is_file(), page
    for slug in library.slugs():
        assert (out / "episodes" / slug / "index.html").is_file()
    assert (out / f"episodes/{MOMENT_SLUG}/audio.wav").read_bytes() == \
        (library.episode_dir(MOMENT_SLUG) / "audio.wav").read_bytes()
    assert "Indexed 4 pages" in report.pagefind


def test_links_are_relative_to_each_page(built):
    _, out, _ = built
    episode = (out / f"episodes/{MOMENT_SLUG}/index.html").read_text()
    assert '<audio id="player" controls preload="metadata" src="audio.wav">' in episode
    assert 'href="../../static/banana.css' in episode and 'action="../../search/"' in episode
    assert re.search(r'src="\.\./\.\./static/banana\.js\?v=\w+" defer', episode)
    home = (out / "index.html").read_text()
    assert f'href="episodes/{MOMENT_SLUG}/"' in home and 'href="glossary/"' in home
    assert "/solve" not in home  # the solver needs the server
    glossary = (out / "glossary/index.html").read_text()
    assert re.search(r'href="\.\./episodes/[\w-]+/#t=[\d.]+"', glossary)
    not_found = (out / "404.html").read_text()
    assert 'href="/static/banana.css' in not_found  # served at any depth
    csp = SITE_CSP.replace("'", "&#39;")
    assert f'content="{csp}"' in episode and "'unsafe-inline'" not in SITE_CSP


def test_every_script_is_the_sites_own_file(built):
    _, out, _ = built
    for page in out.rglob("*.html"):
        if "pagefind" in page.parts:
            continue
        text = page.read_text()
        for tag in re.findall(r"<script[^>]*>", text):
            assert re.search(r'src="[./]*static/(banana|search)\.js\?v=\w+"', tag), (page, tag)
        assert not re.search(r"<[a-z][^>]*\son[a-z]+\s*=", text), page


def test_a_second_run_with_nothing_changed_writes_nothing(built):
    library, out, _ = built
    before = snapshot(out)
    report = build_site(library, out)
    assert report.rendered == () and report.written == () and report.removed == ()
    assert not report.indexed  # Pagefind did not run either
    assert snapshot(out) == before


def test_only_the_changed_episode_is_rewritten(tmp_path):
    library = make_library(tmp_path / "library")
    out = tmp_path / "out"
    build_site(library, out, pagefind=False)
    pages = {slug: (out / "episodes" / slug / "index.html") for slug in library.slugs()}
    before = {slug: page.stat().st_mtime_ns for slug, page in pages.items()}
    changed = moment_transcript()
    changed = changed.replace(utterances=changed.utterances + (
        Utterance(120.0, 122.0, "One more thing about the heron.", "Ana Lima"),))
    store_episode(library, changed, MOMENT_SLUG)
    report = build_site(library, out, pagefind=False)
    assert MOMENT_SLUG in report.rendered
    assert out / "episodes" / MOMENT_SLUG / "index.html" in report.written
    assert "heron" in pages[MOMENT_SLUG].read_text()
    for slug, page in pages.items():
        if slug != MOMENT_SLUG:
            assert page.stat().st_mtime_ns == before[slug], slug
            assert page not in report.written
    # An episode removed from the library is removed from the site.
    shutil.rmtree(library.episode_dir(MOMENT_SLUG))
    report = build_site(library, out, pagefind=False)
    assert out / "episodes" / MOMENT_SLUG / "index.html" in report.removed
    assert not (out / "episodes" / MOMENT_SLUG).exists()
    assert MOMENT_SLUG not in (out / "index.html").read_text()
    assert MOMENT_SLUG not in json.loads((out / MANIFEST).read_text())["episodes"]


def test_a_base_url_roots_every_link_at_its_path(tmp_path, built):
    library, _, _ = built
    out = tmp_path / "out"
    build_site(library, out, base_url="https://example.org/podcast", pagefind=False)
    episode = (out / f"episodes/{MOMENT_SLUG}/index.html").read_text()
    assert 'href="/podcast/static/banana.css' in episode and 'action="/podcast/search/"' in episode
    assert 'href="/podcast/episodes/' in (out / "index.html").read_text()
    assert 'href="/podcast/static/banana.css' in (out / "404.html").read_text()


def test_the_manifest_keeps_cards_and_glossary(built):
    library, out, _ = built
    data = json.loads((out / MANIFEST).read_text())
    assert set(data["episodes"]) == set(library.slugs())
    card = data["episodes"][MOMENT_SLUG]["card"]
    assert card["title"] == "A moment to hear" and card["chapters"] == 2


@pytest.mark.parametrize("where", ["inside", "around", "same"])
def test_the_site_and_the_library_must_not_contain_each_other(tmp_path, where):
    library = Library(tmp_path / "lib")
    library.root.mkdir()
    out = {"inside": library.root / "site", "around": tmp_path, "same": library.root}[where]
    with pytest.raises(OptionError, match="must not contain each other"):
        build_site(library, out, pagefind=False)


def test_a_missing_pagefind_is_named_before_any_work(tmp_path, monkeypatch):
    monkeypatch.setattr(site_module, "pagefind_available", lambda: False)
    with pytest.raises(LibraryError, match="pagefind"):
        build_site(Library(tmp_path / "lib"), tmp_path / "out")
    assert not (tmp_path / "out").exists()


# -- the commands ------------------------------------------------------------------------------

def test_site_command_reports_what_it_wrote(cli, library, tmp_path):
    store_episode(Library(library), moment_transcript(), MOMENT_SLUG)
    result = cli("site", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "1 episode (1 rendered, 0 unchanged)" in result.output and "Indexed 1 page" in result.output
    again = cli("site", tmp_path / "out")
    assert "0 files written" in again.output and "search index unchanged" in again.output
    assert PHRASE in (tmp_path / "out" / "episodes" / MOMENT_SLUG / "index.html").read_text()


@pytest.mark.parametrize("args, message", [
    (["--base-url", "javascript:alert(1)"], "--base-url"),
    (["--base-url", "/relative"], "--base-url"),
])
def test_site_command_refuses_a_bad_base_url(cli, tmp_path, args, message):
    result = cli("site", tmp_path / "out", *args)
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_site_command_refuses_a_folder_inside_the_library(cli, library):
    result = cli("site", library / "public")
    assert result.exit_code == 2 and "must not contain each other" in result.output


def test_serve_refuses_a_port_in_use(cli):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        result = cli("serve", "--port", port)
    assert result.exit_code == 2
    assert f"port {port} on 127.0.0.1 is in use" in result.output and "Traceback" not in result.output


def test_serve_refuses_a_host_that_is_not_this_machine(cli):
    result = cli("serve", "--host", "no-such-host.invalid", "--port", 0)
    assert result.exit_code == 2 and "--host" in result.output


@pytest.mark.parametrize("processes", [["--workers", "2"], ["--search-processes", "2"],
                                       ["--workers", "2", "--search-processes", "1"]])
def test_serve_with_worker_or_search_processes_answers_and_stops(tmp_path, processes):
    library = Library(tmp_path / "lib")
    store_episode(library, moment_transcript(), MOMENT_SLUG)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "banana", "--library", str(library.root), "serve",
                                "--port", str(port), *processes],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    started: list[int] = []
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/search?q=rhubarb", timeout=5) as answer:
                    assert json.load(answer)["results"][0]["episode"] == MOMENT_SLUG
                    break
            except OSError:
                assert time.monotonic() < deadline and process.poll() is None, process.stderr.read()
                time.sleep(0.2)
        foreign = urllib.request.Request(f"{base}/", headers={"Host": "attacker.example"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(foreign, timeout=5)
        assert refused.value.code == 400
        started = descendants(process.pid)
        assert len(started) >= 2  # the workers, or the search processes
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
    assert "Traceback" not in process.stderr.read()
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in started) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(alive(pid) for pid in started)  # none left behind


def test_serve_refuses_a_negative_count_of_search_processes(cli):
    result = cli("serve", "--port", 0, "--search-processes", -1)
    assert result.exit_code == 2 and "--search-processes" in result.output
