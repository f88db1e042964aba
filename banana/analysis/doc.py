"""An episode normalised for matching (``Doc``): one string of normalised turns with
a map back to turn indexes and word positions, plus the discourse markers of
spoken English that every segmenting step reads (lead-ins, topic shifts, previews).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from typing import Iterable

from banana.analysis.words import STOPWORDS, content_tokens, cue_pattern, normalise
from banana.transcript import Transcript

# Language-level discourse markers (not a show's cues, which live in its profile):
# phrases that lead into a segment, and phrases that announce a change of topic.
LEAD_IN = re.compile(
    r"\b(?:all right|alright|okay|ok|so now|and now|now its time|one more|one last|last thing|"
    r"before we go|before we wrap|wrap (?:things )?up|end of the (?:episode|show)|closing|"
    r"speaking of|which brings|brings us to|(?:wanted|want|can i|could i|let me) ask|"
    r"you mentioned|you said|moving on|switching gears)\b")
TOPIC_SHIFT = re.compile(
    r"\b(?:(?:our|the) (?:next|second|third|fourth|other|last|final) (?:topic|story|item|subject)|"
    r"next topic|another topic|change of topic|changing topics|moving on|switching gears|"
    r"shifting gears|change gears|i want(?:ed)? to talk (?:to you )?about|"
    r"lets (?:talk|move on|turn|switch|shift) (?:about|to|on)|on to our|turning to)\b")
# "Okay, synthetic data." / "All right, leaderboards." in punctuated text
_NAMED_SHIFT = re.compile(r"(?:^|(?<=[.!?] ))(?:okay|ok|alright|all right|so|now|right)[,:]?\s+"
                          r"([A-Za-z][\w'’-]*(?:\s+[A-Za-z][\w'’-]*){0,2})[.!]\s", re.IGNORECASE)
# "Okay, sounds good." is not "Okay, synthetic data."
_ACKNOWLEDGEMENTS = frozenset("""
sounds sound good great cool perfect fine fair awesome nice interesting exactly totally
absolutely definitely sure thanks thank cheers wow gotcha agreed true wonderful excellent
amazing brilliant lovely noted understood
""".split())
PREVIEW = re.compile(r"\b(?:well|later|going to|gonna|will|coming up|stick around)\b")
CUE_CONTEXT = re.compile(
    r"\b(?:time for|its time|lets|now|our|segment|this weeks|up next|next up|move (?:on )?(?:in)?to|"
    r"turn (?:now )?to|like to|want to|wanna|we always|as we (?:wrap|finish|close|end)|"
    r"before we (?:go|wrap|end|finish))\b")



@dataclass(frozen=True)
class Hit:
    turn: int
    start: int  # character offsets in Doc.text
    end: int


class Doc:
    """A transcript normalised for matching: one string, with a map back to turns."""

    def __init__(self, transcript: Transcript) -> None:
        self.transcript = transcript
        self.texts = [normalise(u.text) for u in transcript.utterances]
        self.offsets: list[int] = []
        pos = 0
        for text in self.texts:
            self.offsets.append(pos)
            pos += len(text) + 1
        self.text = " ".join(self.texts)
        self.words = [len(t.split()) for t in self.texts]
        self.cum = [0]
        for w in self.words:
            self.cum.append(self.cum[-1] + w)
        self._tokens: list[list[str]] | None = None

    def __len__(self) -> int:
        return len(self.texts)

    @property
    def total_words(self) -> int:
        return self.cum[-1]

    @property
    def tokens(self) -> list[list[str]]:
        if self._tokens is None:
            self._tokens = [content_tokens(t) for t in self.texts]
        return self._tokens

    def turn_at(self, pos: int) -> int:
        return max(bisect_right(self.offsets, pos) - 1, 0)

    def turn_at_word(self, words: float) -> int:
        """The turn holding the word at this position (0-based word index)."""
        return min(max(bisect_right(self.cum, words) - 1, 0), max(len(self) - 1, 0))

    def hits(self, phrases: Iterable[str]) -> list[Hit]:
        """Where the cue phrases are said, as speech recognition may hear them (a short
        function word of a longer cue heard as another: ``cue_pattern(tolerant=True)``)."""
        found = []
        for phrase in phrases:
            for m in cue_pattern(phrase, tolerant=True).finditer(self.text):
                found.append(Hit(self.turn_at(m.start()), m.start(), m.end()))
        found.sort(key=lambda h: (h.start, -h.end))
        return found

    def words_between(self, first: int, last: int) -> int:
        """Words in turns first..last inclusive."""
        if last < first:
            return 0
        return self.cum[last + 1] - self.cum[first]

    def context(self, hit: Hit, *, before: int = 60, after: int = 20) -> str:
        return self.text[max(hit.start - before, 0):hit.end + after]

    def turn_head(self, turn: int, *, words: int = 25) -> str:
        return " ".join(self.texts[turn].split()[:words])

    def shifts(self, turn: int) -> bool:
        """Does this turn announce a new topic near its start ("our second topic
        today...", "Okay, synthetic data.")?"""
        if TOPIC_SHIFT.search(self.turn_head(turn)):
            return True
        raw = " ".join(self.transcript.utterances[turn].text.split()[:25]) + " "
        for m in _NAMED_SHIFT.finditer(raw):
            words = [normalise(w) for w in m.group(1).split()]
            if words[0] not in _ACKNOWLEDGEMENTS and not all(w in STOPWORDS for w in words):
                return True
        return False

