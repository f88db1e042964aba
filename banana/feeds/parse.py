"""A podcast RSS feed's bytes → ``Feed``: feedparser for what it reads well, lxml for
what it does not.

Real feeds are messy, and every one of these is read:

* **Untrusted XML is checked before any parser sees it**: a DTD that declares
  entities (the "billion laughs" bomb, external entities that would read a local file
  or a URL) is refused by defusedxml (and by a look at the DOCTYPE when the document is
  too broken for defusedxml to reach it). Nothing is ever loaded from a DTD, the disk
  or the network: lxml runs with ``resolve_entities=False, no_network=True,
  load_dtd=False``, and feedparser gets the bytes in a stream (never a name it could
  open) with external entities off.
* **Sloppy bytes**: blank lines or a byte-order mark before ``<?xml``; HTML entities
  that XML does not define (``&eacute;`` becomes é; ``&gtgt;``, which nothing defines,
  stays as the text ``&gtgt;``); anything else broken is read in recovery mode.
* **feedparser keeps one ``podcast:transcript`` per item** (the last), so the
  Podcasting 2.0 tags (transcript, chapters, person, and ``podcast:liveItem``, which
  is a live stream, not an episode) are read from the tree, under both namespace
  addresses and under a ``podcast:`` prefix no namespace binds.
* Guids are read as written (feedparser turns a relative guid into a URL);
  enclosures are resolved against ``xml:base``, the feed's own URL, its
  ``atom:link rel="self"`` or its ``<link>``; dates come from feedparser's lenient
  RFC 822 parser (``PST``, ``-0000``, no weekday, one-digit days), with the standard
  library's as a fallback; durations are ``h:mm:ss``, ``mm:ss`` or seconds.
"""

from __future__ import annotations

import calendar
import hashlib
import html.entities
import io
import re
import time
from collections import Counter
from dataclasses import replace
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import quote, urljoin, urlsplit

import defusedxml.ElementTree as SafeET
import feedparser
from defusedxml import DefusedXmlException
from lxml import etree

from banana.errors import FeedError
from banana.feeds.model import (CHAPTERS_TYPE, PODCAST_NAMESPACES, ChaptersLink, Enclosure, Feed, Item,
                                Person, TranscriptLink)

ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
ATOM_NS = "http://www.w3.org/2005/Atom"
MEDIA_NS = "http://search.yahoo.com/mrss/"
MAX_FEED_BYTES = 64 * 1024 * 1024  # the largest back catalogues are ~20 MB
MAX_TEXT_CHARS = 2000  # a description kept for ``feed show``

_PROLOG_JUNK = re.compile(rb"^(?:\xef\xbb\xbf)?\s+(?=<)")
_DOCTYPE = re.compile(rb"<!DOCTYPE\b(?:[^\[>]*)(\[.*?\]\s*)?>", re.S | re.I)
_ENTITY_DECL = re.compile(rb"<!ENTITY", re.I)
_CDATA_OR_COMMENT = re.compile(rb"(<!\[CDATA\[.*?\]\]>|<!--.*?-->)", re.S)
_NAMED_ENTITY = re.compile(rb"&([A-Za-z][A-Za-z0-9]*);")
_BARE_AMPERSAND = re.compile(rb"&(?![A-Za-z][A-Za-z0-9]*;|#[0-9]+;|#x[0-9A-Fa-f]+;)")
_TAG = re.compile(r"<[^>]*>")
_URL_SAFE = "%:/?#[]@!$&()*+,;=~-._"  # what stays as written in a URL (quotes, spaces, '<' are encoded)
_XML_ENTITIES = {b"amp", b"lt", b"gt", b"quot", b"apos"}
_LIVE_ITEM = re.compile(rb"<(?P<tag>[\w.-]+:liveItem)\b.*?</(?P=tag)\s*>", re.S)
_SAFE_PARSER_OPTIONS = dict(resolve_entities=False, no_network=True, load_dtd=False,
                            dtd_validation=False, huge_tree=False, strip_cdata=False)


def _check_safe(data: bytes, name: str) -> None:
    """Refuse a document whose DTD declares entities (bombs, external entities)."""
    doctype = _DOCTYPE.search(data[:1024 * 1024])
    if doctype and _ENTITY_DECL.search(doctype.group(0)):
        raise FeedError(f"{name}: refused: the feed's DTD declares entities "
                        "(an XML bomb or an external entity)")
    try:
        SafeET.fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise FeedError(f"{name}: refused: the feed's DTD declares entities "
                        f"(an XML bomb or an external entity: {type(exc).__name__})") from None
    except SafeET.ParseError:
        pass  # malformed, not dangerous: the lenient readers below deal with it
    except (ValueError, RecursionError):
        pass


