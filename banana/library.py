"""The library: one folder per episode, ``<library>/<slug>/transcript.json``.

The library folder is ``episodes/`` by default; ``BANANA_LIBRARY`` or the CLI's
``--library`` override it. A folder without ``transcript.json`` (a show's profile
folder, the bundled ``samples/``) is not an episode.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from banana.analysis import SCHEMA as ANALYSIS_SCHEMA
from banana.analysis import Analysis, analyse
from banana.analysis.profile import Profile, default_profile, load_profile
from banana.analysis.titles import Archive, archive_of
from banana.errors import BananaError, EpisodeNotFound, FeedError, FormatError, LibraryError
from banana.feeds.model import Item
from banana.formats import read_transcript
from banana.fsutil import (DEFAULT_LIBRARY, LIBRARY_ENV, atomic_write_text,  # noqa: F401
                           default_library_path, stale_temp_files)
from banana.transcript import Transcript, web_url_problem

TRANSCRIPT_FILE = "transcript.json"
META_FILE = "episode.json"  # what the user set on purpose: title, show, audio URL
ANALYSIS_FILE = "analysis.json"  # the stored analysis, keyed by the transcript and profile
PROFILE_FILE = "show.toml"  # a show's profile, in <library>/<slug of the show>/
ARCHIVE_FILE = "archive.json"  # the library's word statistics (chapter titles)
ARCHIVE_STALE_SHARE = 0.1  # rebuilt when this share of the episodes changed
META_SCHEMA = 1
FEED_FILE = "feed-item.json"  # the feed item an episode came from (``banana feed``)
FEED_SCHEMA = 1
SLUG_MAX_CHARS = 80
DEFAULT_SLUG = "episode"  # for a file name with no letters or digits at all


def slugify(text: str) -> str:
    """``"Deepfakes & Data Upskilling!"`` → ``"deepfakes-data-upskilling"``;
    ``"Café Été"`` → ``"cafe-ete"``; ``"名前 第2回"`` → ``"名前-第2回"``.

    Letters and digits of every script are kept (lower-cased, compatibility forms
    folded by NFKC); accents are dropped from Latin letters only, where the plain
    letter reads the same; everything else becomes a single ``-``."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept: list[str] = []
    for ch in decomposed:
        if unicodedata.combining(ch):
            attached = kept and not kept[-1].isspace()
            if not attached or kept[-1].isascii():
                continue  # an accent on a Latin letter (é → e), or on nothing
        kept.append(ch if unicodedata.category(ch)[0] in "LNM" else " ")
    folded = unicodedata.normalize("NFKC", "".join(kept)).casefold()
    marked = "".join(ch if unicodedata.category(ch)[0] in "LNM" else " " for ch in folded)
    slug = "-".join(marked.split())
    return slug[:SLUG_MAX_CHARS].rstrip("-")


def is_slug(text: str) -> bool:
    """True for a name the library can use as an episode folder (what slugify gives)."""
    return bool(text) and text == slugify(text)


def check_slug(slug: str) -> str:
    """``slug`` itself, or a LibraryError for a name that is not a slug (``..``, ``a/b``, ...)."""
    if not is_slug(slug):
        suggestion = slugify(slug)
        hint = f" (try {suggestion!r})" if suggestion else ""
        raise LibraryError(f"{slug!r} is not a valid slug: use letters, digits and '-'{hint}")
    return slug


def slug_for_path(path: Path | str) -> str:
    """The slug a file is stored under when no --slug is given."""
    return slugify(Path(path).stem) or DEFAULT_SLUG


def assign_slugs(paths: Sequence[Path], *, slug: str | None = None) -> list[tuple[Path, str]]:
    """Each input with the slug it will be stored under; a LibraryError naming both
    files when two inputs of one batch would land on the same slug (one would
    silently replace the other)."""
    if slug is not None:
        check_slug(slug)
        if len(paths) > 1:
            raise LibraryError("a slug can be given for a single file only")
    seen: dict[str, Path] = {}
    out = []
    for path in paths:
        name = slug or slug_for_path(path)
        other = seen.setdefault(name, path)
        if other != path:
            raise LibraryError(f"{other} and {path} would both be stored as {name!r}; "
                               "rename one, or store it on its own with --slug")
        out.append((path, name))
    return out


def check_audio_url(url: str) -> str:
    """``url`` itself when it is an absolute http(s) URL a page can link to safely;
    else a LibraryError (``javascript:``, relative paths, quotes, spaces, ...)."""
    problem = web_url_problem(url)
    if problem:
        raise LibraryError(problem)
    return url


