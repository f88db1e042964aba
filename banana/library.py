"""The library: one folder per episode, ``<library>/<slug>/transcript.json``.

The library folder is ``episodes/`` by default; ``BANANA_LIBRARY`` or the CLI's
``--library`` override it. A folder without ``transcript.json`` (a show's profile
folder, the bundled ``samples/``) is not an episode.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import unicodedata
from dataclasses import dataclass, fields
from typing import Any
from collections.abc import Sequence
from pathlib import Path

from banana.errors import BananaError, EpisodeNotFound, FormatError, LibraryError
from banana.fsutil import atomic_write_text, stale_temp_files
from banana.transcript import Transcript, web_url_problem

DEFAULT_LIBRARY = "episodes"
LIBRARY_ENV = "BANANA_LIBRARY"
TRANSCRIPT_FILE = "transcript.json"
META_FILE = "episode.json"  # what the user set on purpose: title, show, audio URL
META_SCHEMA = 1
SLUG_MAX_CHARS = 80
DEFAULT_SLUG = "episode"  # for a file name with no letters or digits at all


def slugify(text: str) -> str:
    """``"Deepfakes & Data Upskilling!"`` → ``"deepfakes-data-upskilling"``;
    ``"Café Été"`` → ``"cafe-ete"``; ``"名前 第2回"`` → ``"名前-第2回"``.

    Letters and digits of every script are kept (lower-cased, compatibility forms
    folded by NFKC); accents are dropped from Latin letters only, where the plain
    letter reads the same; everything else becomes a single ``-``."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = []
    for ch in decomposed:
        if unicodedata.combining(ch) and (not kept or kept[-1].isascii()):
            continue  # an accent on a Latin letter: é → e
        kept.append(ch)
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


def default_library_path() -> Path:
    return Path(os.environ.get(LIBRARY_ENV) or DEFAULT_LIBRARY)


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


class Library:
    """Episodes stored as canonical transcript JSON, one folder each."""

    def __init__(self, root: Path | str | None = None) -> None:
        self.root = Path(root) if root is not None else default_library_path()

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
        """Every episode's slug, in natural order (``ep-2`` before ``ep-10``)."""
        if not self.root.is_dir():
            return []
        found = [p.parent.name for p in self.root.glob(f"*/{TRANSCRIPT_FILE}")
                 if p.is_file() and is_slug(p.parent.name)]
        return sorted(found, key=natural_key)

    def __contains__(self, slug: str) -> bool:
        return is_slug(slug) and self.transcript_path(slug).is_file()

    def load(self, slug: str) -> Transcript:
        """The stored transcript; EpisodeNotFound, or a LibraryError naming the file
        when it is damaged."""
        if slug not in self:
            raise EpisodeNotFound(f"no episode {slug!r} in library {self.root}")
        path = self.transcript_path(slug)
        try:
            return Transcript.from_json(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            raise LibraryError(f"{path}: stored transcript is not UTF-8") from None
        except OSError as exc:
            raise LibraryError(f"{path}: cannot read ({exc.strerror or exc})") from None
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
              index: bool = True) -> Path:
        """What ``import``, ``transcribe``, ``align`` and ``process`` call: save the
        episode with the metadata the user set for it (``meta`` adds to or changes
        what was set before, which is kept), then bring what depends on it (the search
        index) up to date. A batch passes ``index=False`` and calls
        ``update_index()`` once at the end."""
        kept = self.meta(slug) if self.episode_dir(slug).is_dir() else EpisodeMeta()
        wanted = kept.merged(meta)
        if wanted != kept:
            self._write(self.episode_dir(slug), self.meta_path(slug),
                        json.dumps(wanted.to_dict(), ensure_ascii=False, indent=2) + "\n")
        path = self.save(wanted.apply(transcript), slug)
        if index:
            from banana.index import update_episode  # lazy: keeps `banana --help` fast

            update_episode(self, slug)
        return path

    def update_index(self, *, progress=None):
        """Bring the search index up to date with every episode; returns its report."""
        from banana.index import SearchIndex

        return SearchIndex(self).update(progress=progress)

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

    def remove(self, slug: str) -> None:
        if slug not in self:
            raise EpisodeNotFound(f"no episode {slug!r} in library {self.root}")
        shutil.rmtree(self.episode_dir(slug))

    def resolve(self, episode: str) -> tuple[str | None, Transcript]:
        """EPISODE is a slug in the library or a path to a transcript file in any
        readable format; returns ``(slug or None, transcript)``."""
        if episode in self:
            return episode, self.load(episode)
        path = Path(episode)
        if path.is_file() or (path.exists() and not path.is_dir()):
            from banana.formats import read_transcript

            return None, read_transcript(path)
        raise EpisodeNotFound(f"{episode}: not an episode in {self.root} nor a transcript file")


def _remove_if_empty(folder: Path) -> bool:
    try:
        folder.rmdir()
    except OSError:  # not empty, gone, or not ours to remove
        return False
    return True
