"""Tags added to a copy of a host's feed (banana/feeds/rewrite.py): every other byte as
it was, the tags as the Podcasting 2.0 namespace defines them, and feedparser and lxml
both reading them back."""

from __future__ import annotations

import re
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from banana.errors import FeedError
from banana.feeds.model import PODCAST_NAMESPACES, ChaptersLink, TranscriptLink
from banana.feeds.parse import parse_feed
from banana.feeds.rewrite import Tags, add_podcast_tags
from feed_server import podcast_feed

FEEDS = Path(__file__).parent / "feeds"
# The namespace's rules for the two tags (podcastindex.org/namespace/1.0):
TRANSCRIPT_ATTRS = {"url", "type", "language", "rel"}
TRANSCRIPT_REQUIRED = {"url", "type"}
TRANSCRIPT_TYPES = {"text/plain", "text/html", "text/vtt", "application/json", "application/x-subrip",
                    "application/srt"}
CHAPTERS_ATTRS = {"url", "type"}


def tags_for(slug: str, *, language: str | None = "en") -> Tags:
    base = f"https://files.example.com/{slug}"
    return Tags((TranscriptLink(f"{base}/transcript.vtt", "text/vtt", language, "captions"),
                 TranscriptLink(f"{base}/transcript.srt", "application/x-subrip", language, "captions"),
                 TranscriptLink(f"{base}/transcript.json", "application/json", language)),
                ChaptersLink(f"{base}/chapters.json"))


OUR_TAGS = re.compile(rb'[ \t\r\n]*<[a-z]+:(?:transcript|chapters) url="https://files\.example\.com/[^"]*"[^>]*/>')
OUR_DECLARATION = re.compile(rb' xmlns:[a-z]+="https://podcastindex\.org/namespace/1\.0"(?=/?>)')


def inserted(before: bytes, after: bytes) -> list[bytes]:
    """What ``after`` adds to ``before`` (our tags, a namespace declaration), checking
    that taking them out gives ``before`` back byte for byte."""
    stripped = OUR_TAGS.sub(b"", after)
    added = OUR_TAGS.findall(after)
    if stripped != before:  # the <rss> start tag's last attribute, when we declared the namespace
        added = OUR_DECLARATION.findall(stripped) + added
        stripped = OUR_DECLARATION.sub(b"", stripped, count=1)
    assert stripped == before
    return added


def check_podcast_tags(content: bytes) -> int:
    """Every podcast:transcript and podcast:chapters in the document follows the
    namespace's rules; returns how many there are."""
    root = etree.fromstring(content, etree.XMLParser(recover=True, resolve_entities=False, no_network=True))
    count = 0
    for el in root.iter():
        if not isinstance(el.tag, str) or not el.tag.startswith("{"):
            continue
        ns, local = el.tag[1:].split("}")
        if ns not in PODCAST_NAMESPACES or local not in ("transcript", "chapters"):
            continue
        count += 1
        attrs = set(el.attrib)
        assert el.getparent().tag == "item" and len(el) == 0 and not (el.text or "").strip()
        assert el.get("url", "").startswith(("http://", "https://"))
        if local == "transcript":
            assert TRANSCRIPT_REQUIRED <= attrs <= TRANSCRIPT_ATTRS
            assert el.get("type") in TRANSCRIPT_TYPES
            assert el.get("rel") in (None, "captions")
            if el.get("language"):
                assert re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*", el.get("language"))
        else:
            assert attrs == CHAPTERS_ATTRS and el.get("type") == "application/json+chapters"
    for item in root.iter("item"):  # at most one chapters tag per item
        assert sum(1 for c in item if isinstance(c.tag, str) and c.tag.endswith("}chapters")) <= 1
    return count


def test_the_messy_feed_gets_its_tags_and_keeps_every_other_byte():
    raw = (FEEDS / "messy.xml").read_bytes()
    feed = parse_feed(raw)
    wanted = {i.key: tags_for(f"ep-{n}") for n, i in enumerate(feed.items)}
    out = add_podcast_tags(raw, wanted)
    added = inserted(raw, out.content)
    assert len(added) == out.transcripts + out.chapters
    # ep. 7 had VTT, JSON and SRT of its own and its chapters: nothing of those kinds added
    assert out.kept_chapters == 1 and out.chapters == len(feed.items) - 1
    assert out.transcripts == 3 * (len(feed.items) - 1)
    assert check_podcast_tags(out.content) == 4 + 3 * 7 + 1 + 7
    # the undefined entity, CDATA, the live item and the blank lines are still there, as written
    for kept in (b"\n\n<?xml", b"&gtgt;", b"<![CDATA[<p>Show notes with", b"<podcast:liveItem", b"&eacute;"):
        assert out.content.count(kept) == raw.count(kept)


