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

import math
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
UNPUNCTUATED_WORDS = 45  # explanation taken from whisper text without sentence punctuation

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
# words that open a sentence before a name ("So Google...", "I'm The New York Times")
_LEADING = frozenset("""
the a an and so but or if when yeah yes no oh okay ok well now then also like just hey hi
right sure because even maybe actually basically this that these those my our your their
""".split())
# places and peoples: capitalised, but not tools, methods or companies
_PLACES = frozenset("""
africa america american americans asia australia australian brazil canada chinese china
europe european france french germany german india indian ireland italy japan japanese
london mexico new york paris russia russian san francisco spain spanish uk united states
us usa west western westerner east eastern north south silicon valley seattle boston
california texas atlanta arabic english latin
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
        if seg.kind != "explainer" or not seg.term:
            continue
        speaker = _explaining_speaker(transcript, seg)
        out.append(GlossaryEntry(term=seg.term,
                                 explanation=explanation(transcript, seg, seg.term, speaker=speaker),
                                 episode=episode, speaker=speaker, start=seg.start))
    return out


def _names(transcript: Transcript, skip_turns: set[int], profile: Profile,
           vocabulary: set[str]) -> dict[str, list]:
    """Capitalised names (not sentence-initial, unless seen mid-sentence too or in the
    vocabulary) → [(turn, surface)] in order."""
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
            leading = 0
            while words and (normalise(words[0]) in _LEADING or normalise(words[0]) in _NOT_NAMES):
                words = words[1:]  # "I'm The New York Times" → "New York Times"
                leading += 1
            while words and normalise(words[-1]) in _NOT_NAMES:
                words = words[:-1]
            if not words or all(normalise(w) in STOPWORDS for w in words):
                continue
            surface = " ".join(words)
            key = normalise(surface)
            if not key or key in people or all(w in people or w in _PLACES for w in key.split()):
                continue
            if len(key) < 2 or key.isdigit():
                continue
            starts_sentence = bool(_SENTENCE_START.search(u.text[:m.start()])) and not leading
            distinctive = len(words) >= 2 or any(re.search(r"[a-z][A-Z]|[A-Z]{2}|\d", w) for w in words)
            if starts_sentence and not distinctive:
                initial[key].append((t, surface))
            else:
                found[key].append((t, surface))
    for key, places in initial.items():
        if key in found or key in vocabulary:
            found[key] = sorted(found.get(key, []) + places)
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
    for key, found in _names(transcript, skip, profile, set(places)).items():
        merged = places.get(key, []) + found
        places[key] = sorted(merged)
    for key in list(places):
        if len(key) > 4 and key.endswith("s") and key[:-1] in places \
                and not any(f.isupper() for _, f in places[key]):  # "the Googles" is Google
            places[key[:-1]] = sorted(places[key[:-1]] + places.pop(key))
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
