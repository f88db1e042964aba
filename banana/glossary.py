"""The glossary: terms the hosts explained, and technical terms they mentioned.

For each explainer segment ("In English Please") the entry is the term asked for,
a short explanation in the explaining host's own words (the sentences of their
answer that define the term), who said it, the episode and the timestamp.

Mentions are the tools, methods and companies named anywhere outside an explainer,
each with the first time it is said: the show profile's technical vocabulary
(found in any transcript, whisper output included) plus capitalised names such as
"TensorFlow", "Stack Overflow" or "AWS" (only where the transcript has case).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any, Sequence

from banana.profile import Profile
from banana.segment import (
    STOPWORDS,
    Doc,
    Segment,
    cue_pattern,
    normalise,
    split_sentences,
    stem,
)
from banana.transcript import Transcript

EXPLANATION_MAX_WORDS = 70
EXPLANATION_MAX_SENTENCES = 3
MIN_SENTENCE_WORDS = 6
MAX_SENTENCE_WORDS = 60

_DEFINING = re.compile(
    r"\b(?:is|are) (?:when|where|that|basically|just|simply|a|an|the|what|how|like)\b|"
    r"\bthe (?:concept|idea|goal|point|key|trick|whole goal|whole idea) (?:of|is|here)\b|"
    r"\bmeans?\b|\bbasically\b|\bis called\b|\bstands for\b|\bthink of\b|\bimagine\b|"
    r"\bin other words\b|\bthat's (?:called )?\w+ \w+:", re.IGNORECASE)
_META = re.compile(r"\b(?:podcast|episode|segment|listeners?|we've talked|in english)\b",
                   re.IGNORECASE)

# capitalised words that are not names of tools, methods or companies
_NOT_NAMES = frozenset("""
i im ive id ill english okay ok mr mrs ms dr monday tuesday wednesday thursday friday
saturday sunday january february march april may june july august september october
november december god christmas america american europe european us uk
""".split())
_CAPITALISED = re.compile(
    r"(?<![\w.])((?:[A-Z][\w.+#'’-]*[\w+#]|[A-Z])(?:\s+(?:[A-Z][\w.+#'’-]*[\w+#]|[A-Z]\b))*)")
_SENTENCE_START = re.compile(r"(?:^|[.!?…]\s+|[\"“(]\s*|[:;—–]\s*)$")


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


@dataclass(frozen=True)
class Mention:
    """A technical term mentioned in an episode, first said at ``start``."""

    term: str
    episode: str
    start: float  # seconds, first mention
    turn: int  # turn of the first mention
    count: int  # how many turns outside explainer segments say it

    def to_dict(self) -> dict[str, Any]:
        return {"term": self.term, "episode": self.episode, "start": round(self.start, 3),
                "turn": self.turn, "count": self.count}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Mention:
        return cls(term=str(data["term"]), episode=str(data.get("episode", "")),
                   start=float(data.get("start", 0.0)), turn=int(data.get("turn", 0)),
                   count=int(data.get("count", 1)))


def _term_words(term: str) -> list[str]:
    words = [w for w in normalise(term).split() if w not in STOPWORDS]
    marks = [stem(w) for w in words if len(w) > 2]
    if len(words) >= 2:
        marks.append("".join(w[0] for w in words))
    return marks


def _explaining_speaker(transcript: Transcript, segment: Segment) -> str | None:
    words: Counter = Counter()
    for t in segment.turns[1:] or segment.turns:
        u = transcript.utterances[t]
        if u.speaker:
            words[u.speaker] += len(u.text.split())
    return words.most_common(1)[0][0] if words else None


def explanation(transcript: Transcript, segment: Segment, term: str | None,
                *, speaker: str | None = None) -> str:
    """The sentences of the explainer's answer that best define ``term``, in order."""
    utts = transcript.utterances
    candidates: list[tuple[int, str]] = []
    asked = False
    for t in segment.turns:
        u = utts[t]
        if speaker is not None and u.speaker != speaker:
            continue
        for sentence in split_sentences(u.text):
            if not asked and re.search(r"english,?\s+please|\bexplain\b", sentence, re.IGNORECASE):
                asked = True
                if speaker is None:
                    continue  # the question itself, when speakers are unknown
            candidates.append((len(candidates), sentence))
    if not candidates:
        return ""
    marks = _term_words(term or "")
    scored = []
    for pos, sentence in candidates:
        words = sentence.split()
        norm = normalise(sentence)
        score = 0.0
        hits = sum(1 for m in marks if (re.search(rf"\b{re.escape(m)}", norm) if len(m) > 3
                                        else re.search(rf"\b{re.escape(m)}s?\b", norm)))
        score += 2.5 * min(hits, 2)
        if _DEFINING.search(sentence):
            score += 2
        score += max(0.0, 1.5 - 0.25 * pos)  # explanations start early
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
    text = " ".join(s.strip() for _, s in picked)
    words = text.split()
    if len(words) > EXPLANATION_MAX_WORDS + 20:  # one long unpunctuated piece
        text = " ".join(words[:EXPLANATION_MAX_WORDS]) + "…"
    return text


