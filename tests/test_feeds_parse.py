"""Reading podcast feeds (banana/feeds/parse.py): fixture feeds shaped like the ones
hosting platforms write (tests/feeds/), bombs and external entities refused, a big
back catalogue, and garbage that never crashes the reader."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from banana.errors import FeedError
from banana.feeds.model import Feed, Item
from banana.feeds.parse import parse_date, parse_duration, parse_feed
from feed_server import podcast_feed, rss_date

FEEDS = Path(__file__).parent / "feeds"


def messy() -> Feed:
    return parse_feed((FEEDS / "messy.xml").read_bytes(), name="messy")


def by_title(feed: Feed, start: str) -> Item:
    return next(i for i in feed.items if i.title.startswith(start))


def test_a_messy_feed_imports_every_episode_and_passes_over_the_live_item():
    """Blank lines before <?xml, &gtgt; (defined nowhere), HTML entities, CDATA, a
    podcast:liveItem: a strict parser rejects this feed; it reads."""
    feed = messy()
    assert feed.title == "Café Data &gtgt; Friends"
    assert feed.author == "Messy Media & Co"
    assert feed.image == "https://messy.example.com/art.png"
    assert feed.live_items == 1
    assert len(feed.items) == 8 and not any("Live" in i.title for i in feed.items)
    assert feed.items[0].title == "Ep. 7 – The “big” one\u00a0&gtgt; more".replace("\u00a0", " ")


def test_every_transcript_link_of_an_item_is_read_not_just_the_last():
    ep7 = by_title(messy(), "Ep. 7")
    assert [(t.type, t.language, t.rel) for t in ep7.transcripts] == [
        ("text/html", None, None), ("text/vtt", "en", "captions"), ("application/json", "en", None),
        ("application/x-subrip", None, None)]
    assert [t.url.rsplit(".", 1)[1] for t in ep7.best_transcripts] == ["json", "vtt", "srt", "html"]
    assert ep7.chapters.url == "https://cdn.example.com/c/ep7.json"
    assert [(p.name, p.role, p.href) for p in ep7.persons] == [
        ("Bob Guest", "guest", "https://example.org/bob"), ("Ada López", "host", None)]
    assert (ep7.episode, ep7.season, ep7.episode_type, ep7.duration) == (7, 2, "full", 3723.0)
    assert ep7.enclosure.url == "https://cdn.example.com/audio/ep7.mp3?src=rss&id=7"  # a bare & read


def test_the_old_github_namespace_address_reads_the_same():
    feed = parse_feed((FEEDS / "old-namespace.xml").read_bytes())
    first = feed.items[0]
    assert feed.title == "Old Namespace Radio" and first.title == "Folge 2: Über Daten"
    assert [(t.type, t.language) for t in first.transcripts] == [("application/srt", "de"),
                                                                  ("application/json", "de")]
    assert first.chapters is not None and first.persons[0].name == "Eva Beispiel"


def test_an_unbound_podcast_prefix_is_still_read():
    raw = podcast_feed([dict(title="One", guid="g1", transcripts=[("https://x.example/1.vtt", "text/vtt")])])
    raw = raw.replace(b' xmlns:podcast="https://podcastindex.org/namespace/1.0"', b"")
    assert [t.url for t in parse_feed(raw).items[0].transcripts] == ["https://x.example/1.vtt"]


@pytest.mark.parametrize("start, published", [
    ("Ep. 7", "2024-03-01T17:00:00+00:00"),  # PST
    ("Ep. 6", "2024-02-23T09:00:00+00:00"),  # no weekday, -0000
    ("Ep. 5", "2024-02-09T14:00:00+00:00"),  # one-digit day and hour, EST
    ("Ep. 4", "2024-02-02T08:00:00+00:00"),  # +0100
    ("Ep. 2", "2024-01-12T09:00:00+00:00"),  # the weekday written out
])
def test_dates_in_the_forms_feeds_write_them(start, published):
    assert by_title(messy(), start).published == published


@pytest.mark.parametrize("text, seconds", [("1:02:03", 3723.0), ("62:03", 3723.0), ("3723", 3723.0),
                                           ("3723.5", 3723.5), ("", None), ("soon", None),
                                           ("1:2:3:4", None), ("-5", None)])
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


def test_dates_that_are_not_dates_are_none():
    assert parse_date("not a date") is None and parse_date("") is None
    assert parse_date("2024-03-01T10:00:00Z") == "2024-03-01T10:00:00+00:00"


def test_enclosures_of_every_kind_and_relative_urls_resolved():
    feed = messy()
    kinds = {i.title.split(":")[0]: (i.enclosure.media_type, i.enclosure.kind) for i in feed.items}
    assert kinds["Ep. 6"] == ("audio/mpeg", "audio")  # audio/mp3
    assert kinds["Ep. 5"] == ("audio/mpeg", "audio")  # x-audio/mp3
    assert kinds["Ep. 4"] == ("audio/mp4", "audio")  # no type: from the extension
    assert kinds["Ep. 3"] == ("video/mp4", "video")
    assert kinds["Bonus"] == ("image/jpeg", "image")
    # relative to the feed's own address (atom:link rel="self")
    assert by_title(feed, "Ep. 6").enclosure.url == "https://feeds.example.com/media/ep6.mp3"
    assert by_title(feed, "Ep. 2").enclosure.url == "https://feeds.example.com/messy/media/ep2.mp3"
    assert by_title(feed, "Ep. 1").link == "https://feeds.example.com/episodes/1"


def test_the_fetched_address_resolves_relative_urls_first():
    feed = parse_feed((FEEDS / "messy.xml").read_bytes(), base_url="https://moved.example.org/rss/feed")
    assert by_title(feed, "Ep. 6").enclosure.url == "https://moved.example.org/media/ep6.mp3"


def test_empty_and_duplicate_guids_never_merge_two_episodes():
    feed = messy()
    keys = [i.key for i in feed.items]
    assert len(set(keys)) == len(keys)
    assert by_title(feed, "Ep. 5").key == "https://cdn.example.com/audio/ep5.mp3"  # guid shared with 4
    assert by_title(feed, "Ep. 4").key == "https://cdn.example.com/audio/ep4.m4a"
    assert by_title(feed, "Ep. 6").key == "https://feeds.example.com/media/ep6.mp3"  # empty guid
    assert by_title(feed, "Ep. 7").key == "messy-7" and by_title(feed, "Ep. 7").guid == "messy-7"
    assert by_title(feed, "Ep. 1").guid == "https://messy.example.com/ep1"


def test_items_with_no_guid_and_one_enclosure_get_distinct_keys():
    item = dict(title="Same", date=rss_date(1), enclosure=("https://x.example/a.mp3", "audio/mpeg", 1))
    feed = parse_feed(podcast_feed([item, item, dict(item, title="Other")]))
    assert len({i.key for i in feed.items}) == 3
    again = parse_feed(podcast_feed([item, item, dict(item, title="Other")]))
    assert [i.key for i in again.items] == [i.key for i in feed.items]  # stable across reads


def test_a_feed_round_trips_through_its_stored_form():
    feed = messy()
    assert Feed.from_dict(feed.to_dict()) == feed


def test_a_big_back_catalogue_reads_whole():
    items = [dict(n=n, title=f"Episode {n}: a long title about data and feeds number {n}",
                  guid=f"guid-{n}", date=rss_date(n),
                  enclosure=(f"https://cdn.example.com/{n}.mp3", "audio/mpeg", 1000 + n),
                  transcripts=[(f"https://cdn.example.com/{n}.vtt", "text/vtt")],
                  extra=f"      <description><![CDATA[<p>{'Show notes. ' * 80}</p>]]></description>\n")
             for n in range(750, 0, -1)]
    raw = podcast_feed(items)
    assert len(raw) > 1_000_000
    feed = parse_feed(raw)
    assert len(feed.items) == 750
    assert [i.episode for i in feed.items[:3]] == [750, 749, 748]
    assert all(len(i.transcripts) == 1 for i in feed.items)


def test_an_xml_bomb_is_refused():
    with pytest.raises(FeedError, match="refused: the feed's DTD declares entities"):
        parse_feed((FEEDS / "bomb.xml").read_bytes(), name="bomb.xml")


def test_an_external_entity_is_refused_and_the_file_never_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    for raw in (
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{secret}">]>\n'
        '<rss version="2.0"><channel><title>&xxe;</title><item><title>&xxe;</title>'
        '<guid>x</guid></item></channel></rss>',
        # a broken document (undefined entity before the DTD is reached) must not slip past
        f'\n\n<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY % p SYSTEM "file://{secret}"> %p;]>\n'
        '<rss version="2.0"><channel><title>&nope;</title></channel></rss>',
    ):
        with pytest.raises(FeedError, match="refused") as info:
            parse_feed(raw.encode())
        assert "TOP-SECRET" not in str(info.value)


@pytest.mark.parametrize("raw, why", [
    (b"", "empty"),
    (b"<html><body><h1>Not found</h1></body></html>", "an HTML page"),
    (b'<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title></feed>', "an Atom feed"),
    (b'<rss version="2.0"></rss>', "no <channel>"),
    (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "not XML"),
])
def test_what_is_not_a_podcast_feed_says_so(raw, why):
    with pytest.raises(FeedError, match=why):
        parse_feed(raw, name="thing")


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=600) | st.text(alphabet="<>/&;!?[]=\"' abcrsitemchanneltl", max_size=300).map(str.encode))
def test_garbage_never_crashes_the_reader(raw):
    try:
        feed = parse_feed(raw)
    except FeedError:
        return
    assert isinstance(feed, Feed)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.text(max_size=30), st.sampled_from(["", "g1", "g2"]),
                          st.sampled_from(["", "https://x.example/a.mp3", "/rel.mp3"])), max_size=8))
def test_keys_are_unique_whatever_the_guids_and_enclosures(rows):
    items = [dict(title=title, guid=guid or None, enclosure=(url, "audio/mpeg", 1) if url else None)
             for title, guid, url in rows]
    feed = parse_feed(podcast_feed(items), base_url="https://host.example/feed")
    assert len({i.key for i in feed.items}) == len(rows)