def _fix_entities(data: bytes) -> bytes:
    """HTML entities XML does not define become character references (``&eacute;`` →
    ``&#233;``); an entity nothing defines and a bare ``&`` become text. CDATA sections
    and comments are left as they are."""
    def entity(m: re.Match) -> bytes:
        name = m.group(1)
        if name in _XML_ENTITIES:
            return m.group(0)
        code = html.entities.name2codepoint.get(name.decode("ascii"))
        return b"&#%d;" % code if code is not None else b"&amp;" + name + b";"

    parts = _CDATA_OR_COMMENT.split(data)
    for i in range(0, len(parts), 2):
        parts[i] = _BARE_AMPERSAND.sub(b"&amp;", _NAMED_ENTITY.sub(entity, parts[i]))
    return b"".join(parts)


def prepare(data: bytes, name: str = "feed") -> bytes:
    """The feed's bytes made safe and readable: checked (see ``_check_safe``), junk
    before ``<?xml`` dropped, undefined entities fixed."""
    if len(data) > MAX_FEED_BYTES:
        raise FeedError(f"{name}: {len(data) / 1e6:.0f} MB is larger than any podcast feed "
                        f"(the limit is {MAX_FEED_BYTES // 2**20} MiB)")
    data = _PROLOG_JUNK.sub(b"", data, count=1)
    if not data.strip():
        raise FeedError(f"{name}: empty, not a feed")
    _check_safe(data, name)
    return _fix_entities(data)


def parse_tree(data: bytes, *, name: str = "feed", base_url: str | None = None) -> etree._Element:
    """The feed's XML tree (lxml, recovering from errors, never loading anything)."""
    parser = etree.XMLParser(recover=True, **_SAFE_PARSER_OPTIONS)
    try:
        root = etree.fromstring(data, parser, base_url=base_url)
    except etree.XMLSyntaxError as exc:
        raise FeedError(f"{name}: not XML ({exc})") from None
    if root is None:
        raise FeedError(f"{name}: not XML, nor anything a feed reader can recover")
    return root


def _local(el) -> str:
    """An element's local name: ``{ns}name`` → ``name``, and ``prefix:name`` (a prefix no
    namespace binds, kept by lxml's recovery) → ``name``."""
    tag = el.tag if isinstance(el.tag, str) else ""
    return tag.rpartition("}")[2].rpartition(":")[2]


def is_podcast_tag(el, local: str) -> bool:
    """A Podcasting 2.0 tag under either namespace address, or under a ``podcast:``
    prefix no namespace binds (lxml's recovery keeps it as a plain name)."""
    if not isinstance(el.tag, str):
        return False
    if el.tag == f"podcast:{local}":
        return True
    namespace, _, name = el.tag[1:].partition("}") if el.tag.startswith("{") else ("", "", el.tag)
    return name == local and namespace in PODCAST_NAMESPACES


def _text(el) -> str:
    return " ".join("".join(el.itertext()).split()) if el is not None else ""


def _child(parent, tag: str):
    return parent.find(tag)


def _child_text(parent, tag: str) -> str:
    return _text(parent.find(tag))


def _absolute(url: str | None, base: str | None) -> str | None:
    """``url`` resolved against ``base``, with what a URL cannot hold (spaces, quotes,
    non-ASCII letters) percent-encoded, as browsers and podcast apps do."""
    url = quote((url or "").strip(), safe=_URL_SAFE)
    if not url:
        return None
    if base and not urlsplit(url).scheme:
        return urljoin(base, url)
    return url


def parse_duration(text: str | None) -> float | None:
    """itunes:duration → seconds: ``1:02:03``, ``62:03``, ``3723``, ``3723.5``; None
    for anything else."""
    text = (text or "").strip()
    if not text:
        return None
    parts = text.split(":")
    if len(parts) > 3:
        return None
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        return None
    if any(n < 0 or n != n for n in numbers):
        return None
    seconds = 0.0
    for n in numbers:
        seconds = seconds * 60 + n
    return round(seconds, 3) if seconds < 10 ** 7 else None


def _int(text: str | None) -> int | None:
    text = (text or "").strip()
    try:
        value = int(float(text)) if text else None
    except (ValueError, OverflowError):
        return None
    return value if value is not None and 0 <= value < 10 ** 9 else None


