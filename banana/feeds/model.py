"""A podcast feed as data: the show and its items, each a frozen dataclass with one
``to_dict``/``from_dict`` pair (the stored ``feed.json`` and ``feed show --json``).

An item's ``key`` is how Banana tells items apart across updates: its ``guid`` when
the feed gives it one no other item shares, else its enclosure URL (again when no
other item shares it), else a hash of its title and date. Two items are never merged
into one episode because a host left the guid empty or copied it.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass, fields
from typing import Any
from urllib.parse import urlsplit

from banana.errors import FeedError

SCHEMA = 1

# The Podcasting 2.0 namespace, at its address and at the GitHub address feeds used first.
PODCAST_NS = "https://podcastindex.org/namespace/1.0"
PODCAST_NS_OLD = "https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md"
PODCAST_NAMESPACES = (PODCAST_NS, PODCAST_NS_OLD)
CHAPTERS_TYPE = "application/json+chapters"

# Enclosure types hosts write for plain audio (``audio/mp3`` and ``x-audio/mp3`` are not
# registered types, but players accept them, and so do we).
_AUDIO_ALIASES = {"x-audio/mp3": "audio/mpeg", "audio/mp3": "audio/mpeg", "audio/x-mp3": "audio/mpeg",
                  "audio/mpeg3": "audio/mpeg", "audio/x-mpeg": "audio/mpeg", "audio/x-m4a": "audio/mp4",
                  "audio/m4a": "audio/mp4", "audio/x-wav": "audio/wav", "audio/x-flac": "audio/flac"}
mimetypes.add_type("audio/mp4", ".m4a")
mimetypes.add_type("audio/ogg", ".opus")

# Transcript types by preference: the richest (speakers and times) first.
TRANSCRIPT_PREFERENCE = ("application/json", "text/vtt", "application/x-subrip", "application/srt",
                         "text/srt", "text/html", "text/plain")


def _check(data: Any, what: str) -> dict:
    if not isinstance(data, dict):
        raise FeedError(f"stored feed record: {what} must be an object")
    return data


def _opt_str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _opt_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _opt_float(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


@dataclass(frozen=True)
class Enclosure:
    """The item's media file: its absolute URL, MIME type as written, and length in bytes
    as the feed claims it (often 0 or wrong: never trusted for more than a hint)."""

    url: str
    type: str | None = None
    length: int | None = None

    @property
    def media_type(self) -> str:
        """The type normalised (``x-audio/mp3`` → ``audio/mpeg``), guessed from the URL's
        extension when the feed gives none."""
        declared = (self.type or "").split(";")[0].strip().lower()
        declared = _AUDIO_ALIASES.get(declared, declared)
        if declared and declared not in ("application/octet-stream", "binary/octet-stream"):
            return declared
        guessed, _ = mimetypes.guess_type(urlsplit(self.url).path)
        return guessed or declared or ""

    @property
    def kind(self) -> str:
        """``audio``, ``video`` (its sound can be transcribed too), ``image`` or ``other``."""
        top = self.media_type.partition("/")[0]
        return top if top in ("audio", "video", "image") else "other"

    def to_dict(self) -> dict[str, Any]:
        return {"url": self.url, "type": self.type, "length": self.length}

    @classmethod
    def from_dict(cls, data: Any) -> Enclosure:
        data = _check(data, "an enclosure")
        if not isinstance(data.get("url"), str):
            raise FeedError("stored feed record: an enclosure has no url")
        return cls(data["url"], _opt_str(data.get("type")), _opt_int(data.get("length")))


@dataclass(frozen=True)
class TranscriptLink:
    """A ``<podcast:transcript>``: where a published transcript is, its MIME type, its
    language, and ``rel="captions"`` when it is timed captions."""

    url: str
    type: str
    language: str | None = None
    rel: str | None = None

    @property
    def preference(self) -> int:
        """Lower is better (see TRANSCRIPT_PREFERENCE); unknown types last."""
        kind = self.type.split(";")[0].strip().lower()
        return TRANSCRIPT_PREFERENCE.index(kind) if kind in TRANSCRIPT_PREFERENCE else len(TRANSCRIPT_PREFERENCE)

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: Any) -> TranscriptLink:
        data = _check(data, "a transcript link")
        return cls(str(data.get("url") or ""), str(data.get("type") or ""),
                   _opt_str(data.get("language")), _opt_str(data.get("rel")))


@dataclass(frozen=True)
class ChaptersLink:
    """A ``<podcast:chapters>``: the chapters file's URL and type."""

    url: str
    type: str = CHAPTERS_TYPE

    def to_dict(self) -> dict[str, Any]:
        return {"url": self.url, "type": self.type}

    @classmethod
    def from_dict(cls, data: Any) -> ChaptersLink:
        data = _check(data, "a chapters link")
        return cls(str(data.get("url") or ""), str(data.get("type") or CHAPTERS_TYPE))


