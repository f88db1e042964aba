"""banana/pipeline/feeds.py and the library's feed records: audio
enclosures downloaded and transcribed (real generated audio, the tiny random whisper
checkpoint), the feed's order in listings and in the walk to the previous episode,
slugs that stay put across updates, what the user set winning over the feed."""

from __future__ import annotations

import pytest

from banana.library import EpisodeMeta, Library
from banana.pipeline import Transcriber
from banana.pipeline.feeds import add_feed, update_feeds
from banana.audio.decode import load_audio
from banana.feeds.fetch import FetchPolicy
from banana.formats import write_transcript
from feed_server import FeedServer, Route, episode_transcript, podcast_feed, rss_date
from whisper_fixtures import noise, one_torch_thread, tiny_checkpoint, tone, write_audio  # noqa: F401

# what whisper_fixtures.FAST says on the command line: one greedy pass, a short decode, no words
FAST = dict(temperature=0.0, max_tokens=24, language="en", beam_size=1, word_timestamps=False, speakers=None)


@pytest.fixture
def server():
    with FeedServer() as s:
        yield s


def clip(tmp_path, name: str, *, seconds: float = 3.0, seed: int = 0) -> bytes:
    rate = 16000 if name.endswith(".wav") else 44100
    mix = noise(seconds, rate=rate, amplitude=0.15, seed=seed) + tone(seconds, rate=rate, amplitude=0.2)
    return write_audio(tmp_path / name, mix, rate=rate).read_bytes()


def quick(**policy) -> FetchPolicy:
    return FetchPolicy(**{"timeout_seconds": 2.0, "retries": 0, "backoff_seconds": 0.01, **policy})


@pytest.mark.usefixtures("one_torch_thread")
def test_audio_enclosures_are_downloaded_transcribed_and_stored_with_their_item(
        server, library, tmp_path, tiny_checkpoint):  # noqa: F811
    kinds = [("mp3", "audio/mpeg"), ("mp3", "x-audio/mp3"), ("wav", None)]
    items = []
    for n, (ext, typ) in enumerate(kinds, start=1):
        data = clip(tmp_path, f"{n}.{ext}", seed=n)
        server.routes[f"/audio/{n}.{ext}"] = Route(data, "audio/mpeg" if ext == "mp3" else "audio/wav")
        items.append(dict(n=n, title=f"Audio {n}", guid=f"a{n}", date=rss_date(n),
                          enclosure=(server.url(f"/audio/{n}.{ext}"), typ, len(data))))
    server.routes["/feed.xml"] = Route(podcast_feed(items[::-1], title="Audio Show"), "application/rss+xml")
    lib = Library(library)
    add_feed(lib, server.url("/feed.xml"))
    [result] = update_feeds(lib, policy=quick(), whisper=dict(model=str(tiny_checkpoint), **FAST))
    assert [(o.slug, o.how, o.error) for o in result.outcomes] == [
        (f"audio-{n}", "transcribed", None) for n in (1, 2, 3)]
    model = Transcriber(str(tiny_checkpoint), **FAST)
    for n, (ext, _) in enumerate(kinds, start=1):
        stored = lib.load(f"audio-{n}")
        expected = model(lib, load_audio(tmp_path / f"{n}.{ext}"))
        assert stored.utterances == expected.utterances and stored.utterances
        assert stored.source == f"whisper:{tiny_checkpoint}"
        assert (stored.title, stored.show, stored.audio_url) == (f"Audio {n}", "Audio Show",
                                                                 server.url(f"/audio/{n}.{ext}"))
        assert lib.feed_origin(f"audio-{n}").item.guid == f"a{n}"
    assert list((library / ".feeds" / "audio-show" / "downloads").iterdir()) == []  # nothing left behind


