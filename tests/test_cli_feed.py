"""``banana feed`` through the CLI, against a feed served on loopback: add, list, show,
update (every bad response one line naming its item, the library unchanged for it),
publish."""

from __future__ import annotations

import json
from pathlib import Path

import feedparser
import pytest

from banana.formats import write_transcript
from banana.library import Library
from feed_server import FeedServer, Route, episode_transcript, podcast_feed, rss_date

FEEDS = Path(__file__).parent / "feeds"
FORMATS = [("vtt", "text/vtt"), ("srt", "application/x-subrip"), ("podcast-json", "application/json")]


@pytest.fixture
def server():
    with FeedServer() as s:
        yield s


def link(n: int) -> str:
    """Where episode n's transcript is served."""
    return f"/t/{n}.{FORMATS[n % 3][0]}"


def serve_show(server: FeedServer, count: int, *, path: str = "/feed.xml", title: str = "Loopback Show",
               broken: dict[int, tuple[str, Route]] | None = None) -> list[dict]:
    """A feed of ``count`` episodes, each linking a transcript (VTT, SRT or JSON in
    turn); ``broken`` replaces episode n's transcript link with (type, route)."""
    broken = broken or {}
    items = []
    for n in range(count, 0, -1):
        fmt, typ = FORMATS[n % 3]
        url_path = f"/t/{n}.{fmt}"
        route = Route(write_transcript(episode_transcript(n), fmt).encode(), typ, etag=f'"t{n}"')
        if n in broken:
            typ, route = broken[n]
        server.routes[url_path] = route
        items.append(dict(n=n, title=f"Episode {n}: topic {n}", guid=f"guid-{n}", date=rss_date(n),
                          enclosure=(f"/audio/{n}.mp3", "audio/mpeg", 1000),
                          transcripts=[(server.url(url_path), typ)]))
    server.routes[path] = Route(podcast_feed(items, title=title, base=server.base), "application/rss+xml",
                                etag='"feed-1"', last_modified="Wed, 21 Oct 2015 07:28:00 GMT")
    return items


def test_add_then_update_imports_every_episode_with_its_speakers(cli, library, server):
    serve_show(server, 5)
    result = cli("feed", "add", server.url("/feed.xml"))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "loopback-show: Loopback Show: 5 items (5 with a transcript, 0 to transcribe)"
    assert Library(library).slugs() == []  # add reads the feed; update imports
    result = cli("feed", "update")
    assert result.exit_code == 0, result.output
    lib = Library(library)
    assert lib.slugs() == [f"episode-{n}-topic-{n}" for n in range(1, 6)]
    episode = lib.load("episode-3-topic-3")
    assert episode.speakers == ("Ada Host", "Bob Guest") and episode.title == "Episode 3: topic 3"
    assert episode.show == "Loopback Show" and episode.audio_url == server.url("/audio/3.mp3")
    assert [u.text for u in episode.utterances] == [u.text for u in episode_transcript(3).utterances]
    origin = lib.feed_origin("episode-3-topic-3")
    assert (origin.feed, origin.item.guid, origin.item.episode) == ("loopback-show", "guid-3", 3)


def test_a_second_update_makes_only_conditional_requests_and_changes_nothing(cli, library, server):
    serve_show(server, 6)
    cli("feed", "add", server.url("/feed.xml"))
    assert cli("feed", "update").exit_code == 0
    files = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in library.rglob("*") if p.is_file()}
    before = len(server.log)
    result = cli("feed", "update")
    assert result.exit_code == 0
    again = server.log[before:]
    assert [(s.path, s.conditional) for s in again] == [("/feed.xml", True)]
    assert again[0].headers["if-none-match"] == '"feed-1"'
    assert "not modified" in result.stdout
    assert {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in library.rglob("*") if p.is_file()} == files