@dataclass(frozen=True)
class Person:
    """A ``<podcast:person>``: a name with its role (host, guest, ...) and optional links."""

    name: str
    role: str = "host"
    group: str = "cast"
    href: str | None = None
    img: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: Any) -> Person:
        data = _check(data, "a person")
        return cls(str(data.get("name") or ""), str(data.get("role") or "host"),
                   str(data.get("group") or "cast"), _opt_str(data.get("href")), _opt_str(data.get("img")))


@dataclass(frozen=True)
class Item:
    """One episode as the feed lists it. ``published`` is ISO 8601 in UTC; ``duration``
    seconds; ``position`` the item's place in the document (0 = first listed)."""

    key: str
    title: str
    guid: str = ""
    published: str | None = None
    duration: float | None = None
    enclosure: Enclosure | None = None
    episode: int | None = None
    season: int | None = None
    episode_type: str | None = None
    link: str | None = None
    transcripts: tuple[TranscriptLink, ...] = ()
    chapters: ChaptersLink | None = None
    persons: tuple[Person, ...] = ()
    position: int = 0

    @property
    def best_transcripts(self) -> list[TranscriptLink]:
        """The published transcripts, richest first (JSON, VTT, SRT, HTML, text)."""
        return sorted(self.transcripts, key=lambda t: t.preference)

    @property
    def order_key(self) -> tuple:
        """Publication order: the date, then season and episode numbers; an undated item
        goes by its numbers and then by its place in the feed (feeds list newest first)."""
        return (self.published or "", self.season or 0, self.episode or 0, -self.position)

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key, "guid": self.guid, "title": self.title, "published": self.published,
            "duration": self.duration,
            "enclosure": self.enclosure.to_dict() if self.enclosure else None,
            "episode": self.episode, "season": self.season, "episode_type": self.episode_type,
            "link": self.link, "transcripts": [t.to_dict() for t in self.transcripts],
            "chapters": self.chapters.to_dict() if self.chapters else None,
            "persons": [p.to_dict() for p in self.persons], "position": self.position,
        }

    @classmethod
    def from_dict(cls, data: Any) -> Item:
        data = _check(data, "an item")
        if not isinstance(data.get("key"), str) or not data["key"]:
            raise FeedError("stored feed record: an item has no key")
        for name in ("transcripts", "persons"):
            if not isinstance(data.get(name) or [], list):
                raise FeedError(f"stored feed record: an item's {name} must be a list")
        return cls(
            key=data["key"], title=str(data.get("title") or ""), guid=str(data.get("guid") or ""),
            published=_opt_str(data.get("published")), duration=_opt_float(data.get("duration")),
            enclosure=Enclosure.from_dict(data["enclosure"]) if data.get("enclosure") else None,
            episode=_opt_int(data.get("episode")), season=_opt_int(data.get("season")),
            episode_type=_opt_str(data.get("episode_type")), link=_opt_str(data.get("link")),
            transcripts=tuple(TranscriptLink.from_dict(t) for t in data.get("transcripts") or []),
            chapters=ChaptersLink.from_dict(data["chapters"]) if data.get("chapters") else None,
            persons=tuple(Person.from_dict(p) for p in data.get("persons") or []),
            position=_opt_int(data.get("position")) or 0,
        )


@dataclass(frozen=True)
class Feed:
    """The show and its items, in the feed's own order. ``live_items`` counts the
    ``<podcast:liveItem>``s passed over (live streams, not episodes)."""

    title: str
    items: tuple[Item, ...] = ()
    author: str | None = None
    image: str | None = None
    link: str | None = None
    language: str | None = None
    description: str | None = None
    live_items: int = 0

    def item(self, key: str) -> Item | None:
        return next((i for i in self.items if i.key == key), None)

    def to_dict(self) -> dict[str, Any]:
        return {"schema": SCHEMA, "title": self.title, "author": self.author, "image": self.image,
                "link": self.link, "language": self.language, "description": self.description,
                "live_items": self.live_items, "items": [i.to_dict() for i in self.items]}

    @classmethod
    def from_dict(cls, data: Any) -> Feed:
        data = _check(data, "the feed")
        if data.get("schema") != SCHEMA:
            raise FeedError(f"stored feed record is not of schema {SCHEMA}")
        if not isinstance(data.get("items"), list):
            raise FeedError("stored feed record: items must be a list")
        return cls(title=str(data.get("title") or ""),
                   items=tuple(Item.from_dict(i) for i in data["items"]),
                   author=_opt_str(data.get("author")), image=_opt_str(data.get("image")),
                   link=_opt_str(data.get("link")), language=_opt_str(data.get("language")),
                   description=_opt_str(data.get("description")),
                   live_items=_opt_int(data.get("live_items")) or 0)
