"""What the pages show, gathered from the library with its own functions.

* ``Card``: an episode in the list on the home page (title, date when the feed gave one,
  duration, chapters, the teaser's statement).
* ``EpisodeView``: the whole episode page: the transcript, the notes
  (``banana.publish.notes.build_notes``: summary, chapters, glossary, mentions, links,
  the teaser with the solver's verified answers, the previous teaser's answer as this
  episode announces it) and the audio (a local file in the episode's folder, else the
  episode's audio URL).
* ``GlossaryUse`` and ``glossary_terms``: the show's glossary, every explained term with
  the episodes and moments that explain it.

``Catalog`` keeps cards and views in memory while the files they are made from are
unchanged (their size and modification time), so a page is gathered once, not on
every request. Episodes are listed newest first: the library's order (the feed's
dates for episodes that came from a feed, natural slug order for the others), reversed.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from banana.analysis import Analysis
from banana.errors import AnalysisError, BananaError, EpisodeNotFound
from banana.fsutil import file_state
from banana.library import (ANALYSIS_FILE, FEED_FILE, META_FILE, TRANSCRIPT_FILE, Library,
                            is_slug)
from banana.publish.chapters import Chapter, chapters_from_segments
from banana.publish.notes import Notes, build_notes
from banana.publish.teasers import previous_answer
from banana.transcript import Transcript, one_line

# A local recording of an episode: ``<library>/<slug>/audio.<ext>``, served (with HTTP
# Range requests) instead of the episode's audio URL. Extension -> media type.
AUDIO_STEM = "audio"
AUDIO_TYPES = {
    ".mp3": "audio/mpeg", ".m4a": "audio/mp4", ".aac": "audio/aac", ".ogg": "audio/ogg",
    ".oga": "audio/ogg", ".opus": "audio/ogg", ".flac": "audio/flac", ".wav": "audio/wav",
    ".webm": "audio/webm",
}
CACHED_VIEWS = 64  # whole episode pages kept in memory (a 3-hour one holds ~2 MB)
EPISODES_PER_PAGE = 30  # on a page of the home page
NAME_EPISODES = 5  # the site is named for their show when the newest this many share one
SITE_NAME = "Podcast archive"  # else


@dataclass(frozen=True)
class Card:
    """An episode as the home page lists it."""

    slug: str
    title: str
    show: str = ""
    published: str | None = None  # ISO 8601 (UTC) from the feed item, when there is one
    duration: float = 0.0  # seconds
    estimated: bool = False  # times estimated from the text, not measured
    chapters: int = 0
    teaser: str | None = None  # the brain teaser's statement

    @property
    def date(self) -> str | None:
        """``YYYY-MM-DD`` of ``published``."""
        return self.published[:10] if self.published else None

    def to_dict(self) -> dict[str, Any]:
        return {"slug": self.slug, "title": self.title, "show": self.show,
                "published": self.published, "duration": self.duration,
                "estimated": self.estimated, "chapters": self.chapters, "teaser": self.teaser}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Card:
        return cls(slug=str(data["slug"]), title=str(data.get("title") or ""),
                   show=str(data.get("show") or ""), published=data.get("published"),
                   duration=float(data.get("duration") or 0.0),
                   estimated=bool(data.get("estimated")), chapters=int(data.get("chapters") or 0),
                   teaser=data.get("teaser"))


@dataclass(frozen=True)
class GlossaryUse:
    """One explanation of a term: which episode, who, when, in their words."""

    term: str
    explanation: str
    slug: str
    title: str
    show: str = ""
    speaker: str | None = None
    start: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"term": self.term, "explanation": self.explanation, "slug": self.slug,
                "title": self.title, "show": self.show, "speaker": self.speaker,
                "start": self.start}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GlossaryUse:
        start = data.get("start")
        return cls(term=str(data["term"]), explanation=str(data.get("explanation") or ""),
                   slug=str(data["slug"]), title=str(data.get("title") or ""),
                   show=str(data.get("show") or ""), speaker=data.get("speaker"),
                   start=None if start is None else float(start))


@dataclass(frozen=True)
class EpisodeView:
    """Everything an episode's page shows."""

    card: Card
    transcript: Transcript
    notes: Notes
    audio_url: str | None = None  # the episode's published audio
    audio_file: Path | None = None  # a local recording, which wins over the URL

    @property
    def slug(self) -> str:
        return self.card.slug

    @property
    def chapters(self) -> tuple[Chapter, ...]:
        return self.notes.chapters

    @property
    def glossary(self) -> tuple[GlossaryUse, ...]:
        return tuple(GlossaryUse(term=g.term, explanation=g.explanation, slug=self.slug,
                                 title=self.card.title, show=self.card.show, speaker=g.speaker,
                                 start=g.start)
                     for g in self.notes.glossary)

    def to_dict(self) -> dict[str, Any]:
        """The JSON API's episode: the card, the transcript as ``banana show --json``
        prints it, and the notes as ``banana notes --format json`` prints them."""
        return {"episode": self.slug, **{k: v for k, v in self.card.to_dict().items() if k != "slug"},
                "audio_url": self.audio_url, "local_audio": self.audio_file is not None,
                "transcript": self.transcript.to_dict(), "notes": self.notes.to_dict()}


