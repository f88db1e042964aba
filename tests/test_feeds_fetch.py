"""HTTP for feeds (banana/feeds/fetch.py) against a real server on loopback: redirects,
conditional requests, errors, timeouts, retries with backoff, content types, size
caps, cut-short downloads resumed with Range, checksums."""

from __future__ import annotations

import hashlib

import pytest

from banana.errors import FetchError
from banana.feeds.fetch import (Fetcher, FetchPolicy, audio_type_problem, transcript_type_problem,
                                verified)
from feed_server import FeedServer, Route

AUDIO = bytes(range(256)) * 400  # 100 kB


@pytest.fixture
def server():
    with FeedServer() as s:
        yield s


def fetcher(**policy) -> tuple[Fetcher, list[float]]:
    waits: list[float] = []
    options = dict(timeout_seconds=2.0, retries=2, backoff_seconds=0.5)
    options.update(policy)
    return Fetcher(FetchPolicy(**options), sleep=waits.append), waits


def test_redirects_are_followed_and_the_final_address_kept(server):
    server.routes["/old"] = Route(redirect="/middle", status=301)
    server.routes["/middle"] = Route(redirect=server.url("/feed.xml"), status=302)
    server.routes["/feed.xml"] = Route(b"<rss/>", "application/rss+xml", etag='"v1"')
    f, _ = fetcher()
    got = f.get(server.url("/old"), max_bytes=1000)
    assert (got.status, got.content, got.url, got.etag) == (200, b"<rss/>", server.url("/feed.xml"), '"v1"')


def test_a_redirect_loop_fails_in_one_line(server):
    server.routes["/a"] = Route(redirect="/b")
    server.routes["/b"] = Route(redirect="/a")
    f, _ = fetcher(max_redirects=5)
    with pytest.raises(FetchError, match=r"/a: more than 5 redirects$"):
        f.get(server.url("/a"), max_bytes=1000)


@pytest.mark.parametrize("validators", [dict(etag='"v1"'), dict(last_modified="Wed, 21 Oct 2015 07:28:00 GMT")])
def test_an_unchanged_resource_answers_304_to_a_conditional_request(server, validators):
    server.routes["/feed.xml"] = Route(b"<rss/>", **validators)
    f, _ = fetcher()
    got = f.get(server.url("/feed.xml"), max_bytes=1000, **validators)
    assert got.status == 304 and got.content == b""
    assert server.log[-1].conditional and f.conditional_requests == 1


def test_a_404_fails_at_once_naming_the_url(server):
    f, waits = fetcher()
    with pytest.raises(FetchError) as info:
        f.get(server.url("/missing.vtt"), max_bytes=1000)
    assert str(info.value) == f"{server.url('/missing.vtt')}: HTTP 404 Not Found"
    assert waits == [] and len(server.log) == 1


def test_a_5xx_is_tried_again_with_backoff_then_reported(server):
    server.routes["/busy"] = Route(status=503)
    f, waits = fetcher(retries=3, backoff_seconds=0.25)
    with pytest.raises(FetchError, match=r"/busy: HTTP 503 Service Unavailable \(4 tries\)$"):
        f.get(server.url("/busy"), max_bytes=1000)
    assert waits == [0.25, 0.5, 1.0] and len(server.log) == 4


def test_a_slow_response_times_out_and_is_reported(server):
    server.routes["/slow"] = Route(b"late", delay_seconds=2.0)
    f, waits = fetcher(timeout_seconds=0.3, retries=1)
    with pytest.raises(FetchError, match=r"/slow: timed out after 0.3 s \(2 tries\)$"):
        f.get(server.url("/slow"), max_bytes=1000)
    assert len(waits) == 1


def test_a_body_over_its_cap_is_refused_declared_or_not(server):
    server.routes["/big"] = Route(b"x" * 5000)
    server.routes["/big-undeclared"] = Route(b"x" * 500_000, declared_length=False)
    f, _ = fetcher()
    with pytest.raises(FetchError, match=r"/big: too large \(0.0 MB; the cap is 0.0 MB\)"):
        f.get(server.url("/big"), max_bytes=1000)
    with pytest.raises(FetchError, match=r"/big-undeclared: too large \(over the cap"):
        f.get(server.url("/big-undeclared"), max_bytes=100_000)


def test_a_wrong_content_type_is_refused(server, tmp_path):
    server.routes["/ep.mp3"] = Route(b"<html>log in first</html>", "text/html; charset=utf-8")
    server.routes["/ep.vtt"] = Route(b"<html>oops</html>", "text/html")
    f, _ = fetcher()
    with pytest.raises(FetchError, match=r"/ep.mp3: wrong content type text/html \(expected audio\)$"):
        f.download(server.url("/ep.mp3"), tmp_path / "ep.mp3")
    with pytest.raises(FetchError, match=r"wrong content type text/html \(the feed says text/vtt\)"):
        f.get(server.url("/ep.vtt"), max_bytes=1000,
              type_problem=lambda media: transcript_type_problem(media, "text/vtt"))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("content_type, ok", [("audio/mpeg", True), ("video/mp4", True), ("", True),
                                              ("application/octet-stream", True), ("text/html", False),
                                              ("application/json", False), ("image/png", False)])