def test_every_bad_response_is_one_line_naming_its_item_and_the_library_is_unchanged_for_it(
        cli, library, server):
    broken = {
        2: ("text/vtt", Route(status=404)),  # not found
        3: ("text/vtt", Route(b"WEBVTT\n\n00:00.000 --> 00:01.000\nlate\n", "text/vtt", delay_seconds=3.0)),
        4: ("text/vtt", Route(b"<html>Please log in</html>", "text/html")),  # wrong content type
        5: ("application/x-subrip", Route(b"1\n00:00:00,000 --> 00:00:01,000\nhi\n" * 2000,
                                          "application/x-subrip", cut_after=5000, cuts=10)),  # cut short
        6: ("text/vtt", Route(b"x" * 200, "text/vtt")),  # not a transcript at all
        7: ("text/vtt", Route(redirect="/t/7-moved.vtt")),  # a redirect: followed, fine
    }
    server.routes["/t/7-moved.vtt"] = Route(write_transcript(episode_transcript(7), "vtt").encode(), "text/vtt")
    serve_show(server, 8, broken=broken)
    cli("feed", "add", server.url("/feed.xml"))
    result = cli("feed", "update", "--timeout", "0.5", "--retries", "1")
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 5 and "Traceback" not in result.output
    by_episode = {n: next(line for line in errors if f"'Episode {n}: topic {n}' (guid-{n})" in line)
                  for n in (2, 3, 4, 5, 6)}
    assert by_episode[2].endswith(f"{server.url(link(2))}: HTTP 404 Not Found")
    assert by_episode[3].endswith(f"{server.url(link(3))}: timed out after 0.5 s (2 tries)")
    assert by_episode[4].endswith(f"{server.url(link(4))}: wrong content type text/html (the feed says text/vtt)")
    assert f"{server.url(link(5))}: cut short after 5,000 bytes of 70,000 (2 tries)" in by_episode[5]
    assert by_episode[6].endswith(f"{server.url(link(6))}: one line of text and nothing after it: "
                                  "a title, not a transcript")
    assert all(line.startswith("Error: loopback-show: 'Episode") for line in errors)
    assert "5 failed; they are tried again on the next update." in result.stderr
    lib = Library(library)
    assert lib.slugs() == ["episode-1-topic-1", "episode-7-topic-7", "episode-8-topic-8"]
    for n in (2, 3, 4, 5, 6):
        assert not (library / f"episode-{n}-topic-{n}").exists()
    shown = json.loads(cli("feed", "show", "loopback-show", "--json").stdout)
    assert [(i["episode"], i["imported"], i["error"] is not None) for i in shown["items"]] == [
        (n, n in (1, 7, 8), n in (2, 3, 4, 5, 6)) for n in range(8, 0, -1)]
    # fixed on the server: the next update tries the failed items again, and only them
    for n in (2, 3, 4, 5, 6):
        fmt, typ = FORMATS[n % 3]
        server.routes[f"/t/{n}.{fmt}"] = Route(write_transcript(episode_transcript(n), fmt).encode(), typ)
    before = len(server.log)
    result = cli("feed", "update")
    assert result.exit_code == 0, result.output
    assert sorted(s.path for s in server.log[before:]) == sorted(["/feed.xml", *map(link, (2, 3, 4, 5, 6))])
    assert len(Library(library).slugs()) == 8
    assert json.loads(cli("feed", "show", "loopback-show", "--json").stdout)["items"][3]["error"] is None


def test_a_feed_that_cannot_be_fetched_is_one_line(cli, server):
    result = cli("feed", "add", server.url("/nothing.xml"))
    assert result.exit_code == 1
    assert result.stderr == f"Error: {server.url('/nothing.xml')}: HTTP 404 Not Found\n"
    server.routes["/page"] = Route(b"<html><body>Welcome</body></html>", "text/html")
    result = cli("feed", "add", server.url("/page"))
    assert result.stderr == f"Error: {server.url('/page')}: this is an HTML page, not a podcast RSS feed\n"