def local_audio(library: Library, slug: str) -> Path | None:
    """The episode's local recording (``audio.<ext>`` in its folder), or None. A file
    (or a link) that leads outside the library is not the episode's."""
    folder = library.episode_dir(slug)
    root = library.root.resolve()
    for suffix in AUDIO_TYPES:
        path = folder / f"{AUDIO_STEM}{suffix}"
        if path.is_file():
            real = path.resolve()
            if real.is_relative_to(root):
                return real
    return None


def published(library: Library, slug: str) -> str | None:
    """The date the feed published the episode (ISO 8601), when it came from one."""
    try:
        origin = library.feed_origin(slug)
    except BananaError:
        return None
    return origin.item.published if origin is not None else None


def _analysis(library: Library, slug: str) -> Analysis:
    """The stored analysis; an empty one for a transcript the analysis refuses (longer
    than any episode), which is still shown and searchable."""
    try:
        return library.analysis(slug)
    except AnalysisError:
        return Analysis()


def make_card(library: Library, slug: str, transcript: Transcript, analysis: Analysis,
              chapters: int) -> Card:
    teaser = one_line(analysis.teaser.statement) if analysis.teaser else None
    return Card(slug=slug, title=one_line(transcript.title) or slug, show=one_line(transcript.show),
                published=published(library, slug), duration=transcript.duration,
                estimated=transcript.estimated, chapters=chapters, teaser=teaser or None)


def _read(library: Library, slug: str) -> tuple[Transcript, Analysis]:
    """The transcript and its stored analysis, from one read of the transcript (an
    empty analysis for a transcript the analysis refuses: longer than any episode)."""
    if slug not in library:
        raise EpisodeNotFound(f"no episode {slug!r} in library {library.root}")
    try:
        _, _, transcript, analysis = library.analysed(slug)
    except AnalysisError:
        return library.load(slug), Analysis()
    return transcript, analysis


def episode_view(library: Library, slug: str) -> EpisodeView:
    """Gather an episode's page (EpisodeNotFound for a slug the library does not have)."""
    transcript, analysis = _read(library, slug)
    notes = build_notes(transcript, analysis, episode=slug,
                        previous_answer=previous_answer(library, slug, transcript, analysis))
    return EpisodeView(card=make_card(library, slug, transcript, analysis, len(notes.chapters)),
                       transcript=transcript, notes=notes, audio_url=notes.audio_url,
                       audio_file=local_audio(library, slug))


def episode_card(library: Library, slug: str) -> Card:
    """An episode's card, without the notes (no summary, no solving)."""
    transcript, analysis = _read(library, slug)
    chapters = chapters_from_segments(analysis.segments, duration=transcript.duration)
    return make_card(library, slug, transcript, analysis, len(chapters))


def episode_glossary(library: Library, slug: str, card: Card) -> tuple[GlossaryUse, ...]:
    return tuple(GlossaryUse(term=one_line(e.term), explanation=one_line(e.explanation or ""),
                             slug=slug, title=card.title, show=card.show, speaker=e.speaker,
                             start=e.start)
                 for e in _analysis(library, slug).glossary)


@dataclass(frozen=True)
class Term:
    """A term of the show's glossary and every explanation of it, oldest first."""

    term: str
    uses: tuple[GlossaryUse, ...]


def glossary_terms(uses: Iterable[GlossaryUse]) -> list[tuple[str, list[Term]]]:
    """``(show, terms A to Z)`` for each show (in the order their episodes come), every
    term with its explanations in the order given (the terms compare ignoring case)."""
    shows: dict[str, dict[str, list[GlossaryUse]]] = {}
    for use in uses:
        shows.setdefault(use.show, {}).setdefault(use.term.casefold(), []).append(use)
    return [(show, [Term(found[0].term, tuple(found)) for _, found in sorted(terms.items())])
            for show, terms in shows.items()]


def newest_first(library: Library) -> list[str]:
    return library.slugs()[::-1]


def site_name(shows: Iterable[str]) -> str:
    """The name the pages carry: the show's, when the episodes are all of one show."""
    named = {s for s in shows if s}
    return next(iter(named)) if len(named) == 1 else SITE_NAME


