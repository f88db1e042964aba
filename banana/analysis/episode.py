"""One entry point for an episode's analysis: segments, glossary, mentions, teaser.

``analyse(transcript, profile=...)`` is pure (no files, no solver) and fast: a
one-hour transcript (about 10,000 words) takes well under a second
(``python bench/bench_analysis.py``). The pipeline computes it once per episode and
the library stores it beside the transcript (``analysis.json``); the search index,
the show notes, the teaser and the glossary read the stored result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from banana.analysis.doc import Doc
from banana.analysis.glossary import GlossaryEntry, glossary_entries
from banana.analysis.mentions import Mention, mentions
from banana.analysis.profile import ANSWERS, PUZZLE, Profile, default_profile
from banana.analysis.puzzle import TeaserQuery, parse_puzzle
from banana.analysis.segments import Segment, find_segments
from banana.analysis.spoken import SpokenAnswer, parse_spoken_answer
from banana.analysis.titles import Archive
from banana.errors import AnalysisError, FormatError
from banana.transcript import WORDS_PER_SECOND, Transcript

SCHEMA = 4  # of the stored analysis (analysis.json); bump when its fields or methods change
# (3: the glossary's and mentions' rules chosen on the development annotations; 4: more
# glossary rules: titles of works, possessives, "what do they call that - X", …)
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

    def with_role(self, role: str) -> list[Segment]:
        """The segments that play ``role`` (``profile.EXPLAINS``, ``PUZZLE``, ``ANSWERS``)."""
        return [s for s in self.segments if s.role == role]

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "segments": [s.to_dict() for s in self.segments],
            "glossary": [e.to_dict() for e in self.glossary],
            "mentions": [m.to_dict() for m in self.mentions],
            "teaser": self.teaser.to_dict() if self.teaser else None,
        }

    @classmethod
    def from_dict(cls, data: Any) -> Analysis:
        if not isinstance(data, dict) or data.get("schema") != SCHEMA:
            raise FormatError(f"not a stored analysis of schema {SCHEMA}")
        try:
            teaser = data.get("teaser")
            return cls(
                segments=tuple(Segment.from_dict(s) for s in data.get("segments", ())),
                glossary=tuple(GlossaryEntry.from_dict(e) for e in data.get("glossary", ())),
                mentions=tuple(Mention.from_dict(m) for m in data.get("mentions", ())),
                teaser=TeaserQuery.from_dict(teaser) if teaser else None,
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise FormatError(f"damaged stored analysis: {exc}") from None


def analyse(transcript: Transcript, *, profile: Profile | None = None,
            episode: str | None = None, method: str | None = None,
            archive: Archive | None = None) -> Analysis:
    """Segments, glossary entries, mentions and the brain teaser of one episode.

    ``episode`` names the episode in glossary entries and mentions (its slug); it
    defaults to the transcript's title. ``archive`` is the show's back catalogue (its
    word statistics), for chapter titles that are distinctive on this show. ``method``
    splits topics (analysis.topics.METHODS); None: the profile's, else the default."""
    words = transcript.word_count
    if words > MAX_ANALYSED_WORDS:
        raise AnalysisError(
            f"{episode or transcript.title or 'this transcript'}: {words:,} words "
            f"(about {words / WORDS_PER_SECOND / 3600:.0f} hours of speech) is more than one "
            f"episode; analysis stops at {MAX_ANALYSED_WORDS:,} words. Split it into episodes; "
            "it stays stored and searchable")
    profile = profile or default_profile()
    episode = episode if episode is not None else transcript.title
    doc = Doc(transcript)
    segments = find_segments(transcript, profile=profile, method=method, doc=doc, archive=archive)
    return Analysis(
        segments=tuple(segments),
        glossary=tuple(glossary_entries(transcript, segments, episode=episode, hosts=profile.hosts)),
        mentions=tuple(mentions(transcript, segments, profile, episode=episode, doc=doc)),
        teaser=teaser_query(transcript, segments),
    )


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


def teaser_query(transcript: Transcript, segments: Sequence[Segment]) -> TeaserQuery | None:
    """The puzzle stated in the episode's puzzle segment, if any."""
    for seg in segments:
        if seg.role == PUZZLE:
            query = parse_puzzle(speaker_runs(transcript, seg))
            if query is not None:
                return query
    return None


def announced_answer(transcript: Transcript, segments: Sequence[Segment],
                     query: TeaserQuery | None = None) -> SpokenAnswer | None:
    """The answer this episode announces to a previous puzzle (its answers segment)."""
    for seg in segments:
        if seg.role == ANSWERS:
            answer = parse_spoken_answer(" ".join(segment_turns(transcript, seg)), query)
            if answer is not None:
                return answer
    return None


def answered_puzzle(transcript: Transcript, segments: Sequence[Segment]) -> TeaserQuery | None:
    """The puzzle an answers segment restates ("You asked us to make eleven using the
    number three exactly three times"), if it does."""
    for seg in segments:
        if seg.role == ANSWERS:
            return parse_puzzle(speaker_runs(transcript, seg))
    return None
