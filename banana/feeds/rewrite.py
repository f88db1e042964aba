"""A copy of a host's feed with ``<podcast:transcript>`` and ``<podcast:chapters>`` added
to its items, and every other byte as it was.

A serializer would rewrite what it parsed (quotes, entities, CDATA, the XML
declaration, whitespace), so the tags are spliced into the original bytes instead:
a scanner that knows comments, CDATA sections, processing instructions and quoted
attribute values finds each ``<item>``'s closing tag, and the new tags go just before
it, indented like the item's first child. When no prefix is bound to the Podcasting
2.0 namespace, ``xmlns:podcast`` is added to the ``<rss>`` start tag (a prefix bound to
the namespace's old GitHub address is reused: apps read both). The result is then
parsed back with lxml and each item checked to hold exactly the tags asked for.

The tags follow the namespace's rules: ``<podcast:transcript url type [language]
[rel="captions"]>`` (``rel="captions"`` only on a file with timings) and
``<podcast:chapters url type="application/json+chapters">``, one per item: an item
that already has chapters keeps its own, and neither a transcript URL nor a type the
item lists already is listed again (the host's own transcript wins).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from xml.sax.saxutils import escape

from banana.errors import FeedError
from banana.feeds.model import (CHAPTERS_TYPE, PODCAST_NAMESPACES, PODCAST_NS, ChaptersLink,
                                TranscriptLink)
from banana.feeds.parse import is_podcast_tag, parse_feed, parse_tree, prepare

TRANSCRIPT_TYPES = frozenset({"text/plain", "text/html", "text/vtt", "application/json",
                              "application/x-subrip", "application/srt"})
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")  # RFC 5646, as feeds write it
_SCAN = re.compile(
    rb"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<!DOCTYPE[^\[>]*(?:\[.*?\])?\s*>"
    rb"|<(/?)([A-Za-z_][\w:.-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>", re.S)
_SPACE = re.compile(rb"[ \t\r\n]*\Z")
_LEADING_SPACE = re.compile(rb"\A[ \t\r\n]*")


@dataclass(frozen=True)
class Tags:
    """What to add to one item."""

    transcripts: tuple[TranscriptLink, ...] = ()
    chapters: ChaptersLink | None = None


@dataclass(frozen=True)
class Rewritten:
    content: bytes
    transcripts: int  # tags added
    chapters: int
    kept_chapters: int  # items that had chapters of their own, kept


def check_tags(tags: Tags) -> None:
    """Refuse a tag the Podcasting 2.0 rules do not allow (a bug, not bad input)."""
    for t in tags.transcripts:
        if not t.url.startswith(("http://", "https://")):
            raise FeedError(f"transcript URL {t.url!r} is not absolute")
        if t.type not in TRANSCRIPT_TYPES:
            raise FeedError(f"transcript type {t.type!r} is not one podcast apps read")
        if t.rel not in (None, "captions"):
            raise FeedError(f"transcript rel {t.rel!r}: only 'captions' is defined")
        if t.language is not None and not _LANGUAGE.match(t.language):
            raise FeedError(f"transcript language {t.language!r} is not an RFC 5646 code")
    if tags.chapters is not None and (tags.chapters.type != CHAPTERS_TYPE or
                                      not tags.chapters.url.startswith(("http://", "https://"))):
        raise FeedError(f"chapters link {tags.chapters} is not one podcast apps read")


def _attr(value: str) -> str:
    return escape(value, {'"': "&quot;"})


def _transcript_tag(prefix: str, t: TranscriptLink) -> str:
    attrs = f'url="{_attr(t.url)}" type="{_attr(t.type)}"'
    if t.language:
        attrs += f' language="{_attr(t.language)}"'
    if t.rel:
        attrs += f' rel="{_attr(t.rel)}"'
    return f"<{prefix}:transcript {attrs}/>"


def _chapters_tag(prefix: str, c: ChaptersLink) -> str:
    return f'<{prefix}:chapters url="{_attr(c.url)}" type="{_attr(c.type)}"/>'


@dataclass
class _Item:
    open_end: int  # just after the start tag
    close_start: int | None  # at the end tag's "<" (None: a self-closing <item/>)


def _scan(raw: bytes) -> tuple[int | None, bool, list[_Item]]:
    """(where an attribute can go in the <rss> start tag, whether it self-closes, the items)."""
    rss_insert = None
    rss_self_closing = False
    items: list[_Item] = []
    for m in _SCAN.finditer(raw):
        if m.group(2) is None:
            continue  # comment, CDATA, PI, DOCTYPE
        closing, name, attrs = m.group(1), m.group(2), m.group(3)
        if name == b"rss" and not closing and rss_insert is None:
            rss_self_closing = attrs.endswith(b"/")
            rss_insert = m.end() - (2 if rss_self_closing else 1)
        elif name == b"item":
            if not closing:
                items.append(_Item(m.end(), None if attrs.endswith(b"/") else -1))
            elif items and items[-1].close_start == -1:
                items[-1].close_start = m.start()
    if any(i.close_start == -1 for i in items):
        raise FeedError("an <item> is never closed: cannot place tags in it")
    return rss_insert, rss_self_closing, items


def _prefix(nsmap: Mapping[str | None, str]) -> tuple[str, bool]:
    """(the prefix to write, whether it must be declared)."""
    for uri in PODCAST_NAMESPACES:
        bound = next((p for p, u in nsmap.items() if p and u == uri), None)
        if bound:
            return bound, False
    for candidate in ("podcast", "podcastindex", "podcast2"):
        if candidate not in nsmap:
            return candidate, True
    raise FeedError("every prefix Banana would use for the podcast namespace is taken")


def _encoding_ok(raw: bytes) -> None:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or raw[:4] in (b"\x00<\x00?", b"<\x00?\x00"):
        raise FeedError("a UTF-16 feed: tags can be added to UTF-8 and other ASCII-based feeds only")


def add_podcast_tags(raw: bytes, additions: Mapping[str, Tags], *, name: str = "feed") -> Rewritten:
    """``raw`` with each item's ``Tags`` added (items by key, as ``parse_feed`` gives
    them); see the module docstring."""
    _encoding_ok(raw)
    for tags in additions.values():
        check_tags(tags)
    feed = parse_feed(raw, name=name)
    root = parse_tree(prepare(raw, name), name=name)
    xml_items = root.find("channel").findall("item")
    rss_insert, rss_self_closing, spans = _scan(raw)
    if len(spans) != len(xml_items) or rss_insert is None:
        raise FeedError(f"{name}: the feed's <item> tags cannot be told apart "
                        f"({len(spans)} found in its bytes, {len(xml_items)} read): nothing written")
    prefix, declare = _prefix(root.nsmap)
    inserts: list[tuple[int, bytes]] = []
    added = chapters_added = kept = 0
    for item, el, span in zip(feed.items, xml_items, spans):
        tags = additions.get(item.key)
        if tags is None or (not tags.transcripts and tags.chapters is None):
            continue
        if span.close_start is None:
            raise FeedError(f"{name}: item {item.title!r} is an empty <item/>: cannot add tags to it")
        own = [c for c in el if is_podcast_tag(c, "transcript")]
        listed = {c.get("url") for c in own} | {(c.get("type") or "").strip().lower() for c in own}
        lines = [_transcript_tag(prefix, t) for t in tags.transcripts
                 if t.url not in listed and t.type not in listed]
        added += len(lines)
        if tags.chapters is not None:
            if any(is_podcast_tag(c, "chapters") for c in el):
                kept += 1
            else:
                lines.append(_chapters_tag(prefix, tags.chapters))
                chapters_added += 1
        if not lines:
            continue
        body = raw[span.open_end:span.close_start]
        indent = _LEADING_SPACE.match(body).group(0)
        at = span.open_end + _SPACE.search(body).start()
        inserts.append((at, b"".join(indent + line.encode("ascii", "xmlcharrefreplace") for line in lines)))
    if declare and inserts:
        inserts.append((rss_insert, f' xmlns:{prefix}="{PODCAST_NS}"'.encode("ascii")))
    out = bytearray(raw)
    for at, text in sorted(inserts, key=lambda pair: pair[0], reverse=True):
        out[at:at] = text
    content = bytes(out)
    _check_result(content, feed, additions, prefix, name)
    return Rewritten(content, added, chapters_added, kept)


def _check_result(content: bytes, before, additions: Mapping[str, Tags], prefix: str, name: str) -> None:
    """Parse the result back: the same items, each with every transcript and chapters
    link asked for."""
    after = parse_feed(content, name=name)
    if [i.key for i in after.items] != [i.key for i in before.items]:
        raise FeedError(f"{name}: adding tags changed the feed's items: nothing written")
    for item in after.items:
        tags = additions.get(item.key)
        if tags is None:
            continue
        listed = {t.url for t in item.transcripts} | {t.type.lower() for t in item.transcripts}
        if any(t.url not in listed and t.type not in listed for t in tags.transcripts) or (tags.chapters and item.chapters is None):
            raise FeedError(f"{name}: item {item.title!r} does not read back with its tags: nothing written")
