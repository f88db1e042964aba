"""A brain teaser across episodes: one episode sets the puzzle, a later one announces
the answer. Both directions walk the library the same way (``Library.walk``: same
show, natural slug order) and read the stored analyses; both give an
``AnnouncedAnswer``.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from banana.analysis import Analysis
from banana.analysis.episode import answered_puzzle, segment_turns
from banana.analysis.profile import ANSWERS
from banana.analysis.puzzle import TeaserQuery
from banana.analysis.spoken import (AnnouncedAnswer, announce, equal_values, parse_spoken_answer,
                                    spoken_expressions)
from banana.analysis.words import cue_pattern, normalise
from banana.errors import BananaError
from banana.library import Library
from banana.solver import Solution
from banana.transcript import Transcript


def previous_puzzle(library: Library, slug: str | None) -> tuple[str, TeaserQuery] | None:
    """The puzzle of the episode just before ``slug`` (same show): ``(its slug, the
    query)``, or None when that episode sets none."""
    if slug is None:
        return None
    for before, _ in library.walk(slug, step=-1):
        try:
            query = library.analysis(before).teaser
        except BananaError:
            return None
        return (before, query) if query is not None else None
    return None


def previous_answer(library: Library | None, slug: str | None, transcript: Transcript,
                    analysis: Analysis) -> AnnouncedAnswer | None:
    """The previous puzzle's answer as this episode announces it (its ``answers``
    segment), checked against the puzzle the segment restates ("you asked us to make
    eleven using three threes"), else the previous episode's puzzle in the library,
    else unchecked."""
    segs = analysis.with_role(ANSWERS)
    if not segs:
        return None
    restated = answered_puzzle(transcript, segs)
    before = previous_puzzle(library, slug) if library is not None and restated is None else None
    query = restated or (before[1] if before else None)
    spoken = None
    for seg in segs:
        spoken = parse_spoken_answer(" ".join(segment_turns(transcript, seg)), query)
        if spoken is not None:
            break
    if spoken is None:
        return None
    return announce(spoken, query, start=segs[0].start, announced_in=slug,
                    puzzle_episode=before[0] if before else None)


def answer_announced_later(library: Library, slug: str, query: TeaserQuery,
                           solutions: Sequence[Solution] = (), *,
                           profile=None) -> AnnouncedAnswer | None:
    """The answer to ``slug``'s puzzle as a later episode of the same show announces it
    in its ``answers`` segment, compared with the solver's ``solutions``. An episode
    whose answers segment restates a different puzzle is passed over."""
    for later, episode in library.walk(slug, step=1):
        found = library.profile_for(episode, path=profile)
        cues = [c for spec in found.with_role(ANSWERS) for c in spec.cues]
        text = normalise(episode.text)
        if not any(cue_pattern(c).search(text) for c in cues):
            continue  # cheap check before reading the analysis
        try:
            segs = library.analysis(later, profile=profile).with_role(ANSWERS)
        except BananaError:
            continue
        if not segs:
            continue
        restated = answered_puzzle(episode, segs)
        if restated is not None and (sorted(restated.numbers) != sorted(query.numbers)
                                     or not equal_values(Fraction(restated.target), query.target)):
            continue
        said = spoken_expressions(" ".join(t for seg in segs for t in segment_turns(episode, seg)))
        if said:
            return announce(said, query, solutions, start=segs[0].start, announced_in=later,
                            puzzle_episode=slug)
    return None