@pytest.mark.usefixtures("one_torch_thread")
def test_bad_enclosures_fail_alone_and_a_cut_download_resumes_next_time(server, library, tmp_path,
                                                                         tiny_checkpoint):  # noqa: F811
    good = clip(tmp_path, "good.mp3")
    cut = clip(tmp_path, "cut.mp3", seconds=4.0, seed=2)
    server.routes["/good.mp3"] = Route(good, "audio/mpeg")
    server.routes["/big.mp3"] = Route(b"\xff\xfb" * 40_000, "audio/mpeg")
    server.routes["/login.mp3"] = Route(b"<html>log in</html>", "text/html")
    server.routes["/cut.mp3"] = Route(cut, "audio/mpeg", etag='"c1"', cut_after=len(cut) // 2)
    names = ["good", "big", "login", "cut", "gone"]
    items = [dict(title=name.title(), guid=name, date=rss_date(k),
                  enclosure=(server.url(f"/{name}.mp3"), "audio/mpeg", 1)) for k, name in enumerate(names)]
    server.routes["/feed.xml"] = Route(podcast_feed(items), "application/rss+xml")
    lib = Library(library)
    add_feed(lib, server.url("/feed.xml"))
    whisper = dict(model=str(tiny_checkpoint), **FAST)
    [result] = update_feeds(lib, policy=quick(max_audio_bytes=50_000), whisper=whisper)
    errors = {o.slug: o.error for o in result.outcomes}
    assert errors["good"] is None
    assert errors["big"] == f"{server.url('/big.mp3')}: too large (0.1 MB; the cap is 0.1 MB)"
    assert errors["login"] == f"{server.url('/login.mp3')}: wrong content type text/html (expected audio)"
    assert errors["cut"].startswith(f"{server.url('/cut.mp3')}: cut short after {len(cut) // 2:,} bytes")
    assert errors["gone"] == f"{server.url('/gone.mp3')}: HTTP 404 Not Found"
    assert lib.slugs() == ["good"]
    downloads = library / ".feeds" / "loopback-show" / "downloads"
    assert sorted(p.name for p in downloads.iterdir()) == ["cut.mp3.part", "cut.mp3.part.json"]
    before = len(server.log)
    [again] = update_feeds(lib, ["loopback-show"], policy=quick(max_audio_bytes=50_000), whisper=whisper)
    assert {o.slug: o.how for o in again.outcomes} == {"big": "failed", "login": "failed", "cut": "transcribed",
                                                        "gone": "failed"}
    assert [s.headers.get("range") for s in server.log[before:] if s.path == "/cut.mp3"] == \
        [f"bytes={len(cut) // 2}-"]
    assert lib.slugs() == ["good", "cut"] and list(downloads.iterdir()) == []


def test_items_with_nothing_to_import_are_passed_over_and_relative_urls_without_a_base_fail(
        library, tmp_path):
    feed = tmp_path / "feed.xml"
    feed.write_bytes(podcast_feed([
        dict(title="Cover art", guid="img", enclosure=("https://x.example/a.jpg", "image/jpeg", 1)),
        dict(title="A text post", guid="txt"),
        dict(title="Relative", guid="rel", enclosure=("media/1.mp3", "audio/mpeg", 1)),
    ]).replace(b"<link>https://example.org/</link>", b""))
    lib = Library(library)
    add_feed(lib, str(feed))
    [result] = update_feeds(lib, policy=quick())
    assert result.skipped == 2
    [failed] = result.outcomes
    assert failed.error == ("enclosure URL 'media/1.mp3' cannot be fetched (relative, with no feed "
                            "address to resolve it)")


def serve(server: FeedServer, items: list[dict]) -> None:
    for it in items:
        n = it["n"]
        server.routes[f"/t/{n}.vtt"] = Route(write_transcript(episode_transcript(n), "vtt").encode(), "text/vtt")
        it.setdefault("transcripts", [(server.url(f"/t/{n}.vtt"), "text/vtt")])
    server.routes["/feed.xml"] = Route(podcast_feed(items), "application/rss+xml")


def test_listings_and_the_previous_episode_follow_the_feeds_dates(server, library):
    """Titles whose slugs sort against the feed's order: the feed's dates win, and an
    episode of the library's own keeps its place."""
    titles = {1: "Zebra crossings", 2: "Mango season", 3: "Apple picking"}
    serve(server, [dict(n=n, title=titles[n], guid=f"g{n}", date=rss_date(n)) for n in (3, 2, 1)])
    lib = Library(library)
    lib.store(episode_transcript(9).replace(show="Another show"), "b-own-episode")
    add_feed(lib, server.url("/feed.xml"))
    update_feeds(lib, policy=quick())
    assert lib.slugs() == ["zebra-crossings", "b-own-episode", "mango-season", "apple-picking"]
    assert [slug for slug, _ in lib.walk("apple-picking", step=-1)] == ["mango-season", "zebra-crossings"]
    assert [slug for slug, _ in lib.walk("zebra-crossings", step=1)] == ["mango-season", "apple-picking"]


def test_what_the_user_set_wins_over_the_feed_and_a_feed_change_follows(server, library):
    items = [dict(n=1, title="First title", guid="g1", date=rss_date(1))]
    serve(server, items)
    lib = Library(library)
    add_feed(lib, server.url("/feed.xml"))
    update_feeds(lib, policy=quick())
    assert lib.load("first-title").title == "First title"
    lib.store(lib.load("first-title"), "first-title", meta=EpisodeMeta(show="My own name for it"))
    items[0]["title"] = "Corrected title"
    serve(server, items)
    [result] = update_feeds(lib, policy=quick())
    assert result.changed and result.refreshed == 1 and result.outcomes == ()
    episode = lib.load("first-title")  # the slug stays; the title follows the feed; the show is the user's
    assert (episode.title, episode.show) == ("Corrected title", "My own name for it")
    assert lib.feed_origin("first-title").item.title == "Corrected title"


def test_slugs_stay_put_when_a_new_item_copies_an_old_guid(server, library):
    items = [dict(n=1, title="Pilot", guid="same", date=rss_date(1),
                  enclosure=(server.url("/1.mp3"), "audio/mpeg", 1))]
    serve(server, items)
    lib = Library(library)
    add_feed(lib, server.url("/feed.xml"))
    update_feeds(lib, policy=quick())
    items.insert(0, dict(n=2, title="Pilot", guid="same", date=rss_date(2),
                         enclosure=(server.url("/2.mp3"), "audio/mpeg", 1)))
    serve(server, items)
    [result] = update_feeds(lib, policy=quick())
    assert [(o.slug, o.how) for o in result.outcomes] == [("pilot-2", "transcript")]
    assert lib.slugs() == ["pilot", "pilot-2"]
    assert lib.feed_origin("pilot").item.enclosure.url.endswith("/1.mp3")


def test_a_killed_import_leaves_nothing_half_stored(server, library):
    """An episode folder holding only its feed record (killed before the transcript was
    written) is not an episode, and the next update finishes it."""
    serve(server, [dict(n=1, title="One", guid="g1", date=rss_date(1))])
    lib = Library(library)
    add_feed(lib, server.url("/feed.xml"))
    update_feeds(lib, policy=quick())
    lib.transcript_path("one").unlink()
    (library / "one" / ".transcript.json.99999999.x.tmp").write_text("{")
    assert lib.slugs() == []
    [result] = update_feeds(lib, policy=quick())
    assert [o.how for o in result.outcomes] == ["transcript"] and lib.slugs() == ["one"]
    assert not any(p.name.endswith(".tmp") for p in (library / "one").iterdir())


def test_a_feed_file_that_vanished_is_one_error(library, tmp_path):
    feed = tmp_path / "feed.xml"
    feed.write_bytes(podcast_feed([dict(title="A", guid="a")]))
    lib = Library(library)
    add_feed(lib, str(feed))
    feed.unlink()
    [result] = update_feeds(lib)
    assert result.error == f"{feed}: no such file"


def test_an_html_transcript_keeps_its_speakers_and_times(server, library):
    page = ("<html><body><h1>Transcript</h1>"
            "<cite>Ada Host:</cite><time>0:01</time><p>Welcome to the show about feeds.</p>"
            "<cite>Bob Guest:</cite><time>0:07</time><p>Thanks, glad to be here today.</p>"
            "<cite>Ada Host:</cite><time>0:12</time><p>Let us begin with the first question.</p>"
            "</body></html>").encode()
    server.routes["/t/1.html"] = Route(page, "text/html; charset=utf-8")
    server.routes["/feed.xml"] = Route(podcast_feed([dict(
        n=1, title="Html one", guid="h1", date=rss_date(1),
        transcripts=[(server.url("/t/1.html"), "text/html")])]), "application/rss+xml")
    lib = Library(library)
    add_feed(lib, server.url("/feed.xml"))
    [result] = update_feeds(lib, policy=quick())
    assert [o.how for o in result.outcomes] == ["transcript"]
    episode = lib.load("html-one")
    assert [(u.start, u.speaker, u.text) for u in episode.utterances] == [
        (1.0, "Ada Host", "Welcome to the show about feeds."),
        (7.0, "Bob Guest", "Thanks, glad to be here today."),
        (12.0, "Ada Host", "Let us begin with the first question.")]


def test_enclosure_urls_with_spaces_and_accents_are_encoded(library, tmp_path):
    feed = tmp_path / "feed.xml"
    feed.write_bytes(podcast_feed([dict(title="Spaces", guid="s1",
                                        enclosure=("https://cdn.example.org/my show/épisode 1.mp3",
                                                   "audio/mpeg", 1))]))
    lib = Library(library)
    record = add_feed(lib, str(feed))
    assert record.feed.items[0].enclosure.url == "https://cdn.example.org/my%20show/%C3%A9pisode%201.mp3"


def test_temporary_files_a_killed_run_left_in_the_feed_folder_are_removed(server, library):
    serve(server, [dict(n=1, title="One", guid="g1", date=rss_date(1))])
    lib = Library(library)
    add_feed(lib, server.url("/feed.xml"))
    folder = library / ".feeds" / "loopback-show"
    (folder / "downloads").mkdir()
    left = [folder / ".feed.json.99999999.abc.tmp", folder / "downloads" / ".one.mp3.sha256.99999999.x.tmp"]
    for path in left:
        path.write_text("half")
    kept = folder / "downloads" / "one.mp3.part"
    kept.write_bytes(b"resume me")
    update_feeds(lib, policy=quick())
    assert not any(p.exists() for p in left) and kept.exists()


def test_the_order_follows_a_changed_feed_date_in_the_same_library_object(server, library):
    items = [dict(n=2, title="Bee", guid="g2", date=rss_date(2)), dict(n=1, title="Ant", guid="g1", date=rss_date(1))]
    serve(server, items)
    lib = Library(library)
    add_feed(lib, server.url("/feed.xml"))
    update_feeds(lib, policy=quick())
    assert lib.slugs() == ["ant", "bee"]
    items[0]["date"], items[1]["date"] = rss_date(1), rss_date(2)  # the host fixed its dates
    serve(server, items)
    [result] = update_feeds(lib, policy=quick())
    assert result.refreshed == 2 and lib.slugs() == ["bee", "ant"]