def test_an_xml_bomb_or_external_entity_feed_is_refused_and_nothing_stored(cli, library, server, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    server.routes["/bomb.xml"] = Route((FEEDS / "bomb.xml").read_bytes(), "application/rss+xml")
    server.routes["/xxe.xml"] = Route(
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file://{secret}">]>'
        '<rss version="2.0"><channel><title>&x;</title></channel></rss>'.encode(), "application/rss+xml")
    for path in ("/bomb.xml", "/xxe.xml"):
        result = cli("feed", "add", server.url(path))
        assert result.exit_code == 1
        assert result.stderr.startswith(f"Error: {server.url(path)}: refused: the feed's DTD declares entities")
    assert not any("TOP-SECRET" in p.read_text(errors="replace") for p in library.rglob("*") if p.is_file())
    assert cli("feed", "list").stderr.startswith("No feeds followed yet")


def test_add_a_feed_file_list_and_show(cli, library, tmp_path):
    feed = tmp_path / "messy.xml"
    feed.write_bytes((FEEDS / "messy.xml").read_bytes())
    result = cli("feed", "add", feed, "--name", "messy")
    assert result.exit_code == 0, result.output
    assert " ".join(result.stdout.split()) == ("messy: Café Data &gtgt; Friends: 8 items (1 with a transcript, "
                                     "6 to transcribe), 1 live items passed over")
    listed = json.loads(cli("feed", "list", "--json").stdout)
    assert listed == {"feeds": [{"name": "messy", "title": "Café Data &gtgt; Friends", "source": str(feed),
                                 "items": 8, "failed": 0}]}
    shown = json.loads(cli("feed", "show", "messy", "--json").stdout)
    assert shown["title"] == "Café Data &gtgt; Friends" and shown["live_items"] == 1
    ep7 = shown["items"][0]
    assert ep7["guid"] == "messy-7" and len(ep7["transcripts"]) == 4 and ep7["slug"] == "ep-7-the-big-one-gtgt-more"
    assert ep7["imported"] is False and ep7["chapters"]["url"].endswith("ep7.json")
    table = cli("feed", "show", "messy")
    assert table.exit_code == 0 and "Café Data" in table.stdout
    missing = cli("feed", "show", "nope")
    assert missing.exit_code == 1 and missing.stderr == "Error: no feed 'nope' in this library (followed: messy)\n"


def test_a_name_another_feed_holds_is_refused(cli, tmp_path):
    one, two = tmp_path / "one.xml", tmp_path / "two.xml"
    one.write_bytes(podcast_feed([dict(title="A", guid="a")], title="Same"))
    two.write_bytes(podcast_feed([dict(title="B", guid="b")], title="Same"))
    assert cli("feed", "add", one).exit_code == 0
    result = cli("feed", "add", two)
    assert result.exit_code == 1
    assert result.stderr == (f"Error: a feed named 'same' is followed already (from {one}); "
                             "give this one another --name\n")
    assert cli("feed", "add", two, "--name", "same-2").exit_code == 0


def test_publish_writes_the_files_and_a_copy_of_the_feed_apps_read(cli, library, server, tmp_path):
    serve_show(server, 3)
    cli("feed", "add", server.url("/feed.xml"))
    cli("feed", "update")
    out = tmp_path / "public"
    result = cli("feed", "publish", "--base-url", "https://files.example.com/show/", out)
    assert result.exit_code == 0, result.output
    # each item links one transcript of its own (VTT, SRT or JSON): the other two are added
    assert "6 transcript and 3 chapters tags on 3 episodes" in " ".join(result.stdout.split())
    for n in (1, 2, 3):
        folder = out / f"episode-{n}-topic-{n}"
        assert sorted(p.name for p in folder.iterdir()) == ["chapters.json", "transcript.json",
                                                            "transcript.srt", "transcript.vtt"]
        assert json.loads((folder / "chapters.json").read_text())["version"] == "1.2.0"
    parsed = feedparser.parse((out / "feed.xml").read_bytes())
    assert not parsed.bozo and len(parsed.entries) == 3
    for entry in parsed.entries:
        slug = f"episode-{entry.itunes_episode}-topic-{entry.itunes_episode}"
        assert entry.podcast_chapters["url"] == f"https://files.example.com/show/{slug}/chapters.json"
    original = server.routes["/feed.xml"].body
    assert (library / ".feeds" / "loopback-show" / "feed.xml").read_bytes() == original
    again = cli("feed", "publish", "--base-url", "https://files.example.com/show", out)
    assert "(0 files changed)" in again.stdout


def test_publish_never_overwrites_the_original_feed(cli, tmp_path):
    folder = tmp_path / "site"
    folder.mkdir()
    original = folder / "feed.xml"
    original.write_bytes(podcast_feed([dict(title="A", guid="a")]))
    cli("feed", "add", original)
    result = cli("feed", "publish", "--base-url", "https://x.example", folder)
    assert result.exit_code == 1
    assert result.stderr == f"Error: {original} is the original feed: publish into another folder\n"


@pytest.mark.parametrize("url", ["ftp://x.example/files", "files/", "https://x.example/a b"])
def test_publish_refuses_a_base_url_apps_cannot_fetch(cli, tmp_path, url):
    result = cli("feed", "publish", "--base-url", url, tmp_path / "out")
    assert result.exit_code == 1 and result.stderr.startswith("Error: --base-url ")
