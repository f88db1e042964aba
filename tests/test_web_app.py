"""``banana serve``'s application, in process (Starlette's TestClient): the pages, the
JSON API against the CLI's --json, errors, the local audio with Range requests, and
what must never be served."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from starlette.testclient import TestClient

from banana.feeds.model import Item
from banana.library import FeedOrigin, Library
from banana.pipeline import store_episode
from banana.search.archive import Archive
from banana.transcript import Transcript, Utterance
from banana.errors import QueryError
from banana.web.app import SECURITY_HEADERS, ResultsCache, create_app
from banana.web.render import CSP, moment
from banana.web.views import Catalog

from procfs import alive
from web_fixtures import (MOMENT_SLUG, MOMENT_TURN, PHRASE, SPEAKERS, TURN_SECONDS, XSS_IMG,
                          XSS_SCRIPT, make_library, search_processes, serving)

SAMPLE_TEASER = "s01e01-faster-dataframes-and-census-privacy"


@pytest.fixture(scope="module")
def web_library(tmp_path_factory) -> Library:
    return make_library(tmp_path_factory.mktemp("web-library"))


@pytest.fixture(scope="module")
def client(web_library):
    with TestClient(create_app(web_library), base_url="http://127.0.0.1") as c:
        yield c


def tags(html: str) -> list[str]:
    return re.findall(r"<[a-zA-Z][^>]*>", html)


def assert_no_active_markup_from_text(html: str) -> None:
    """No script without src, no event-handler attribute, no tag from transcript text."""
    for tag in tags(html):
        assert not re.search(r"\son[a-z]+\s*=", tag, re.IGNORECASE), tag
        if tag.lower().startswith("<script"):
            assert " src=" in tag, tag
        assert not tag.lower().startswith("<img"), tag


# -- pages -----------------------------------------------------------------------------------

def test_home_lists_every_episode_with_duration_and_chapters(client, web_library):
    page = client.get("/")
    assert page.status_code == 200
    for slug in web_library.slugs():
        assert f'href="/episodes/{slug}"' in page.text
    assert "Brain teaser:" in page.text  # the samples' teasers
    assert "2 chapters" in page.text  # the generated episode's two topics
    assert 'action="/search"' in page.text


def test_home_is_newest_first_by_the_feeds_dates(tmp_path):
    library = Library(tmp_path / "lib")
    dates = {"alpha": "2024-05-01T10:00:00+00:00", "zeta": "2023-01-01T10:00:00+00:00"}
    for slug, date in dates.items():
        transcript = Transcript.build([Utterance(0, 2, f"Hello from {slug}.", "Ana")], title=slug.title())
        origin = FeedOrigin("feed", "Show", Item(key=slug, title=slug.title(), published=date))
        library.store(transcript, slug, origin=origin)
    library.store(Transcript.build([Utterance(0, 2, "No feed.", "Ana")], title="Undated"), "undated")
    with TestClient(create_app(library), base_url="http://127.0.0.1") as c:
        text = c.get("/").text
    assert text.index("/episodes/alpha") < text.index("/episodes/zeta")
    assert '<time datetime="2024-05-01">2024-05-01</time>' in text
    assert "/episodes/undated" in text


def test_search_page_shows_the_cli_results_highlighted_and_linked_to_the_moment(client, web_library, cli, monkeypatch):
    page = client.get("/search", params={"q": PHRASE})
    assert page.status_code == 200
    start = MOMENT_TURN * TURN_SECONDS
    assert f'href="/episodes/{MOMENT_SLUG}#t={moment(start)}"' in page.text
    assert re.search(r"<mark>[^<]*pelican[^<]*</mark>", page.text)
    assert re.search(r"<mark>[^<]*rhubarb[^<]*</mark>", page.text)
    monkeypatch.setenv("BANANA_LIBRARY", str(web_library.root))
    first = json.loads(cli("search", PHRASE, "--json").stdout)["results"][0]
    assert (first["episode"], first["start"]) == (MOMENT_SLUG, start)


def test_search_pages_through_the_results(client):
    asked = {"q": "the", "episode": SAMPLE_TEASER}
    one = client.get("/search", params=asked).text
    assert "Matches 1–10 of" in one and 'rel="next"' in one
    two = client.get("/search", params={**asked, "page": 2}).text
    assert "Matches 11–20 of" in two and 'rel="prev"' in two
    first_hits = re.findall(r'class="moment" href="([^"]+)"', one)
    second_hits = re.findall(r'class="moment" href="([^"]+)"', two)
    assert len(first_hits) == 10 and not set(first_hits) & set(second_hits)
    assert "Matches 1–10 of" in client.get("/search", params={**asked, "page": "x"}).text


def test_search_filters_speaker_episode_and_kind(client, web_library):
    ben = client.get("/search", params={"q": "nests", "speaker": "ben"}).text
    speakers = re.findall(r'<span class="who">([^<]+)</span>', ben)
    assert speakers and set(speakers) == {SPEAKERS[1]}
    assert "No matches" in client.get("/search", params={"q": "nests", "speaker": "ana"}).text
    only = client.get("/search", params={"q": "the", "episode": MOMENT_SLUG}).text
    assert set(re.findall(r'class="moment" href="/episodes/([^"#]+)', only)) == {MOMENT_SLUG}
    term = web_library.analysis(SAMPLE_TEASER).glossary[0].term
    glossary = client.get("/search", params={"q": term, "in": "glossary"}).text
    assert "glossary" in glossary and f"/episodes/{SAMPLE_TEASER}#t=" in glossary


def test_a_malformed_query_gets_the_clis_answer(client, cli, web_library, monkeypatch):
    monkeypatch.setenv("BANANA_LIBRARY", str(web_library.root))
    for query in ("NOT pelican", "*"):
        said = cli("search", query).output
        assert said.startswith("Error: ")
        message = said.removeprefix("Error: ").strip()
        page = client.get("/search", params={"q": query})
        assert page.status_code == 400
        assert message.replace("'", "&#39;").replace('"', "&#34;") in page.text
        api = client.get("/api/search", params={"q": query})
        assert api.status_code == 400 and api.json() == {"error": message}
    bad_kind = client.get("/search", params={"q": "x", "in": "nowhere"})
    assert bad_kind.status_code == 400 and "must be one of" in bad_kind.text


def test_an_empty_query_shows_the_form(client):
    page = client.get("/search", params={"q": "   "})
    assert page.status_code == 200 and 'id="q"' in page.text and 'id="results"' not in page.text


def test_episode_page_has_player_chapters_and_timed_transcript(client, web_library):
    page = client.get(f"/episodes/{MOMENT_SLUG}")
    assert page.status_code == 200
    text = page.text
    assert f'<audio id="player" controls preload="metadata" src="/episodes/{MOMENT_SLUG}/audio">' in text
    topics = [str(s.start) for s in web_library.analysis(MOMENT_SLUG).segments]
    assert len(topics) == 2 and re.findall(r'data-seek="([\d.]+)"', text) == ["0.0", topics[1]]
    lines = re.findall(r'<li id="u(\d+)-(\d+)" data-start="([\d.]+)">', text)
    assert len(lines) == 60
    assert lines[MOMENT_TURN] == (str(MOMENT_TURN), str(int(MOMENT_TURN * TURN_SECONDS * 1000)),
                                  str(MOMENT_TURN * TURN_SECONDS))
    assert 'src="/static/banana.js?v=' in text


def test_transcript_text_is_escaped_everywhere(client):
    page = client.get(f"/episodes/{MOMENT_SLUG}").text
    assert "&lt;script&gt;document.title=&#34;PWNED&#34;&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=&#34;document.body.dataset.pwned=1&#34;&gt;" in page
    assert XSS_SCRIPT not in page and XSS_IMG not in page
    assert_no_active_markup_from_text(page)
    found = client.get("/search", params={"q": "pasted chat"}).text
    assert "&lt;script&gt;" in found and XSS_SCRIPT not in found
    assert_no_active_markup_from_text(found)


def test_sample_episode_has_teaser_answers_behind_a_spoiler_and_glossary(client, web_library):
    page = client.get(f"/episodes/{SAMPLE_TEASER}").text
    teaser = page[page.index('<section class="teaser"'):]
    teaser = teaser[:teaser.index("</section>")]
    assert "<details>" in teaser and "verified by the solver" in teaser
    term = web_library.analysis(SAMPLE_TEASER).glossary[0].term
    assert f"<dt>{term}" in page
    assert "No audio is published" in page  # the samples have none


def test_glossary_page_links_each_term_to_its_moment(client, web_library):
    page = client.get("/glossary").text
    entry = web_library.analysis(SAMPLE_TEASER).glossary[0]
    assert "<dt" in page and entry.term in page
    assert f'href="/episodes/{SAMPLE_TEASER}#t={moment(entry.start)}"' in page


def test_solver_page_shows_the_solvers_verified_answers(client, cli):
    page = client.get("/solve", params={"numbers": "3 3 8 8", "target": "24", "ops": "arithmetic"})
    assert page.status_code == 200
    assert "8÷(3−8÷3)" in page.text and "✓ verified" in page.text
    said = cli("solve", "3", "3", "x", "--target", "24").output
    bad = client.get("/solve", params={"numbers": "3 3 x", "target": "24"})
    assert bad.status_code == 400
    assert said.removeprefix("Error: ").strip().replace("'", "&#39;") in bad.text
    assert client.get("/solve").status_code == 200


# -- the JSON API ------------------------------------------------------------------------------

def test_api_search_is_the_clis_json(client, cli, web_library, monkeypatch):
    monkeypatch.setenv("BANANA_LIBRARY", str(web_library.root))
    for args, params in [((PHRASE,), {"q": PHRASE}),
                         (("the", "--limit", "4", "--speaker", "ana"), {"q": "the", "limit": 4, "speaker": "ana"}),
                         (("pelican", "--in", "segments"), {"q": "pelican", "in": "segments"})]:
        expected = json.loads(cli("search", *args, "--json").stdout)
        got = client.get("/api/search", params=params).json()
        got.pop("note", None)
        assert got == expected


def test_api_episode_is_the_clis_transcript_and_notes(client, cli, web_library, monkeypatch):
    monkeypatch.setenv("BANANA_LIBRARY", str(web_library.root))
    data = client.get(f"/api/episodes/{SAMPLE_TEASER}").json()
    assert data["episode"] == SAMPLE_TEASER
    assert data["transcript"] == json.loads(cli("show", SAMPLE_TEASER, "--json").stdout)
    assert data["notes"] == json.loads(cli("notes", SAMPLE_TEASER, "--format", "json").stdout)
    assert client.get("/api/episodes/nope").status_code == 404
    assert client.get("/api/search").status_code == 400


# -- errors and safety -----------------------------------------------------------------------

@pytest.mark.parametrize("path", [
    "/episodes/nope", "/episodes/%2e%2e", "/episodes/..%2F..%2Fetc%2Fpasswd",
    "/episodes/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/episodes/..%5c..%5cetc%5cpasswd",
    "/episodes/%252e%252e%252fetc%252fpasswd", "/episodes/Nope", "/episodes/nope/audio",
    "/static/..%2f..%2fapp.py", "/static/banana.py", "/index.sqlite3",
    "/episodes/a-moment-to-hear/transcript.json", "/episodes/a-moment-to-hear/audio.wav",
])
def test_nothing_outside_the_pages_is_served(client, path):
    page = client.get(path)
    assert page.status_code == 404
    assert "root:" not in page.text and "schema" not in page.text
    assert "Not found" in page.text


@pytest.mark.parametrize("target", [
    "/episodes/../../etc/passwd", "/episodes/..", "/episodes/../audio", "/static/../app.py",
    "/episodes/%2e%2e/%2e%2e/etc/passwd", "/episodes/a-moment-to-hear/../../../etc/passwd",
    "//etc/passwd", "/episodes/a-moment-to-hear/audio/../transcript.json",
])
def test_raw_paths_a_client_would_tidy_are_refused_by_the_real_server(web_library, target):
    """Sent byte for byte (a browser or httpx would remove the dot segments first)."""
    with serving(create_app(web_library)) as base:
        port = int(base.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
            conn.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
            answer = b""
            while chunk := conn.recv(65536):
                answer += chunk
    status = answer.split(b"\r\n", 1)[0]
    assert status in (b"HTTP/1.1 404 Not Found", b"HTTP/1.1 400 Bad Request"), (target, status)
    assert b"root:" not in answer and b'"utterances"' not in answer


def test_unknown_slug_gets_the_404_page(client):
    page = client.get("/episodes/no-such-episode")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html") and 'action="/search"' in page.text


def test_local_audio_answers_range_requests(client, web_library):
    size = (web_library.episode_dir(MOMENT_SLUG) / "audio.wav").stat().st_size
    whole = client.get(f"/episodes/{MOMENT_SLUG}/audio")
    assert whole.status_code == 200 and len(whole.content) == size
    assert whole.headers["content-type"] == "audio/wav" and whole.headers["accept-ranges"] == "bytes"
    part = client.get(f"/episodes/{MOMENT_SLUG}/audio", headers={"Range": "bytes=1000-1099"})
    assert part.status_code == 206 and len(part.content) == 100
    assert part.headers["content-range"] == f"bytes 1000-1099/{size}"
    assert part.content == whole.content[1000:1100]


def test_audio_that_leads_outside_the_library_is_not_served(tmp_path):
    library = Library(tmp_path / "lib")
    library.store(Transcript.build([Utterance(0, 2, "Hello.", "Ana")], title="T"), "ep")
    secret = tmp_path / "secret.mp3"
    secret.write_bytes(b"not yours")
    (library.episode_dir("ep") / "audio.mp3").symlink_to(secret)
    with TestClient(create_app(library), base_url="http://127.0.0.1") as c:
        assert c.get("/episodes/ep/audio").status_code == 404
        assert "<audio" not in c.get("/episodes/ep").text


def test_every_response_carries_the_security_headers(client):
    for path in ("/", f"/episodes/{MOMENT_SLUG}", "/search?q=x", "/api/search?q=x", "/nope",
                 "/static/banana.css"):
        response = client.get(path)
        for name, value in SECURITY_HEADERS.items():
            assert response.headers[name] == value, (path, name)
    page = client.get("/").text
    assert f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'.replace("'", "&#39;") in page
    assert "script-src 'self';" in CSP and "unsafe-inline" not in CSP


def test_a_foreign_host_name_is_refused(client):
    """A page elsewhere cannot reach a loopback server through a name it points at it."""
    assert client.get("/", headers={"host": "attacker.example"}).status_code == 400
    assert client.get("/", headers={"host": "localhost:8000"}).status_code == 200


def test_static_files_are_cached_by_etag(client):
    first = client.get("/static/banana.js")
    assert first.status_code == 200 and first.headers["content-type"].startswith("text/javascript")
    again = client.get("/static/banana.js", headers={"if-none-match": first.headers["etag"]})
    assert again.status_code == 304


# -- the cache -------------------------------------------------------------------------------

def test_an_episode_page_is_gathered_once_until_its_files_change(tmp_path):
    library = Library(tmp_path / "lib")
    library.store(Transcript.build([Utterance(0, 2, "First words.", "Ana")], title="One"), "one")
    catalog = Catalog(library)
    with TestClient(create_app(library, catalog=catalog), base_url="http://127.0.0.1") as c:
        assert "First words." in c.get("/episodes/one").text
        c.get("/episodes/one")
        c.get("/api/episodes/one")
        assert catalog.gathered == 1
        library.store(Transcript.build([Utterance(0, 2, "Second words, longer.", "Ana")], title="One"), "one")
        assert "Second words, longer." in c.get("/episodes/one").text
        assert catalog.gathered == 2


def test_a_library_without_an_index_still_serves_pages(tmp_path):
    library = Library(tmp_path / "lib")
    library.store(Transcript.build([Utterance(0, 2, "Words.", "Ana")], title="One"), "one")
    with TestClient(create_app(library, archive=Archive(library.root)), base_url="http://127.0.0.1") as c:
        assert c.get("/").status_code == 200 and c.get("/episodes/one").status_code == 200
        assert c.get("/search", params={"q": "words"}).status_code == 200


def test_a_search_is_kept_until_the_index_changes(tmp_path):
    library = Library(tmp_path / "lib")
    store_episode(library, Transcript.build([Utterance(0, 2, "Herons wade at dusk.", "Ana")],
                                            title="One"), "one")
    app = create_app(library)
    cache = app.state.web.results
    with TestClient(app, base_url="http://127.0.0.1") as c:
        c.get("/api/search", params={"q": "wade"})  # the search connection opened
        assert c.get("/api/search", params={"q": "herons"}).json()["total"] == 1
        c.get("/search", params={"q": "herons"})
        assert c.get("/api/search", params={"q": "herons"}).json()["total"] == 1
        assert (cache.misses, cache.hits) == (2, 2)  # the page and the API ask the same search
        store_episode(library, Transcript.build([Utterance(0, 2, "More herons.", "Ben")],
                                                title="Two"), "two")
        assert c.get("/api/search", params={"q": "herons"}).json()["total"] == 2
        assert cache.misses == 3


def test_an_unexpected_failure_is_a_plain_500_without_a_traceback(web_library, monkeypatch):
    app = create_app(web_library)

    def broken(slug):
        raise RuntimeError("secret detail")

    monkeypatch.setattr(app.state.web.catalog, "view", broken)
    with TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False) as c:
        page = c.get(f"/episodes/{MOMENT_SLUG}")
        api = c.get(f"/api/episodes/{MOMENT_SLUG}")
    assert page.status_code == 500 and "secret detail" not in page.text and "Traceback" not in page.text
    assert api.status_code == 500 and api.json() == {"error": "internal error"}
    assert page.headers["content-security-policy"] == SECURITY_HEADERS["content-security-policy"]


class _Watched(Archive):
    """A real archive that records how many of its searches run at once (each held a
    moment, so searches that could overlap do)."""

    def __init__(self, root) -> None:
        super().__init__(root)
        self.running = self.most = 0
        self.threads: set[int] = set()
        self._count = threading.Lock()

    def search(self, query, **options):
        with self._count:
            self.running += 1
            self.most = max(self.most, self.running)
            self.threads.add(threading.get_ident())
        try:
            time.sleep(0.05)
            return super().search(query, **options)
        finally:
            with self._count:
                self.running -= 1


def test_a_server_process_runs_one_search_at_a_time(web_library):
    """Searches in threads of one process would pass SQLite's released GIL back and forth
    at every row; the server queues them on one thread, whose connection stays warm
    (parallel searching is --workers' processes)."""
    archive = _Watched(web_library.root)
    queries = ["data", "privacy", "census", "model", "teaser", "heron", "english", "please"]
    with serving(create_app(web_library, archive=archive)) as url:
        def ask(query):
            return httpx.get(f"{url}/api/search", params={"q": query}, timeout=30).json()

        with ThreadPoolExecutor(len(queries)) as pool:
            answers = list(pool.map(ask, queries))
    assert archive.most == 1 and len(archive.threads) == 1
    direct = Archive(web_library.root)
    assert [a["total"] for a in answers] == [direct.search(q).total for q in queries]


def test_search_processes_answer_as_the_archive_and_replace_one_that_dies(web_library):
    """Searches in a pool of processes (each with its own connection): the same results and
    errors as the archive in process; a killed search process is replaced, the search asked
    again; closing leaves no process behind."""
    archive = Archive(web_library.root)
    cache = ResultsCache(archive, processes=2)
    asked = [("privacy", {}), ("data", {"speaker": SPEAKERS[0]}), ("census", {"within": "segments"}),
             (PHRASE, {"episode": MOMENT_SLUG}), ("model", {"limit": 3})]
    try:
        cache.start()
        searchers = search_processes(os.getpid())
        assert len([pid for pid in searchers if alive(pid)]) >= 2
        for query, options in asked:
            assert cache.search(query, **options) == archive.search(query, **options)
        with pytest.raises(QueryError) as wrong:
            cache.search("data", within="everything")
        with pytest.raises(QueryError) as direct:
            archive.search("data", within="everything")
        assert str(wrong.value) == str(direct.value)
        for pid in searchers:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        assert cache.search("english") == archive.search("english")
        searchers = search_processes(os.getpid())
    finally:
        cache.close()
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in searchers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(alive(pid) for pid in searchers)


def test_where_search_processes_cannot_start_the_server_searches_on_a_thread(web_library, monkeypatch, capsys):
    """A machine without POSIX semaphores (some containers) cannot make a process pool:
    simulated here, as this machine has them. The server warns and searches on a thread."""
    def no_semaphores(*args, **kwargs):
        raise OSError(38, "Function not implemented")

    monkeypatch.setattr("banana.web.app.ProcessPoolExecutor", no_semaphores)
    app = create_app(web_library, search_processes=2)
    with TestClient(app, base_url="http://127.0.0.1") as c:
        answer = c.get("/api/search", params={"q": "privacy"})
    assert answer.status_code == 200
    assert answer.json()["total"] == Archive(web_library.root).search("privacy").total
    assert "cannot start 2 search processes" in capsys.readouterr().err
    assert app.state.web.results.processes == 0