def library_name(library: Library, newest: Sequence[str]) -> str:
    """The site's name: the show of the newest episodes (``NAME_EPISODES`` of them), when
    they share one; read from their transcripts alone (no analysis)."""
    shows = []
    for slug in newest[:NAME_EPISODES]:
        try:
            shows.append(library.load(slug).show)
        except BananaError:
            continue
    return site_name(shows)


# -- the cache --------------------------------------------------------------------------------

class Catalog:
    """Cards, episode pages and the glossary of one library, each gathered once and
    kept while the files it comes from keep their size and modification time (the
    transcript, the stored analysis, what the user set, the feed item, the local
    audio). Safe to share between threads."""

    def __init__(self, library: Library, *, views: int = CACHED_VIEWS) -> None:
        self.library = library
        self._lock = threading.Lock()
        self._cards: dict[str, tuple[tuple, Card]] = {}
        self._views: OrderedDict[str, tuple[tuple, EpisodeView]] = OrderedDict()
        self._glossary: dict[str, tuple[tuple, tuple[GlossaryUse, ...]]] = {}
        self._order: tuple[tuple | None, list[str]] | None = None
        self._name: tuple[tuple | None, str] | None = None
        self._max_views = views
        self.gathered = 0  # episode pages gathered (not found in the cache), for tests

    def state(self, slug: str) -> tuple:
        folder = self.library.episode_dir(slug)
        files = [file_state(folder / name) for name in (TRANSCRIPT_FILE, ANALYSIS_FILE, META_FILE,
                                                    FEED_FILE)]
        audio = [(p.name, file_state(p)) for p in folder.glob(f"{AUDIO_STEM}.*")]
        return tuple(files) + tuple(sorted(audio))

    def slugs(self) -> list[str]:
        """Every episode, newest first (kept while the library folder is unchanged)."""
        key = file_state(self.library.root)
        with self._lock:
            if self._order is not None and self._order[0] == key and key is not None:
                return self._order[1]
        order = newest_first(self.library)
        with self._lock:
            self._order = (key, order)
        return order

    def name(self) -> str:
        """``library_name`` of the newest episodes, kept while the library folder is
        unchanged."""
        key = file_state(self.library.root)
        with self._lock:
            if self._name is not None and self._name[0] == key and key is not None:
                return self._name[1]
        name = library_name(self.library, self.slugs())
        with self._lock:
            self._name = (key, name)
        return name

    def __contains__(self, slug: str) -> bool:
        return is_slug(slug) and slug in self.library

    def card(self, slug: str) -> Card:
        state = self.state(slug)
        with self._lock:
            kept = self._cards.get(slug)
            if kept is not None and kept[0] == state:
                return kept[1]
            view = self._views.get(slug)
            if view is not None and view[0] == state:
                return view[1].card
        card = episode_card(self.library, slug)
        state = self.state(slug)  # reading may have stored the episode's analysis just now
        with self._lock:
            self._cards[slug] = (state, card)
        return card

    def cards(self, slugs: Sequence[str]) -> tuple[list[Card], list[tuple[str, str]]]:
        """The cards of ``slugs``, and (slug, why) for each that cannot be read."""
        cards, failed = [], []
        for slug in slugs:
            try:
                cards.append(self.card(slug))
            except BananaError as exc:
                failed.append((slug, one_line(str(exc))))
        return cards, failed

    def view(self, slug: str) -> EpisodeView:
        if slug not in self:
            raise EpisodeNotFound(f"no episode {slug!r} in library {self.library.root}")
        state = self.state(slug)
        with self._lock:
            kept = self._views.get(slug)
            if kept is not None and kept[0] == state:
                self._views.move_to_end(slug)
                return kept[1]
        view = episode_view(self.library, slug)
        state = self.state(slug)  # gathering may have stored the episode's analysis just now
        with self._lock:
            self.gathered += 1
            self._views[slug] = (state, view)
            self._views.move_to_end(slug)
            while len(self._views) > self._max_views:
                self._views.popitem(last=False)
        return view

    def glossary(self) -> list[tuple[str, list[Term]]]:
        """The glossary of every show in the library, oldest episode first."""
        uses: list[GlossaryUse] = []
        for slug in reversed(self.slugs()):
            try:
                state = self.state(slug)
                with self._lock:
                    kept = self._glossary.get(slug)
                if kept is None or kept[0] != state:
                    kept = (state, episode_glossary(self.library, slug, self.card(slug)))
                    with self._lock:
                        self._glossary[slug] = kept
            except BananaError:
                continue  # a damaged episode: the home page names it
            uses.extend(kept[1])
        return glossary_terms(uses)