def test_the_tags_are_indented_like_the_items_children():
    raw = podcast_feed([dict(title="One", guid="g1")])
    out = add_podcast_tags(raw, {"g1": tags_for("one")}).content
    assert (b'      <guid isPermaLink="false">g1</guid>\n'
            b'      <podcast:transcript url="https://files.example.com/one/transcript.vtt" type="text/vtt" '
            b'language="en" rel="captions"/>\n') in out
    assert b'      <podcast:chapters url="https://files.example.com/one/chapters.json" ' \
           b'type="application/json+chapters"/>\n    </item>' in out


def test_feedparser_and_lxml_read_the_links_back():
    raw = podcast_feed([dict(title=f"Ep {n}", guid=f"g{n}") for n in range(3)])
    out = add_podcast_tags(raw, {f"g{n}": tags_for(f"ep-{n}") for n in range(3)}).content
    parsed = feedparser.parse(out)
    assert not parsed.bozo
    for n, entry in enumerate(parsed.entries):
        # feedparser keeps one podcast:transcript per item (the last), and the chapters
        assert entry.podcast_transcript["url"] == f"https://files.example.com/ep-{n}/transcript.json"
        assert entry.podcast_chapters == {"url": f"https://files.example.com/ep-{n}/chapters.json",
                                          "type": "application/json+chapters"}
    for n, item in enumerate(parse_feed(out).items):  # all three, read from the tree
        assert [t.url.rsplit("/", 1)[1] for t in item.transcripts] == ["transcript.vtt", "transcript.srt",
                                                                       "transcript.json"]
        assert item.chapters.url.endswith(f"ep-{n}/chapters.json")


def test_a_feed_without_the_namespace_gets_it_declared_on_rss():
    raw = podcast_feed([dict(title="One", guid="g1")]).replace(
        b' xmlns:podcast="https://podcastindex.org/namespace/1.0"', b"")
    out = add_podcast_tags(raw, {"g1": tags_for("one")}).content
    assert inserted(raw, out)[0] == b' xmlns:podcast="https://podcastindex.org/namespace/1.0"'
    assert check_podcast_tags(out) == 4


def test_the_old_namespace_prefix_is_reused():
    raw = (FEEDS / "old-namespace.xml").read_bytes()
    out = add_podcast_tags(raw, {"old-1": tags_for("folge-1", language="de")}).content
    assert out.count(b"xmlns:podcast=") == 1
    assert check_podcast_tags(out) == 3 + 4
    assert b"<unknown:tag xmlns:unknown=\"urn:example:unknown\">kept as is</unknown:tag>" in out


def test_a_prefix_taken_by_another_namespace_is_not_reused():
    raw = podcast_feed([dict(title="One", guid="g1")]).replace(
        b"https://podcastindex.org/namespace/1.0", b"urn:something:else")
    out = add_podcast_tags(raw, {"g1": tags_for("one")}).content
    assert b' xmlns:podcastindex="https://podcastindex.org/namespace/1.0"' in out
    assert b"<podcastindex:transcript " in out and check_podcast_tags(out) == 4


def test_items_without_tags_and_a_feed_with_none_to_add_are_left_alone():
    raw = podcast_feed([dict(title="One", guid="g1"), dict(title="Two", guid="g2")])
    assert add_podcast_tags(raw, {}).content == raw
    out = add_podcast_tags(raw, {"g2": tags_for("two")}).content
    assert out.split(b"<title>Two</title>")[0] == raw.split(b"<title>Two</title>")[0]


def test_cdata_and_comments_that_look_like_items_do_not_confuse_it():
    raw = podcast_feed([dict(title="One", guid="g1",
                             extra="      <description><![CDATA[</item><item> not tags]]></description>\n"
                                   "      <!-- </item> -->\n")])
    out = add_podcast_tags(raw, {"g1": tags_for("one")}).content
    assert out.index(b"<podcast:chapters") > out.index(b"<!-- </item> -->")
    assert check_podcast_tags(out) == 4


@pytest.mark.parametrize("bad", [
    Tags((TranscriptLink("/relative.vtt", "text/vtt"),)),
    Tags((TranscriptLink("https://x.example/t.doc", "application/msword"),)),
    Tags((TranscriptLink("https://x.example/t.vtt", "text/vtt", rel="subtitles"),)),
    Tags((TranscriptLink("https://x.example/t.vtt", "text/vtt", language="english please"),)),
    Tags((), ChaptersLink("https://x.example/c.json", "application/json")),
])
def test_a_tag_the_namespace_does_not_allow_is_refused(bad):
    with pytest.raises(FeedError):
        add_podcast_tags(podcast_feed([dict(title="One", guid="g1")]), {"g1": bad})
