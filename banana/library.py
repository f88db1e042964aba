"""The library: one folder per episode, ``<library>/<slug>/transcript.json``.

The library folder is ``episodes/`` by default; ``BANANA_LIBRARY`` or the CLI's
``--library`` override it. A folder without ``transcript.json`` (a show's profile
folder, the bundled ``samples/``) is not an episode.
"""

from __future__ import annotations

import os
import re
import shutil
import unicodedata
from pathlib import Path

from banana.errors import EpisodeNotFound, LibraryError
from banana.fsutil import atomic_write_text
from banana.transcript import Transcript

DEFAULT_LIBRARY = "episodes"
LIBRARY_ENV = "BANANA_LIBRARY"
TRANSCRIPT_FILE = "transcript.json"
SLUG_MAX_CHARS = 80


def slugify(text: str) -> str:
    """``"Deepfakes & Data Upskilling!"`` → ``"deepfakes-data-upskilling"``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:SLUG_MAX_CHARS].rstrip("-")


def natural_key(text: str) -> list:
    """Sort key that puts ``ep-2`` before ``ep-10``."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def default_library_path() -> Path:
    return Path(os.environ.get(LIBRARY_ENV) or DEFAULT_LIBRARY)


class Library:
    """Episodes stored as canonical transcript JSON, one folder each."""

    def __init__(self, root: Path | str | None = None) -> None:
        self.root = Path(root) if root is not None else default_library_path()

    def __repr__(self) -> str:
        return f"Library({str(self.root)!r})"

    def episode_dir(self, slug: str) -> Path:
        return self.root / slug

    def transcript_path(self, slug: str) -> Path:
        return self.episode_dir(slug) / TRANSCRIPT_FILE

    def slugs(self) -> list[str]:
        """Every episode's slug, in natural order (``ep-2`` before ``ep-10``)."""
        if not self.root.is_dir():
            return []
        found = [p.parent.name for p in self.root.glob(f"*/{TRANSCRIPT_FILE}") if p.is_file()]
        return sorted(found, key=natural_key)

    def __contains__(self, slug: str) -> bool:
        return bool(slug) and "/" not in slug and self.transcript_path(slug).is_file()

    def load(self, slug: str) -> Transcript:
        path = self.transcript_path(slug)
        if not path.is_file():
            raise EpisodeNotFound(f"no episode {slug!r} in library {self.root}")
        try:
            return Transcript.from_json(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            raise LibraryError(f"{path}: stored transcript is not UTF-8") from None

    def save(self, transcript: Transcript, slug: str) -> Path:
        """Store (or replace) an episode atomically; returns the transcript's path."""
        if not slug or slug != slugify(slug):
            raise LibraryError(f"invalid episode slug {slug!r} (use lowercase letters, digits and '-')")
        path = self.transcript_path(slug)
        text = transcript.to_json()
        try:
            if path.is_file() and path.read_text(encoding="utf-8") == text:
                return path  # unchanged: keep the file (and its mtime) as it is
        except (OSError, UnicodeDecodeError):
            pass
        try:
            atomic_write_text(path, text)
        except OSError as exc:
            raise LibraryError(f"cannot write {path}: {exc.strerror or exc}") from None
        return path

    def store(self, transcript: Transcript, slug: str, *, index: bool = True) -> Path:
        """What ``import``, ``transcribe`` and ``align`` call: save the episode, then
        bring what depends on it (the search index) up to date. A batch passes
        ``index=False`` and calls ``update_index()`` once at the end."""
        path = self.save(transcript, slug)
        if index:
            from banana.index import update_episode  # lazy: keeps `banana --help` fast

            update_episode(self, slug)
        return path

    def update_index(self, *, progress=None):
        """Bring the search index up to date with every episode; returns its report."""
        from banana.index import SearchIndex

        return SearchIndex(self).update(progress=progress)

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
        if path.exists():
            from banana.formats import read_transcript

            return None, read_transcript(path)
        raise EpisodeNotFound(f"{episode}: not an episode in {self.root} nor a transcript file")
