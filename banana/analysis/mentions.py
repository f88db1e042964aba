"""Mentions: the tools, methods and companies named outside the explainer segments,
each with the first time it is said: the show profile's technical vocabulary (found in
any transcript, whisper output included) plus capitalised names such as "TensorFlow",
"Stack Overflow" or "AWS" (only where the transcript has case).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any, Sequence

from banana.analysis.doc import Doc
from banana.analysis.profile import EXPLAINS, Profile
from banana.analysis.segments import Segment
from banana.analysis.words import STOPWORDS, cue_pattern, normalise
from banana.transcript import Transcript

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
    skip = {t for s in segments if s.role == EXPLAINS for t in s.turns}
    explained = {normalise(s.term) for s in segments if s.role == EXPLAINS and s.term}
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
