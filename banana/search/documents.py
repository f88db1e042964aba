"""What an episode becomes in the index: pieces of talk, the passages a search ranks,
and the episode's own text (title, people, topics).

* ``pieces``: one per utterance with words, its text made plain (``text.plain_text``);
  a turn of more words than ``PIECE_MAX_SECONDS`` of talk holds (at a typical
  ``WORDS_PER_SECOND``) is cut at sentence ends (or, for a sentence longer still,
  between words) with times shared out by words, so a hit inside a ten-minute
  monologue still lands on its moment.
* ``passages``: consecutive pieces grouped greedily into ``PASSAGE_MIN_SECONDS`` to
  ``PASSAGE_MAX_SECONDS`` of talk, closed at every segment boundary the analysis found;
  a short tail joins the passage before it in the same segment. So a one-line turn is
  ranked with the talk around it, and a long discussion is several passages that all
  match.
* ``people``: the episode's speakers, the people its feed item lists
  (``podcast:person``), and the guests its opening introduces ("my guest today is Ada
  Lovelace", "we're joined by …", "today we've got …"), which a transcript without
  speaker names still tells.
* ``topics``: segment (chapter) titles and the terms they explain, and glossary terms.
  (Not the names the analysis finds mentioned: they are in the passages already, and an
  episode that only talks *about* a guest would rank as if it were theirs.)
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from banana.search.text import plain_text
from banana.transcript import WORDS_PER_SECOND, Transcript

if TYPE_CHECKING:
    from banana.analysis import Analysis

PIECE_MAX_SECONDS = 40.0  # a turn of more words than this much talk is cut into pieces
PASSAGE_MIN_SECONDS = 20.0  # a passage holds at least this much talk (unless its segment is shorter)
PASSAGE_MAX_SECONDS = 60.0  # ... and grows past this only by a short tail
INTRO_PIECES = 40  # guests are looked for in the episode's opening pieces

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


@dataclass(frozen=True)
class Piece:
    """Part of what was said: one utterance, or a run of sentences of a long one."""

    turn: int
    speaker: str | None
    start: float
    end: float
    text: str  # plain text

    @property
    def seconds(self) -> float:
        """Seconds of talk: its time span, or its words at a typical rate when it has none."""
        span = self.end - self.start
        return span if span > 0 else len(self.text.split()) / WORDS_PER_SECOND


@dataclass(frozen=True)
class Passage:
    first: int  # index of its first piece
    last: int  # ... and its last (inclusive)
    start: float
    end: float


def pieces(transcript: Transcript) -> list[Piece]:
    """The pieces of ``transcript``, in order (see the module docstring)."""
    out: list[Piece] = []
    for turn, u in enumerate(transcript.utterances):
        text = plain_text(u.text)
        words = text.split()
        if not words:
            continue
        span = u.end - u.start
        # Long in words, not in time: a few words over a long pause are one piece.
        max_words = int(PIECE_MAX_SECONDS * WORDS_PER_SECOND)
        if len(words) <= max_words:
            out.append(Piece(turn, u.speaker, u.start, u.end, text))
            continue
        done = 0
        for chunk in _chunks(text, max_words):
            n = len(chunk.split())
            start = u.start + span * done / len(words) if span > 0 else u.start
            end = u.start + span * (done + n) / len(words) if span > 0 else u.end
            out.append(Piece(turn, u.speaker, start, end, chunk))
            done += n
    return out


def _chunks(text: str, max_words: int) -> Iterable[str]:
    """``text`` in runs of whole sentences of at most ``max_words`` words (a longer
    sentence in runs of ``max_words`` words)."""
    run: list[str] = []
    run_words = 0
    for sentence in _SENTENCE_END.split(text):
        words = sentence.split()
        if run and run_words + len(words) > max_words:
            yield " ".join(run)
            run, run_words = [], 0
        while len(words) > max_words:
            yield " ".join(words[:max_words])
            words = words[max_words:]
        if words:
            run.append(" ".join(words))
            run_words += len(words)
    if run:
        yield " ".join(run)


def passages(parts: Sequence[Piece], boundaries: Iterable[int] = ()) -> list[Passage]:
    """Passages over ``parts``; ``boundaries`` are the turns that start a segment."""
    starts = set(boundaries)
    groups: list[tuple[int, list[int]]] = []  # (segment, piece indexes)
    seconds: list[float] = []
    segment = 0

    def close_tail() -> None:
        """A group shorter than the minimum (a segment's tail) joins the one before it
        in its segment."""
        if (len(groups) > 1 and seconds[-1] < PASSAGE_MIN_SECONDS
                and groups[-2][0] == groups[-1][0]):
            tail, tail_seconds = groups.pop()[1], seconds.pop()
            groups[-1][1].extend(tail)
            seconds[-1] += tail_seconds

    for i, piece in enumerate(parts):
        if i and piece.turn in starts and piece.turn != parts[i - 1].turn:
            segment += 1
        if groups and groups[-1][0] == segment and (
                seconds[-1] < PASSAGE_MIN_SECONDS
                or seconds[-1] + piece.seconds <= PASSAGE_MAX_SECONDS):
            groups[-1][1].append(i)
            seconds[-1] += piece.seconds
            continue
        if groups and groups[-1][0] != segment:
            close_tail()
        groups.append((segment, [i]))
        seconds.append(piece.seconds)
    close_tail()
    return [Passage(g[0], g[-1], parts[g[0]].start, max(parts[j].end for j in g))
            for _, g in groups]


# --- people ------------------------------------------------------------------------------

_NAME_WORD = r"(?:[A-Z]\.(?=\s)|[A-Z][a-z]+(?:[A-Z][a-z]+|[-'’][A-Z]?[a-z]+)*(?![\w'’]))"
_PARTICLE = r"(?:van|von|de|der|den|da|del|di|du|la|le|bin|al)"
_NAME = rf"{_NAME_WORD}(?:\s+(?:{_PARTICLE}\s+)?{_NAME_WORD}){{1,3}}"
# A cue that an introduction follows, then at most eight uncapitalised words ("my old
# colleague and still great friend,"), then one to five names ("A, B and C").
_CUE = (r"(?i:\b(?:guests?|co-?hosts?|panel(?:ists?)?|joined|joining|with (?:me|us)|welcome"
        r"|introduce|talking (?:to|with)|speaking (?:to|with)|chatting with|(?:we|i)'ve got"
        r"|(?:we|i) have|to have|here with|interview with)\b)")
_GAP = r"(?:[\s,:]+(?:[a-z][\w'’-]*|\d+)){0,8}?[\s,:]+"
_INTRO = re.compile(rf"{_CUE}(?P<gap>{_GAP})(?P<names>{_NAME}(?:(?:,\s*|,?\s+and\s+){_NAME}){{0,4}})")
_ONE_NAME = re.compile(_NAME)
# A name right after these is a place, a company or a show ("welcome to Practical AI",
# "from the Makerere Lab", "a startup called Hugging Face").
_NOT_BEFORE_NAMES = frozenset("""to the at from in of on for about a an into over like using
    called named this another our your""".split())
# Capitalised words that start a "name" but are not one ("We have Kubernetes ...").
_NOT_NAMES = frozenset("""The This That These Those Our My Your His Her Their Its Today Now
    Welcome Thanks Thank Hello Hi Hey Everyone Everybody Folks Friends All And But So Well
    Yes Yeah Okay Ok Also Again Here There What Who When Where Why How It I We You They
    He She Episode Show Part Mr Mrs Ms Dr Professor Doctor Oh""".split())


def intro_names(parts: Sequence[Piece]) -> list[str]:
    """Names the opening pieces introduce, in order, without repeats: two to four
    capitalised words after a cue ("my guest today is", "joined by", "we have", ...),
    none of which the episode says more often in lower case (``parts`` are its pieces)."""
    found: dict[str, None] = {}
    for piece in parts[:INTRO_PIECES]:
        for m in _INTRO.finditer(piece.text):
            gap = m.group("gap").split()
            if gap and gap[-1].strip(",:").lower() in _NOT_BEFORE_NAMES:
                continue
            for name in _ONE_NAME.finditer(m.group("names")):
                name_words = re.sub(r"['’]s$", "", name.group()).split()
                while name_words and name_words[0].rstrip(".") in _NOT_NAMES:
                    name_words = name_words[1:]
                if len(name_words) >= 2 and not any(w in _NOT_NAMES for w in name_words):
                    found.setdefault(" ".join(name_words))
    if not found:
        return []
    # A word the episode says in lower case more often than capitalised is a common
    # word, not a name ("welcome to Open Collective ... open source"): the episode's own
    # usage tells its names from its capitalised phrases.
    said = Counter(w.strip(".,;:!?\"'()") for piece in parts for w in piece.text.split())
    return [name for name in found
            if all(said[w.lower()] <= said[w] for w in name.split() if not w.endswith("."))]


def people(transcript: Transcript, parts: Sequence[Piece], listed: Iterable[str] = ()) -> list[str]:
    """The episode's speakers, the people its feed lists (``podcast:person``), then the
    people its opening introduces."""
    names: dict[str, None] = dict.fromkeys(transcript.speakers)
    for u in transcript.utterances:
        if u.speaker:
            names.setdefault(u.speaker)
    for name in listed:
        if name.strip():
            names.setdefault(name.strip())
    known = {n.lower() for n in names}
    for name in intro_names(parts):
        if name.lower() not in known:
            names.setdefault(name)
    return list(names)


def topics(analysis: Analysis | None) -> list[str]:
    """Segment titles and explained terms, and glossary terms."""
    if analysis is None:
        return []
    found: dict[str, None] = {}
    for seg in analysis.segments:
        for text in (seg.title, seg.term):
            if text:
                found.setdefault(plain_text(text))
    for item in analysis.glossary:
        found.setdefault(plain_text(item.term))
    return [t for t in found if t]


def segment_starts(analysis: Analysis | None) -> list[int]:
    """The turns where the analysis's segments begin."""
    return [] if analysis is None else [seg.first_turn for seg in analysis.segments]