def parse_date(text: str | None, parsed: time.struct_time | None = None) -> str | None:
    """A feed date as ISO 8601 UTC (``2008-06-03T19:05:30+00:00``), from feedparser's
    parse when it has one, else the standard library's RFC 822 reader."""
    if parsed is not None:
        try:
            stamp = calendar.timegm(parsed)
            return datetime.fromtimestamp(stamp, timezone.utc).isoformat()
        except (OverflowError, ValueError, OSError):
            pass
    text = (text or "").strip()
    if not text:
        return None
    for reader in (_feedparser_date, _rfc822_date, _iso_date):
        found = reader(text)
        if found is not None:
            return found.astimezone(timezone.utc).replace(microsecond=0).isoformat()
    return None


def _feedparser_date(text: str) -> datetime | None:
    parsed = feedparser.parse(io.BytesIO(
        b"<rss><channel><item><pubDate>" + text.encode("utf-8", "replace").replace(b"<", b"")
        + b"</pubDate></item></channel></rss>")).entries
    stamp = parsed[0].get("published_parsed") if parsed else None
    if stamp is None:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(stamp), timezone.utc)
    except (OverflowError, ValueError, OSError):
        return None


def _rfc822_date(text: str) -> datetime | None:
    try:
        found = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return found if found.tzinfo else found.replace(tzinfo=timezone.utc)


def _iso_date(text: str) -> datetime | None:
    try:
        found = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return found if found.tzinfo else found.replace(tzinfo=timezone.utc)


def _plain(markup: str) -> str:
    """Show-note HTML as one line of text."""
    return " ".join(html.unescape(_TAG.sub(" ", markup or "")).split())


def _enclosure(item, base: str | None) -> Enclosure | None:
    """The item's enclosure: the first audio one when there are several, else the
    first; a ``media:content`` when there is no enclosure at all."""
    found = []
    for el in item.findall("enclosure"):
        url = _absolute(el.get("url"), base)
        if url:
            found.append(Enclosure(url, (el.get("type") or "").strip() or None, _int(el.get("length"))))
    if not found:
        for el in item.iter(f"{{{MEDIA_NS}}}content"):
            url = _absolute(el.get("url"), base)
            if url:
                found.append(Enclosure(url, (el.get("type") or "").strip() or None,
                                       _int(el.get("fileSize"))))
    return next((e for e in found if e.kind == "audio"), found[0] if found else None)


def _persons(parent, base: str | None) -> tuple[Person, ...]:
    out = []
    for el in parent:
        if is_podcast_tag(el, "person"):
            name = _text(el)
            if name:
                out.append(Person(name=name, role=(el.get("role") or "host").strip().lower(),
                                  group=(el.get("group") or "cast").strip().lower(),
                                  href=_absolute(el.get("href"), base), img=_absolute(el.get("img"), base)))
    return tuple(out)


def _base(el, fallback: str | None) -> str | None:
    """``xml:base`` in force at ``el`` (resolved against the document's URL), else the
    fallback."""
    base = el.base
    return base if base and urlsplit(base).scheme in ("http", "https") else fallback


def _entries_by_item(items: list, entries: list) -> list:
    """feedparser's entry for each lxml item: by position when both read the same
    number of items, else by guid, enclosure or title."""
    if len(items) == len(entries):
        return entries
    by: dict[str, dict] = {}
    for e in entries:
        for value in (e.get("id"), *(x.get("href") for x in e.get("enclosures") or []), e.get("title")):
            if value:
                by.setdefault(value, e)
    out = []
    for item in items:
        guid = _child_text(item, "guid")
        enc = item.find("enclosure")
        keys = (guid, enc.get("url") if enc is not None else None, _child_text(item, "title"))
        out.append(next((by[k] for k in keys if k and k in by), {}))
    return out


def _keys(items: list[Item]) -> list[Item]:
    """Give each item its key (see ``banana.feeds.model``): a guid no other item
    shares, else an enclosure URL no other item shares, else a hash of title, date
    and the item's rank among its look-alikes."""
    guids = Counter(i.guid for i in items if i.guid)
    urls = Counter(i.enclosure.url for i in items if i.enclosure)
    seen: Counter[str] = Counter()
    out = []
    for i in items:
        if i.guid and guids[i.guid] == 1:
            key = i.guid
        elif i.enclosure and urls[i.enclosure.url] == 1:
            key = i.enclosure.url
        else:
            basis = f"{i.guid}\n{i.title}\n{i.published}\n{i.enclosure.url if i.enclosure else ''}"
            seen[basis] += 1
            digest = hashlib.sha256(f"{basis}\n{seen[basis]}".encode()).hexdigest()[:16]
            key = f"item:{digest}"
        out.append(replace(i, key=key))
    return out