def natural_key(text: str) -> list:
    """Sort key that puts ``ep-2`` before ``ep-10``."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


@dataclass(frozen=True)
class EpisodeMeta:
    """What a user told Banana about an episode on purpose (``--title``, ``--show``,
    ``--audio-url``): kept in ``<slug>/episode.json`` and applied every time the
    episode is stored again, so re-importing or re-processing the file never drops
    it. None means "not set: use what the transcript says"."""

    title: str | None = None
    show: str | None = None
    audio_url: str | None = None

    def __post_init__(self) -> None:
        if self.audio_url is not None:
            check_audio_url(self.audio_url)

    def merged(self, newer: EpisodeMeta | None) -> EpisodeMeta:
        """These values, with every value ``newer`` sets taking precedence."""
        if newer is None:
            return self
        return EpisodeMeta(**{f.name: getattr(newer, f.name) if getattr(newer, f.name) is not None
                              else getattr(self, f.name) for f in fields(self)})

    def apply(self, transcript: Transcript) -> Transcript:
        changes = {f.name: getattr(self, f.name) for f in fields(self)
                   if getattr(self, f.name) is not None}
        return transcript.replace(**changes) if changes else transcript

    def to_dict(self) -> dict[str, Any]:
        return {"schema": META_SCHEMA, **{f.name: getattr(self, f.name) for f in fields(self)
                                          if getattr(self, f.name) is not None}}

    @classmethod
    def from_dict(cls, data: Any) -> EpisodeMeta:
        if not isinstance(data, dict) or data.get("schema") != META_SCHEMA:
            raise LibraryError(f"not an episode metadata file of schema {META_SCHEMA}")
        values = {}
        for f in fields(cls):
            value = data.get(f.name)
            if value is not None and not isinstance(value, str):
                raise LibraryError(f"{f.name!r} must be a string")
            values[f.name] = value
        return cls(**values)


@dataclass(frozen=True)
class FeedOrigin:
    """The podcast feed item an episode was imported from (``banana feed``): the feed's
    name, the show's title and the item as the feed lists it (guid, date, enclosure,
    episode and season numbers, persons). Kept in ``<slug>/feed-item.json``. Its title,
    show and audio URL are the episode's whenever it is stored (what the user set on
    purpose, ``EpisodeMeta``, still wins), and its date puts the episode in the feed's
    order in ``Library.slugs`` (so listings and ``walk`` follow the show's real order)."""

    feed: str
    show: str
    item: Item

    @property
    def audio_url(self) -> str | None:
        url = self.item.enclosure.url if self.item.enclosure else None
        return url if url and web_url_problem(url) is None else None

    def apply(self, transcript: Transcript) -> Transcript:
        changes = {"title": self.item.title, "show": self.show, "audio_url": self.audio_url}
        return transcript.replace(**{k: v for k, v in changes.items() if v})

    def to_dict(self) -> dict[str, Any]:
        return {"schema": FEED_SCHEMA, "feed": self.feed, "show": self.show, "item": self.item.to_dict()}

    @classmethod
    def from_dict(cls, data: Any) -> FeedOrigin:
        if not isinstance(data, dict) or data.get("schema") != FEED_SCHEMA:
            raise LibraryError(f"not a feed item record of schema {FEED_SCHEMA}")
        try:
            item = Item.from_dict(data.get("item"))
        except FeedError as exc:
            raise LibraryError(str(exc)) from None
        return cls(str(data.get("feed") or ""), str(data.get("show") or ""), item)


class Library:
    """Episodes stored as canonical transcript JSON, one folder each."""

    def __init__(self, root: Path | str | None = None) -> None:
        self.root = Path(root) if root is not None else default_library_path()
        self._archive: tuple[int, Archive] | None = None  # (listing's mtime, what it gave)
        # slug -> ((mtime_ns, size) of its feed-item.json, the item's order key): slugs()
        # is called often (every analysis asks for the archive), the records change rarely
        self._feed_order_keys: dict[str, tuple[tuple[int, int], tuple]] = {}

    def __repr__(self) -> str:
        return f"Library({str(self.root)!r})"

    def episode_dir(self, slug: str) -> Path:
        """The episode's folder; a LibraryError for a name that is not a slug, so
        ``..`` or ``a/b`` can never reach outside the library."""
        return self.root / check_slug(slug)

    def transcript_path(self, slug: str) -> Path:
        return self.episode_dir(slug) / TRANSCRIPT_FILE

    def meta_path(self, slug: str) -> Path:
        return self.episode_dir(slug) / META_FILE

    def slugs(self) -> list[str]:
        """Every episode's slug, in natural order (``ep-2`` before ``ep-10``), except that
        episodes imported from a feed are in the feed's order (by date, see
        ``Item.order_key``) among the places they take in that order."""
        if not self.root.is_dir():
            return []
        found = [p.parent.name for p in self.root.glob(f"*/{TRANSCRIPT_FILE}")
                 if p.is_file() and is_slug(p.parent.name)]
        return self._feed_order(sorted(found, key=natural_key))

    def _feed_order(self, slugs: list[str]) -> list[str]:
        keys = {}
        for slug in slugs:
            try:
                stat = (self.root / slug / FEED_FILE).stat()
            except OSError:
                continue  # not from a feed
            stamp = (stat.st_mtime_ns, stat.st_size)
            known = self._feed_order_keys.get(slug)
            if known is None or known[0] != stamp:  # read once, again only when the file changes
                try:
                    origin = self.feed_origin(slug)
                except LibraryError:
                    continue  # a damaged record: the episode keeps its natural place
                if origin is None:
                    continue
                known = self._feed_order_keys[slug] = (stamp, origin.item.order_key)
            keys[slug] = known[1]
        if not keys:
            return slugs
        in_order = iter(sorted(keys, key=lambda s: (keys[s], natural_key(s))))
        return [next(in_order) if slug in keys else slug for slug in slugs]

    def __contains__(self, slug: str) -> bool:
        return is_slug(slug) and self.transcript_path(slug).is_file()

    def load(self, slug: str) -> Transcript:
        """The stored transcript; EpisodeNotFound, or a LibraryError naming the file
        when it is damaged."""
        if slug not in self:
            raise EpisodeNotFound(f"no episode {slug!r} in library {self.root}")
        path = self.transcript_path(slug)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise LibraryError(f"{path}: cannot read ({exc.strerror or exc})") from None
        return self._parse(path, data)

    @staticmethod
    def _parse(path: Path, data: bytes) -> Transcript:
        try:
            return Transcript.from_json(data.decode("utf-8"))
        except UnicodeDecodeError:
            raise LibraryError(f"{path}: stored transcript is not UTF-8") from None
        except FormatError as exc:
            raise LibraryError(f"{path}: damaged transcript: {exc}") from None

    def meta(self, slug: str) -> EpisodeMeta:
        """What the user set for this episode (empty when nothing was set)."""
        path = self.meta_path(slug)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return EpisodeMeta()
        except (OSError, UnicodeDecodeError) as exc:
            raise LibraryError(f"{path}: cannot read ({getattr(exc, 'strerror', None) or exc})") from None
        try:
            return EpisodeMeta.from_dict(json.loads(text))
        except (json.JSONDecodeError, BananaError) as exc:
            raise LibraryError(f"{path}: damaged episode metadata: {exc}") from None

    def feed_path(self, slug: str) -> Path:
        return self.episode_dir(slug) / FEED_FILE

    def feed_origin(self, slug: str) -> FeedOrigin | None:
        """The feed item the episode was imported from, or None."""
        path = self.feed_path(slug)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            raise LibraryError(f"{path}: cannot read ({getattr(exc, 'strerror', None) or exc})") from None
        try:
            return FeedOrigin.from_dict(json.loads(text))
        except (ValueError, RecursionError, BananaError) as exc:
            raise LibraryError(f"{path}: damaged feed item record: {exc}") from None

    def save(self, transcript: Transcript, slug: str) -> Path:
        """Store (or replace) an episode atomically; returns the transcript's path.
        A failed write leaves no new, empty episode folder behind."""
        folder = self.episode_dir(slug)
        path = folder / TRANSCRIPT_FILE
        text = transcript.to_json()
        try:
            if path.is_file() and path.read_text(encoding="utf-8") == text:
                return path  # unchanged: keep the file (and its mtime) as it is
        except (OSError, UnicodeDecodeError):
            pass
        self._write(folder, path, text)
        return path

    def _write(self, folder: Path, path: Path, text: str) -> None:
        created = not folder.exists()
        try:
            atomic_write_text(path, text)
        except OSError as exc:
            if created:
                _remove_if_empty(folder)
            raise LibraryError(f"cannot write {path}: {exc.strerror or exc}") from None

    def store(self, transcript: Transcript, slug: str, *, meta: EpisodeMeta | None = None,
              origin: FeedOrigin | None = None) -> Path:
        """Save the episode with the metadata the user set for it (``meta`` adds to or
        changes what was set before, which is kept) over what its feed item says
        (``origin`` replaces the stored one; see ``FeedOrigin``); returns the
        transcript's path. The transcript is written last, so an episode is whole
        once it exists. What depends on the transcript (its analysis, the search index,
        the published files) is brought up to date by ``banana.pipeline``."""
        exists = self.episode_dir(slug).is_dir()
        kept = self.meta(slug) if exists else EpisodeMeta()
        wanted = kept.merged(meta)
        if wanted != kept:
            self._write(self.episode_dir(slug), self.meta_path(slug),
                        json.dumps(wanted.to_dict(), ensure_ascii=False, indent=2) + "\n")
        stored_origin = self.feed_origin(slug) if exists else None
        if origin is not None and origin != stored_origin:
            self._write(self.episode_dir(slug), self.feed_path(slug),
                        json.dumps(origin.to_dict(), ensure_ascii=False, indent=1) + "\n")
        origin = origin or stored_origin
        if origin is not None:
            transcript = origin.apply(transcript)
        return self.save(wanted.apply(transcript), slug)

    # -- the show's profile and the stored analysis --

    def profile_path(self, show: str) -> Path | None:
        """Where a show's profile lives: ``<library>/<slug of the show>/show.toml``."""
        slug = slugify(show or "")
        return self.root / slug / PROFILE_FILE if slug else None

    def profile_for(self, transcript: Transcript, *, path: Path | str | None = None) -> Profile:
        """The profile to analyse an episode with: ``path`` when given, else its show's
        profile in the library, else the built-in default."""
        if path is not None:
            return load_profile(path)
        return self._show_profile(transcript.show)

    def _show_profile(self, show: str) -> Profile:
        candidate = self.profile_path(show)
        if candidate is not None and candidate.is_file():
            return load_profile(candidate)
        return default_profile()

    def analysis_path(self, slug: str) -> Path:
        return self.episode_dir(slug) / ANALYSIS_FILE

    def analysis(self, slug: str, *, profile: Path | str | None = None) -> Analysis:
        """The episode's analysis: the stored one when it was made from these very
        transcript bytes with this profile and this Banana's analysis schema, else
        computed now and stored (``analysis.json``) for every later reader. With an
        explicit ``profile`` file the result is computed and not stored (the show's own
        profile is what the stored analysis reflects)."""
        return self._analysis(slug, profile)[1]

    def _analysis(self, slug: str, profile: Path | str | None) -> tuple[Transcript | None, Analysis]:
        """The analysis, and the transcript when it had to be read in full (a stored
        analysis needs only the transcript's bytes and its show's name)."""
        path = self.transcript_path(slug)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise EpisodeNotFound(f"no episode {slug!r} in library {self.root}") from None
        except OSError as exc:
            raise LibraryError(f"{path}: cannot read ({exc.strerror or exc})") from None
        try:
            record = json.loads(data)
        except (ValueError, RecursionError):
            record = None
        show = record.get("show") if isinstance(record, dict) and isinstance(record.get("show"), str) else None
        transcript = None
        if show is None:
            transcript = self._parse(path, data)
            show = transcript.show
        chosen = load_profile(profile) if profile is not None else self._show_profile(show)
        key = {"transcript_sha256": hashlib.sha256(data).hexdigest(),
               "profile": chosen.fingerprint, "schema": ANALYSIS_SCHEMA}
        stored = self._stored_analysis(slug, key)
        if stored is not None:
            return transcript, stored
        transcript = transcript or self._parse(path, data)
        result = analyse(transcript, profile=chosen, episode=slug, archive=self.archive())
        if profile is None:
            record = {"key": key, "analysis": result.to_dict()}
            try:
                atomic_write_text(self.analysis_path(slug),
                                  json.dumps(record, ensure_ascii=False, indent=1) + "\n")
            except OSError:
                pass  # a library this user cannot write: the analysis is still returned
        return transcript, result

    def analysed(self, episode: str, *, profile: Path | str | None = None,
                 method: str | None = None) -> tuple[str | None, str, Transcript, Analysis]:
        """EPISODE (a slug, or a transcript file) with its analysis: ``(slug or None,
        name, transcript, analysis)``. A stored episode's analysis is the stored one
        (see ``analysis``); a file's is computed. A ``method`` (a topic-splitting method:
        None is the profile's) is computed and not stored."""
        if episode in self and method is None:
            transcript, result = self._analysis(episode, profile)
            return episode, episode, transcript or self.load(episode), result
        slug, transcript = self.resolve(episode)
        name = slug or slug_for_path(episode)
        result = analyse(transcript, profile=self.profile_for(transcript, path=profile),
                         episode=name, method=method)
        return slug, name, transcript, result

    def archive(self) -> Archive:
        """The library's word statistics (how many episodes say each word), for chapter
        titles that are distinctive on this show. Kept in ``archive.json`` and rebuilt
        when more than ARCHIVE_STALE_SHARE of the episodes are new or gone since, so a
        batch of imports does not rebuild it for every episode. While the library folder's
        listing is unchanged (its modification time), the one read last is reused."""
        try:
            listing = self.root.stat().st_mtime_ns
        except OSError:
            listing = None
        if listing is not None and self._archive is not None and self._archive[0] == listing:
            return self._archive[1]
        archive = self._load_archive()
        self._archive = (listing, archive) if listing is not None else None
        return archive

    def _load_archive(self) -> Archive:
        slugs = set(self.slugs())
        path = self.root / ARCHIVE_FILE
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            known = set(record["slugs"])
            if len(known ^ slugs) <= ARCHIVE_STALE_SHARE * max(len(slugs), 1):
                return Archive(int(record["episodes"]), dict(record["frequency"]))
        except (OSError, ValueError, KeyError, TypeError):
            pass
        transcripts = []
        for slug in sorted(slugs):
            try:
                transcripts.append(self.load(slug))
            except BananaError:
                continue
        archive = archive_of(transcripts)
        try:
            atomic_write_text(path, json.dumps({"slugs": sorted(slugs), "episodes": archive.episodes,
                                                "frequency": archive.frequency}) + "\n")
        except OSError:
            pass  # a library this user cannot write: computed again next time
        return archive

    def _stored_analysis(self, slug: str, key: dict[str, Any]) -> Analysis | None:
        try:
            record = json.loads(self.analysis_path(slug).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError, RecursionError):
            return None
        if not isinstance(record, dict) or record.get("key") != key:
            return None
        try:
            return Analysis.from_dict(record.get("analysis"))
        except BananaError:
            return None  # damaged: computed again

    def walk(self, slug: str, *, step: int) -> Iterator[tuple[str, Transcript]]:
        """The episodes of the same show before (``step=-1``, nearest first) or after
        (``step=1``) ``slug`` in natural slug order, loaded; an episode that cannot be
        loaded is passed over. The one walk to a neighbouring episode (the previous
        puzzle, the later announced answer)."""
        slugs = self.slugs()
        if slug not in slugs:
            return
        show = self.load(slug).show
        i = slugs.index(slug) + step
        while 0 <= i < len(slugs):
            try:
                other = self.load(slugs[i])
            except BananaError:
                other = None
            if other is not None and not (show and other.show and other.show != show):
                yield slugs[i], other
            i += step

    def tidy(self) -> list[Path]:
        """Remove what interrupted writes left behind: temporary files of writers that
        died, and episode folders left empty. Returns what was removed."""
        if not self.root.is_dir():
            return []
        removed = []
        for tmp in stale_temp_files(self.root):
            try:
                tmp.unlink()
                removed.append(tmp)
            except OSError:  # gone already, or a library this user cannot write
                pass
        for folder in sorted(self.root.iterdir()):
            if folder.is_dir() and not folder.is_symlink() and is_slug(folder.name) \
                    and _remove_if_empty(folder):
                removed.append(folder)
        return removed

    def resolve(self, episode: str) -> tuple[str | None, Transcript]:
        """EPISODE is a slug in the library or a path to a transcript file in any
        readable format; returns ``(slug or None, transcript)``."""
        if episode in self:
            return episode, self.load(episode)
        path = Path(episode)
        if path.is_file() or (path.exists() and not path.is_dir()):
            return None, read_transcript(path)
        raise EpisodeNotFound(f"{episode}: not an episode in {self.root} nor a transcript file")


def _remove_if_empty(folder: Path) -> bool:
    try:
        folder.rmdir()
    except OSError:  # not empty, gone, or not ours to remove
        return False
    return True
