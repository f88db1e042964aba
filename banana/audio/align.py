"""Put measured times on a published transcript by aligning its words to a timed one.

A host's published transcript has the right words and speakers but estimated (or no)
times; whisper's output (or any SRT/VTT of the same audio) has times but imperfect
words. Both are reduced to normalised words; a sequence alignment
(``difflib.SequenceMatcher``, no junk heuristic) pairs the words they share. Each
published word then gets a fractional position in the timed word sequence — exact
for matched words, interpolated between the neighbouring matches for the rest — and
a time read off the timed words at that position. An utterance starts where its
first word starts and ends where its last word ends.

An utterance is *timed* when at least one of its words matched; the others get
interpolated times and keep ``estimated=True``.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from banana.errors import FormatError
from banana.transcript import Transcript, Utterance

_WORD = re.compile(r"\w+(?:['’]\w+)*")
_APOSTROPHES = str.maketrans("", "", "'’")

# Within a timed cue, speech pauses at sentence and clause ends; in characters of speech:
SENTENCE_PAUSE_CHARS = 5
CLAUSE_PAUSE_CHARS = 2
TURN_PAUSE_CHARS = 10
_SENTENCE_END = ".?!…"
_CLAUSE_END = ",;:—–"

# Below this share of matched words the two transcripts are not the same episode.
MIN_MATCH_SHARE = 0.10


@dataclass(frozen=True)
class TimedWord:
    """One word with its start and end in seconds."""

    start: float
    end: float
    text: str


@dataclass(frozen=True)
class Alignment:
    """The published transcript with measured times, and how well it aligned."""

    transcript: Transcript
    words: int  # published words (normalised)
    words_matched: int
    utterances: int
    utterances_timed: int  # with at least one matched word

    @property
    def word_share(self) -> float:
        return self.words_matched / self.words if self.words else 0.0

    @property
    def utterance_share(self) -> float:
        return self.utterances_timed / self.utterances if self.utterances else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "words": self.words,
            "words_matched": self.words_matched,
            "word_share": round(self.word_share, 4),
            "utterances": self.utterances,
            "utterances_timed": self.utterances_timed,
            "utterance_share": round(self.utterance_share, 4),
        }


def normalise(text: str) -> list[str]:
    """``"Don't use A.I. — it's well-known!"`` → ``["dont", "use", "a", "i", "its", "well", "known"]``."""
    return [w.translate(_APOSTROPHES) for w in _WORD.findall(_fold(text))]


def _fold(text: str) -> str:
    """Case-folded, accents removed: the form words are compared in."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in folded if not unicodedata.combining(ch))


def words_from_transcript(transcript: Transcript) -> list[TimedWord]:
    """Every word of a timed transcript, its time interpolated within its utterance
    (the best a cue-level file allows; see ``_spread``)."""
    return _spread(transcript, _cue_tokens(transcript), turn_starts=frozenset())


@dataclass(frozen=True)
class _Token:
    cue: int  # index of the timed utterance (cue) the word is in
    text: str  # normalised
    chars: int  # length in characters (with the space after it)
    pause: int  # pause after it, in characters of speech (punctuation)


def _cue_tokens(transcript: Transcript) -> list[_Token]:
    tokens = []
    for cue, u in enumerate(transcript.utterances):
        folded = _fold(u.text)
        matches = list(_WORD.finditer(folded))
        for k, m in enumerate(matches):
            after = folded[m.end(): matches[k + 1].start() if k + 1 < len(matches) else len(folded)]
            pause = (SENTENCE_PAUSE_CHARS if any(ch in _SENTENCE_END for ch in after)
                     else CLAUSE_PAUSE_CHARS if any(ch in _CLAUSE_END for ch in after) else 0)
            tokens.append(_Token(cue, m.group().translate(_APOSTROPHES), len(m.group()) + 1, pause))
    return tokens


def _spread(transcript: Transcript, tokens: list[_Token], *,
            turn_starts: frozenset[int]) -> list[TimedWord]:
    """Lay each cue's words over its span: a word takes time in proportion to its
    characters; a sentence or clause end, or a change of speaker (a token index in
    ``turn_starts``, known from the published transcript), adds a pause's worth."""
    out: list[TimedWord] = []
    k = 0
    while k < len(tokens):
        cue = tokens[k].cue
        stop = k
        while stop < len(tokens) and tokens[stop].cue == cue:
            stop += 1
        pauses = [tokens[j].pause for j in range(k, stop - 1)] + [0]  # none after the last word
        for j in range(k + 1, stop):
            if j in turn_starts:
                pauses[j - 1 - k] = max(pauses[j - 1 - k], TURN_PAUSE_CHARS)
        u = transcript.utterances[cue]
        total = sum(tokens[j].chars for j in range(k, stop)) + sum(pauses)
        scale = max(u.end - u.start, 0.0) / total
        t = u.start
        for j in range(k, stop):
            out.append(TimedWord(t, t + tokens[j].chars * scale, tokens[j].text))
            t += (tokens[j].chars + pauses[j - k]) * scale
        k = stop
    return out


def words_from_whisper(result: dict[str, Any]) -> list[TimedWord]:
    """Word timings from a whisper result (or whisper JSON) made with word timestamps;
    empty when the result has none."""
    words: list[TimedWord] = []
    for segment in result.get("segments") or []:
        if not isinstance(segment, dict):
            continue
        for w in segment.get("words") or []:
            try:
                start, end, text = float(w["start"]), float(w["end"]), str(w["word"])
            except (KeyError, TypeError, ValueError):
                return []  # malformed word list: fall back to segment times
            for token in normalise(text):
                words.append(TimedWord(start, max(start, end), token))
    return words


