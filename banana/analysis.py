"""One entry point for an episode's analysis: segments, glossary, mentions, teaser.

``analyse(transcript)`` is what the search index, the show notes and the
``segments``/``glossary``/``teaser`` commands call. It is pure (no files, no
solver) and fast: a one-hour transcript (about 10,000 words) takes well under a
second (``python bench/bench_segment.py``).

Which profile? ``profile_for(library, transcript)`` picks the show's own profile
(``<library>/<slugify(show)>/show.toml``) or the built-in default.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from banana.errors import AnalysisError
from banana.glossary import GlossaryEntry, Mention, glossary_entries, mentions
from banana.profile import Profile, default_profile, find_profile
from banana.segment import DEFAULT_METHOD, Doc, Segment, find_segments
from banana.teaser import SpokenAnswer, TeaserQuery, parse_puzzle, parse_spoken_answer
from banana.transcript import WORDS_PER_SECOND, Transcript

SCHEMA = 1
ANALYSIS_CACHE_SIZE = 8  # episodes whose analysis one process keeps
# Longer than any episode (about 28 hours of speech at 150 words a minute): analysis
# refuses it rather than run for hours; the transcript is still stored and searchable.
MAX_ANALYSED_WORDS = 250_000


@dataclass(frozen=True)
class Analysis:
    """What ``analyse`` finds in one episode."""

    segments: tuple[Segment, ...] = ()
    glossary: tuple[GlossaryEntry, ...] = ()
    mentions: tuple[Mention, ...] = ()
    teaser: TeaserQuery | None = None  # the puzzle the episode sets, unsolved

    def __post_init__(self) -> None:
        for name in ("segments", "glossary", "mentions"):
            object.__setattr__(self, name, tuple(getattr(self, name)))

    def of_kind(self, kind: str) -> list[Segment]:
        return [s for s in self.segments if s.kind == kind]

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "segments": [s.to_dict() for s in self.segments],
            "glossary": [e.to_dict() for e in self.glossary],
            "mentions": [m.to_dict() for m in self.mentions],
            "teaser": self.teaser.to_dict() if self.teaser else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Analysis:
        teaser = data.get("teaser")
        return cls(
            segments=tuple(Segment.from_dict(s) for s in data.get("segments", ())),
            glossary=tuple(GlossaryEntry.from_dict(e) for e in data.get("glossary", ())),
            mentions=tuple(Mention.from_dict(m) for m in data.get("mentions", ())),
            teaser=TeaserQuery.from_dict(teaser) if teaser else None,
        )


def analyse(transcript: Transcript, *, profile: Profile | None = None,
            episode: str | None = None, method: str = DEFAULT_METHOD) -> Analysis:
    """Segments, glossary entries, mentions and the brain teaser of one episode.

    ``episode`` names the episode in glossary entries and mentions (its slug);
    it defaults to the transcript's title. Results are memoised in-process: one
    ``banana process`` run asks for the same episode's analysis from the index,
    the notes and the next episode's teaser-answer check."""
    words = transcript.word_count
    if words > MAX_ANALYSED_WORDS:
        raise AnalysisError(
            f"{episode or transcript.title or 'this transcript'}: {words:,} words "
            f"(about {words / WORDS_PER_SECOND / 3600:.0f} hours of speech) is more than one episode; analysis "
            f"stops at {MAX_ANALYSED_WORDS:,} words. Split it into episodes; it stays stored "
            "and searchable")
    profile = profile or default_profile()
    episode = episode if episode is not None else transcript.title
    return _analyse(transcript, profile, episode, method)


@lru_cache(maxsize=ANALYSIS_CACHE_SIZE)
def _analyse(transcript: Transcript, profile: Profile, episode: str, method: str) -> Analysis:
    doc = Doc(transcript)
    segments = find_segments(transcript, profile=profile, method=method, doc=doc)
    return Analysis(
        segments=tuple(segments),
        glossary=tuple(glossary_entries(transcript, segments, episode=episode)),
        mentions=tuple(mentions(transcript, segments, profile, episode=episode, doc=doc)),
        teaser=teaser_query(transcript, segments),
    )


def clear_cache() -> None:
    """Forget memoised analyses (benchmarks time the work, not the cache)."""
    _analyse.cache_clear()


def segment_turns(transcript: Transcript, segment: Segment) -> list[str]:
    return [transcript.utterances[t].text for t in segment.turns]


def speaker_runs(transcript: Transcript, segment: Segment) -> list[str]:
    """The segment's text, one string per run of turns by the same speaker (all one run
    when speakers are unknown, as in whisper output)."""
    runs: list[tuple[str | None, list[str]]] = []
    for t in segment.turns:
        u = transcript.utterances[t]
        if runs and runs[-1][0] == u.speaker:
            runs[-1][1].append(u.text)
        else:
            runs.append((u.speaker, [u.text]))
    return [" ".join(texts) for _, texts in runs]


def teaser_query(transcript: Transcript, segments) -> TeaserQuery | None:
    """The puzzle stated in the episode's puzzle segment, if any."""
    for seg in segments:
        if seg.kind == "teaser":
            query = parse_puzzle(speaker_runs(transcript, seg))
            if query is not None:
                return query
    return None


def announced_answer(transcript: Transcript, segments,
                     query: TeaserQuery | None = None) -> SpokenAnswer | None:
    """The answer this episode announces to a previous puzzle (its teaser-answer segment)."""
    for seg in segments:
        if seg.kind == "teaser-answer":
            answer = parse_spoken_answer(" ".join(segment_turns(transcript, seg)), query)
            if answer is not None:
                return answer
    return None


def answered_puzzle(transcript: Transcript, segments) -> TeaserQuery | None:
    """The puzzle a teaser-answer segment restates ("You asked us to make eleven using
    the number three exactly three times"), if it does."""
    for seg in segments:
        if seg.kind == "teaser-answer":
            return parse_puzzle(speaker_runs(transcript, seg))
    return None


def profile_for(library_root: Path | str, transcript: Transcript,
                *, path: Path | str | None = None) -> Profile:
    """The profile for an episode: ``path`` if given, else its show's profile in the
    library, else the built-in default."""
    return find_profile(library_root, transcript.show, path=path)