def glossary_entries(transcript: Transcript, segments: Sequence[Segment], *,
                     episode: str) -> list[GlossaryEntry]:
    """One entry per explainer segment that names its term."""
    out = []
    for seg in segments:
        if seg.kind != "explainer" or not seg.term:
            continue
        speaker = _explaining_speaker(transcript, seg)
        out.append(GlossaryEntry(term=seg.term,
                                 explanation=explanation(transcript, seg, seg.term, speaker=speaker),
                                 episode=episode, speaker=speaker, start=seg.start))
    return out


def _names(transcript: Transcript, skip_turns: set[int], profile: Profile) -> dict[str, list]:
    """Capitalised names (not sentence-initial, unless seen mid-sentence too) →
    [(turn, surface)] in order."""
    people = set()
    for name in list(transcript.speakers) + list(profile.hosts) + [profile.name]:
        people.add(normalise(name))
        people.update(normalise(name).split())
    found: dict[str, list] = defaultdict(list)
    initial: dict[str, list] = defaultdict(list)
    for t, u in enumerate(transcript.utterances):
        if t in skip_turns:
            continue
        for m in _CAPITALISED.finditer(u.text):
            surface = re.sub(r"['’]s$", "", m.group(1)).strip(" .-")
            words = surface.split()
            while words and (normalise(words[0]) in STOPWORDS or normalise(words[0]) in _NOT_NAMES):
                words = words[1:]  # "The New York Times" → "New York Times"; "I" dropped
            while words and normalise(words[-1]) in STOPWORDS:
                words = words[:-1]
            if not words:
                continue
            surface = " ".join(words)
            key = normalise(surface)
            if not key or key in people or all(w in people for w in key.split()):
                continue
            if len(key) < 2 or key.isdigit():
                continue
            starts_sentence = bool(_SENTENCE_START.search(u.text[:m.start()])) and words == m.group(1).split()
            distinctive = any(re.search(r"[a-z][A-Z]|[A-Z]{2}|\d", w) for w in words)
            if starts_sentence and not distinctive:
                initial[key].append((t, surface))
            else:
                found[key].append((t, surface))
    for key, places in initial.items():
        if key in found:
            found[key] = sorted(found[key] + places)
    return found


def mentions(transcript: Transcript, segments: Sequence[Segment], profile: Profile, *,
             episode: str, doc: Doc | None = None) -> list[Mention]:
    """Technical terms said outside explainer segments, with their first timestamp."""
    doc = doc or Doc(transcript)
    skip = {t for s in segments if s.kind == "explainer" for t in s.turns}
    explained = {normalise(s.term) for s in segments if s.kind == "explainer" and s.term}
    places: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for term in profile.terms:
        key = normalise(term)
        for m in cue_pattern(term).finditer(doc.text):
            t = doc.turn_at(m.start())
            if t not in skip:
                places[key].append((t, term))
    for key, found in _names(transcript, skip, profile).items():
        merged = places.get(key, []) + found
        places[key] = sorted(merged)
    out = []
    for key, found in places.items():
        if not found or key in explained:
            continue
        forms = Counter(surface for _, surface in found)
        # prefer a spelling with capitals ("TensorFlow") over the vocabulary's lower case
        surface = max(forms, key=lambda f: (f != f.lower(), forms[f]))
        first = min(t for t, _ in found)
        out.append(Mention(term=surface, episode=episode,
                           start=transcript.utterances[first].start, turn=first,
                           count=len({t for t, _ in found})))
    out.sort(key=lambda m: (m.start, m.term.lower()))
    return _drop_contained(out)


def _drop_contained(found: list[Mention]) -> list[Mention]:
    """"Google" said only as part of "Google Cloud" is one mention, not two."""
    keys = {normalise(m.term): m for m in found}
    out = []
    for m in found:
        key = normalise(m.term)
        longer = [k for k in keys if k != key and re.search(rf"\b{re.escape(key)}\b", k)]
        if longer and sum(keys[k].count for k in longer) >= m.count:
            continue
        out.append(m)
    return out