def stored_words(transcript: Transcript) -> list[TimedWord]:
    """The speech model's word timings kept in a transcript (``Utterance.words``: a
    stored episode from ``banana transcribe``, whisper JSON with word timestamps), as
    normalised timed words; empty when any utterance with text has none (then word
    times are interpolated within the utterances instead)."""
    words: list[TimedWord] = []
    for u in transcript.utterances:
        if not u.words:
            if normalise(u.text):
                return []
            continue
        for w in u.words:
            for token in normalise(w.text):
                words.append(TimedWord(w.start, w.end, token))
    return words


def align(published: Transcript, timed: Transcript, *,
          words: Sequence[TimedWord] | None = None) -> Alignment:
    """Give every utterance of ``published`` times measured from ``timed``.

    ``words`` are word timings of the timed audio; by default those ``timed`` keeps
    (``stored_words``), and when it keeps none they are interpolated within its
    utterances.
    Raises FormatError when the two transcripts share too few words to be the same
    episode.
    """
    given = [w for w in (stored_words(timed) if words is None else words) if w.text]
    tokens = [] if given else _cue_tokens(timed)
    timed_texts = [w.text for w in given] if given else [t.text for t in tokens]
    pub_tokens: list[str] = []
    bounds: list[tuple[int, int]] = []  # each utterance's [first, last+1) word index
    for u in published.utterances:
        first = len(pub_tokens)
        pub_tokens.extend(normalise(u.text))
        bounds.append((first, len(pub_tokens)))
    if not pub_tokens:
        raise FormatError("the published transcript has no words to align")
    if not timed_texts:
        raise FormatError("the timed transcript has no words to align to")

    matcher = difflib.SequenceMatcher(None, pub_tokens, timed_texts, autojunk=False)
    pairs = [(block.a + k, block.b + k) for block in matcher.get_matching_blocks() for k in range(block.size)]
    share = len(pairs) / len(pub_tokens)
    if share < MIN_MATCH_SHARE:
        raise FormatError(f"only {share:.0%} of the published words appear in the timed transcript; "
                          "are they the same episode?")

    position = _positions(len(pub_tokens), pairs)
    matched = [False] * len(pub_tokens)
    for i, _ in pairs:
        matched[i] = True
    if given:
        timed_words = given
    else:  # a speaker change inside a cue is a pause in it
        turn_starts = frozenset(int(position[first]) for first, stop in bounds
                                if stop > first and matched[first])
        timed_words = _spread(timed, tokens, turn_starts=turn_starts)

    starts = [w.start for w in timed_words]
    ends = [w.end for w in timed_words]
    duration = max(timed.duration, ends[-1], published.duration if not published.estimated else 0.0)
    utterances = []
    timed_count = 0
    previous_end = 0.0
    for u, (first, stop) in zip(published.utterances, bounds):
        if stop > first:
            start = _at(starts, position[first])
            end = _at(ends, position[stop - 1])
            is_timed = any(matched[first:stop])
        else:  # no words (a "[music]" marker): a point where the previous word ended
            start = end = previous_end
            is_timed = False
        start = min(max(start, previous_end if not is_timed else 0.0), duration)
        end = min(max(end, start), duration)
        timed_count += is_timed
        utterances.append(Utterance(start, end, u.text, speaker=u.speaker, estimated=not is_timed))
        previous_end = max(previous_end, end)
    utterances = _monotonic(utterances)

    transcript = published.replace(
        utterances=tuple(utterances),
        duration=duration,
        language=published.language or timed.language,
        source=f"align:{published.source or 'published'} to {timed.source or 'timed'}",
    )
    return Alignment(transcript=transcript, words=len(pub_tokens), words_matched=len(pairs),
                     utterances=len(utterances), utterances_timed=timed_count)


def _positions(n: int, pairs: list[tuple[int, int]]) -> list[float]:
    """Fractional timed-word position of each of ``n`` published words: exact for
    matched words, linear between neighbouring matches, a word a step beyond them."""
    position = [0.0] * n
    anchors = pairs
    first_i, first_j = anchors[0]
    for i in range(first_i):
        position[i] = first_j - (first_i - i)
    for (i0, j0), (i1, j1) in zip(anchors, anchors[1:]):
        position[i0] = float(j0)
        step = (j1 - j0) / (i1 - i0)
        for i in range(i0 + 1, i1):
            position[i] = j0 + (i - i0) * step
    last_i, last_j = anchors[-1]
    position[last_i] = float(last_j)
    for i in range(last_i + 1, n):
        position[i] = last_j + (i - last_i)
    return position


def _at(values: list[float], x: float) -> float:
    """``values`` read at fractional index ``x`` (linear between neighbours, clamped)."""
    if x <= 0:
        return values[0]
    last = len(values) - 1
    if x >= last:
        return values[last]
    k = int(x)
    frac = x - k
    return values[k] + frac * (values[k + 1] - values[k])


def _monotonic(utterances: list[Utterance]) -> list[Utterance]:
    """Starts never go backwards (the alignment is monotonic; this guards rounding)."""
    out = []
    floor = 0.0
    for u in utterances:
        start = max(u.start, floor)
        end = max(u.end, start)
        out.append(Utterance(start, end, u.text, speaker=u.speaker, estimated=u.estimated))
        floor = start
    return out