def parse_feed(data: bytes, *, base_url: str | None = None, name: str = "feed") -> Feed:
    """Read a podcast feed (see the module docstring). ``base_url`` is where the feed
    was fetched from (after redirects), for relative URLs; a FeedError says in one
    line why a document is not a feed."""
    cleaned = prepare(data, name)
    root = parse_tree(cleaned, name=name, base_url=base_url)
    if _local(root) != "rss":
        what = {"feed": "an Atom feed", "html": "an HTML page", "RDF": "an RSS 1.0 feed"}.get(
            _local(root), f"a <{_local(root)}> document")
        raise FeedError(f"{name}: this is {what}, not a podcast RSS feed")
    channel = root.find("channel")
    if channel is None:
        raise FeedError(f"{name}: an <rss> document with no <channel>, not a podcast feed")
    self_link = next((el.get("href") for el in channel.findall(f"{{{ATOM_NS}}}link")
                      if (el.get("rel") or "") == "self" and el.get("href")), None)
    doc_base = base_url or self_link or (_child_text(channel, "link") or None)
    parsed = feedparser.parse(io.BytesIO(_LIVE_ITEM.sub(b"", cleaned)), resolve_relative_uris=False,
                              sanitize_html=False,
                              response_headers={"content-location": doc_base} if doc_base else None)
    xml_items = channel.findall("item")
    entries = _entries_by_item(xml_items, list(parsed.entries))
    channel_persons = _persons(channel, doc_base)
    items = []
    for position, (el, entry) in enumerate(zip(xml_items, entries)):
        base = _base(el, doc_base)
        itunes = lambda tag, el=el: _child_text(el, f"{{{ITUNES_NS}}}{tag}")  # noqa: E731
        podcast = {_local(c): c for c in el if is_podcast_tag(c, _local(c))}
        transcripts = tuple(
            TranscriptLink(url=url, type=(c.get("type") or "").strip(),
                           language=(c.get("language") or "").strip() or None,
                           rel=(c.get("rel") or "").strip() or None)
            for c in el if is_podcast_tag(c, "transcript")
            for url in [_absolute(c.get("url"), base)] if url)
        chapters_el = podcast.get("chapters")
        chapters_url = _absolute(chapters_el.get("url"), base) if chapters_el is not None else None
        title = " ".join((entry.get("title") or _child_text(el, "title") or itunes("title")).split())
        published_text = _child_text(el, "pubDate") or _child_text(el, "{http://purl.org/dc/elements/1.1/}date")
        items.append(Item(
            key="",
            title=title,
            guid=_child_text(el, "guid"),
            published=parse_date(published_text, entry.get("published_parsed")),
            duration=parse_duration(itunes("duration")),
            enclosure=_enclosure(el, base),
            episode=_int(itunes("episode")) if itunes("episode") else _int(_text(podcast.get("episode"))),
            season=_int(itunes("season")) if itunes("season") else _int(_text(podcast.get("season"))),
            episode_type=itunes("episodeType").lower() or None,
            link=_absolute(_child_text(el, "link"), base),
            transcripts=transcripts,
            chapters=ChaptersLink(chapters_url, (chapters_el.get("type") or CHAPTERS_TYPE).strip())
            if chapters_url else None,
            persons=_persons(el, base) or channel_persons,
            position=position,
        ))
    meta = parsed.feed
    itunes_image = channel.find(f"{{{ITUNES_NS}}}image")
    rss_image = channel.find("image")
    image_url = ((itunes_image.get("href") if itunes_image is not None else None)
                 or (_child_text(rss_image, "url") if rss_image is not None else None))
    description = _plain(meta.get("subtitle") or _child_text(channel, "description"))
    return Feed(
        title=" ".join((meta.get("title") or _child_text(channel, "title")).split()),
        items=tuple(_keys(items)),
        author=(meta.get("author") or _child_text(channel, f"{{{ITUNES_NS}}}author")) or None,
        image=_absolute(image_url, doc_base),
        link=_absolute(_child_text(channel, "link"), doc_base),
        language=_child_text(channel, "language") or None,
        description=description[:MAX_TEXT_CHARS] or None,
        live_items=sum(1 for c in channel if _local(c) == "liveItem"),
    )
