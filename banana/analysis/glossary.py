"""The glossary: terms the hosts explained, in their own words.

For each segment whose role is ``explains`` ("In English Please" on the home show)
the entry is the term asked for, a short explanation in the explaining host's own
words (the sentences of their answer that define the term), who said it, the episode
and the timestamp.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any, Sequence

from banana.analysis.profile import EXPLAINS
from banana.analysis.segments import Segment
from banana.analysis.words import STOPWORDS, normalise, split_sentences, stem
from banana.transcript import Transcript

EXPLANATION_MAX_WORDS = 70
EXPLANATION_MAX_SENTENCES = 3
MIN_SENTENCE_WORDS = 6
MAX_SENTENCE_WORDS = 60
UNPUNCTUATED_WORDS = 45  # explanation taken from whisper text without sentence punctuation

_DEFINING = re.compile(
    r"\b(?:is|are) (?:when|where|that|basically|just|simply|a|an|the|what|how|like)\b|"
    r"\bthe (?:concept|idea|goal|point|key|trick|whole goal|whole idea) (?:of|is|here)\b|"
    r"\bmeans?\b|\bbasically\b|\bis called\b|\bstands for\b|\bthink of\b|\bimagine\b|"
    r"\bin other words\b|\bthat's (?:called )?\w+ \w+:", re.IGNORECASE)
_META = re.compile(r"\b(?:podcast|episode|segment|listeners?|we've talked|in english)\b",
                   re.IGNORECASE)



@dataclass(frozen=True)
class GlossaryEntry:
    """A term explained in an explainer segment."""

    term: str
    explanation: str
    episode: str
    speaker: str | None
    start: float  # seconds

    def to_dict(self) -> dict[str, Any]:
        return {"term": self.term, "explanation": self.explanation, "episode": self.episode,
                "speaker": self.speaker, "start": round(self.start, 3)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GlossaryEntry:
        return cls(term=str(data["term"]), explanation=str(data.get("explanation", "")),
                   episode=str(data.get("episode", "")), speaker=data.get("speaker"),
                   start=float(data.get("start", 0.0)))



def _term_words(term: str) -> list[str]:
    words = [w for w in normalise(term).split() if w not in STOPWORDS]
    marks = [stem(w) for w in words if len(w) > 2]
    if len(words) >= 2:
        marks.append("".join(w[0] for w in words))
    return marks


_REQUEST = re.compile(r"english,?\s+please|\bexplain\b|\bwhat (?:is|are)\b", re.IGNORECASE)


def _request_turn(transcript: Transcript, segment: Segment) -> int:
    """The turn that asks for the explanation ("can you explain X in English please?")."""
    for t in segment.turns:
        if re.search(r"english,?\s+please", transcript.utterances[t].text, re.IGNORECASE):
            return t
    for t in segment.turns:
        if _REQUEST.search(transcript.utterances[t].text):
            return t
    return segment.first_turn


def _explaining_speaker(transcript: Transcript, segment: Segment) -> str | None:
    """Who talks most after the request: the host who explains."""
    asked = _request_turn(transcript, segment)
    words: Counter = Counter()
    for t in segment.turns:
        u = transcript.utterances[t]
        if t > asked and u.speaker:
            words[u.speaker] += len(u.text.split())
    return words.most_common(1)[0][0] if words else None


def _weights(transcript: Transcript, segment: Segment, term: str | None) -> dict[str, float]:
    """The term's words, weighted by how particular they are to the explainer: in
    "autoencoder neural networks", "autoencoder" counts more than "network"."""
    marks = _term_words(term or "")
    outside = " ".join(normalise(u.text) for t, u in enumerate(transcript.utterances)
                       if t not in segment.turns)
    return {m: 1.0 / (1 + len(re.findall(rf"\b{re.escape(m)}", outside))) for m in marks}


def explanation(transcript: Transcript, segment: Segment, term: str | None,
                *, speaker: str | None = None) -> str:
    """The explaining host's own words that best define ``term``: the defining
    sentences of the answer, in order (the first words of the answer when the
    transcript has no punctuation to split sentences by)."""
    utts = transcript.utterances
    asked = _request_turn(transcript, segment)
    turns = [t for t in segment.turns if t >= asked and (speaker is None or utts[t].speaker == speaker
                                                        or t == asked)]
    text = " ".join(utts[t].text for t in turns)
    if not re.search(r"[.!?]", text):
        return _opening_words(text)
    candidates: list[str] = []
    for t in turns:
        sentences = split_sentences(utts[t].text)
        if t == asked:  # keep only what follows the request
            after = [i for i, x in enumerate(sentences) if _REQUEST.search(x)]
            sentences = sentences[after[-1] + 1:] if after else []
            if speaker is not None and utts[t].speaker != speaker:
                sentences = []
        candidates.extend(sentences)
    if not candidates:
        return ""
    weights = _weights(transcript, segment, term)
    scored = []
    for pos, sentence in enumerate(candidates):
        words = sentence.split()
        norm = normalise(sentence)
        score = 4.0 * min(sum(w for m, w in weights.items()
                              if re.search(rf"\b{re.escape(m)}" + ("s?\\b" if len(m) <= 3 else ""), norm)),
                          1.5)
        if _DEFINING.search(sentence):
            score += 2
        score += 3.0 * math.exp(-pos / 6)  # explanations start early
        if sentence.rstrip().endswith("?"):
            score -= 3
        if len(words) < MIN_SENTENCE_WORDS:
            score -= 3
        if len(words) > MAX_SENTENCE_WORDS:
            score -= 2
        if _META.search(sentence):
            score -= 2
        scored.append((score, pos, sentence))
    scored.sort(key=lambda x: (-x[0], x[1]))
    picked: list[tuple[int, str]] = []
    total = 0
    for score, pos, sentence in scored:
        n = len(sentence.split())
        if picked and (score <= 0 or total + n > EXPLANATION_MAX_WORDS):
            continue
        picked.append((pos, sentence))
        total += n
        if len(picked) == EXPLANATION_MAX_SENTENCES or total >= EXPLANATION_MAX_WORDS * 0.8:
            break
    picked.sort()
    return " ".join(s.strip() for _, s in picked)


def _opening_words(text: str) -> str:
    """Unpunctuated text: the first words after the request."""
    m = None
    for m in re.finditer(r"english\s+please\b", text, re.IGNORECASE):
        pass
    rest = text[m.end():] if m else text
    words = rest.split()
    if not words:
        return ""
    cut = words[:UNPUNCTUATED_WORDS]
    return " ".join(cut) + ("…" if len(words) > len(cut) else "")


def glossary_entries(transcript: Transcript, segments: Sequence[Segment], *,
                     episode: str) -> list[GlossaryEntry]:
    """One entry per explainer segment that names its term."""
    out = []
    for seg in segments:
        if seg.role != EXPLAINS or not seg.term:
            continue
        speaker = _explaining_speaker(transcript, seg)
        out.append(GlossaryEntry(term=seg.term,
                                 explanation=explanation(transcript, seg, seg.term, speaker=speaker),
                                 episode=episode, speaker=speaker, start=seg.start))
    return out