def test_what_counts_as_audio(content_type, ok):
    assert (audio_type_problem(content_type) is None) == ok


def test_a_download_is_streamed_checksummed_and_reused(server, tmp_path):
    server.routes["/ep.mp3"] = Route(AUDIO, "audio/mpeg", etag='"a1"')
    f, _ = fetcher()
    dest = tmp_path / "ep.mp3"
    got = f.download(server.url("/ep.mp3"), dest)
    assert dest.read_bytes() == AUDIO and got.sha256 == hashlib.sha256(AUDIO).hexdigest()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ep.mp3", "ep.mp3.sha256"]
    again = f.download(server.url("/ep.mp3"), dest)
    assert again.reused and len(server.log) == 1  # checked against its checksum, not fetched again
    dest.write_bytes(AUDIO[:-1] + b"!")  # damaged on disk: fetched again
    assert verified(dest) is None and not dest.exists()
    assert f.download(server.url("/ep.mp3"), dest).sha256 == got.sha256 and len(server.log) == 2


def test_a_cut_short_download_resumes_with_a_range_request(server, tmp_path):
    server.routes["/ep.mp3"] = Route(AUDIO, "audio/mpeg", etag='"a1"', cut_after=30_000)
    f, waits = fetcher()
    got = f.download(server.url("/ep.mp3"), tmp_path / "ep.mp3")
    assert got.path.read_bytes() == AUDIO and got.sha256 == hashlib.sha256(AUDIO).hexdigest()
    assert len(waits) == 1 and got.resumed_from == 30_000
    assert [s.headers.get("range") for s in server.log] == [None, "bytes=30000-"]
    assert server.log[1].headers["if-range"] == '"a1"'


def test_a_cut_short_download_with_no_retries_leaves_only_a_part_and_the_next_run_resumes(server, tmp_path):
    server.routes["/ep.mp3"] = Route(AUDIO, "audio/mpeg", last_modified="Wed, 21 Oct 2015 07:28:00 GMT",
                                     cut_after=60_000)
    f, _ = fetcher(retries=0)
    dest = tmp_path / "ep.mp3"
    with pytest.raises(FetchError, match=r"/ep.mp3: cut short after 60,000 bytes of 102,400$"):
        f.download(server.url("/ep.mp3"), dest)
    assert not dest.exists() and (tmp_path / "ep.mp3.part").stat().st_size == 60_000
    got = fetcher(retries=0)[0].download(server.url("/ep.mp3"), dest)
    assert got.path.read_bytes() == AUDIO and got.resumed_from == 60_000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ep.mp3", "ep.mp3.sha256"]


def test_a_file_that_changed_on_the_server_starts_over(server, tmp_path):
    server.routes["/ep.mp3"] = Route(AUDIO, "audio/mpeg", etag='"a1"', cut_after=10_000)
    dest = tmp_path / "ep.mp3"
    with pytest.raises(FetchError):
        fetcher(retries=0)[0].download(server.url("/ep.mp3"), dest)
    new = AUDIO[::-1]
    server.routes["/ep.mp3"] = Route(new, "audio/mpeg", etag='"a2"')  # If-Range no longer matches: 200
    got = fetcher()[0].download(server.url("/ep.mp3"), dest)
    assert dest.read_bytes() == new and got.resumed_from == 0


def test_an_enclosure_over_the_cap_is_refused_and_nothing_kept(server, tmp_path):
    server.routes["/ep.mp3"] = Route(AUDIO, "audio/mpeg")
    server.routes["/stream.mp3"] = Route(AUDIO, "audio/mpeg", declared_length=False)
    f, _ = fetcher()
    with pytest.raises(FetchError, match=r"/ep.mp3: too large \(0.1 MB; the cap is 0.1 MB\)$"):
        f.download(server.url("/ep.mp3"), tmp_path / "ep.mp3", max_bytes=50_000)
    with pytest.raises(FetchError, match=r"/stream.mp3: too large \(over the cap of 0.1 MB\)$"):
        f.download(server.url("/stream.mp3"), tmp_path / "stream.mp3", max_bytes=50_000)
    assert list(tmp_path.iterdir()) == []


def test_a_url_that_cannot_be_fetched_says_so():
    f, _ = fetcher(retries=0)
    with pytest.raises(FetchError, match="not an http:// or https:// URL"):
        f.get("ftp://example.org/feed.xml", max_bytes=10)
    with pytest.raises(FetchError, match=r"connection failed"):
        f.get("http://127.0.0.1:9/feed.xml", max_bytes=10)  # discard port: nothing listens
