"""The term an explainer segment explains, read from how it is asked for ("can you
explain autoencoder neural networks in English please?", "what is a generative
adversarial network?"). The segment's own cue phrases (its name, "In English
Please" on the home show, "explain like I'm five" on another) are never the term,
and a request may end with one ("... in English please")."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from banana.analysis.words import STOPWORDS, normalise

_APOSTROPHE = re.compile(r"(?<=\w)['’‘](?=\w)")
_TERM = r"(?P<term>[^.?!,;:]{2,80}?)"
_TERM_EDGE = re.compile(r"^(?:so|and|can you|could you|please|our|the|a|an|what|is|are)\s+|"
                        r"\s+(?:please|for us|to us|again|exactly|really|is|are)$")
TERM_MAX_WORDS = 6


@lru_cache(maxsize=64)
def _patterns(cues: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    """Requests for a term, most specific first; ``cues`` may close a request."""
    names = [re.escape(_APOSTROPHE.sub("'", c.lower())) for c in cues]
    closing = r"(?:plain english" + "".join(f"|{n}" for n in names) + ")"
    return (
        re.compile(r"\bexplain(?: to (?:us|me|everyone)| for (?:us|me))?(?: what)?(?: (?:an?|the))?"
                   rf" {_TERM}(?: to (?:us|me|everyone))?,? (?:in )?{closing}\b"),
        re.compile(rf"\bwhat (?:is|are|s|exactly is)(?: (?:an?|the))? {_TERM}"
                   rf"(?:[.?!,;:]|,? (?:in )?{closing}\b|$)"),
        re.compile(rf"\bexplain(?: what)?(?: (?:an?|the))? {_TERM}(?:[.?!,;:]|$)"),
        re.compile(rf"\b(?P<term>[^.?!,;:]{{2,60}}?),? (?:in )?{closing}\b"),
    )


def explained_term(text: str, *, cues: Sequence[str] = ()) -> str | None:
    """The term asked for in ``text`` (the opening of an explainer segment whose cue
    phrases are ``cues``), or None."""
    lowered = _APOSTROPHE.sub("'", text.lower())
    own = [normalise(c) for c in cues if normalise(c)]
    for pattern in _patterns(tuple(cues)):
        for m in pattern.finditer(lowered):
            term = m.group("term").strip(" \"'“”‘’-")
            previous = None
            while previous != term:
                previous = term
                term = _TERM_EDGE.sub("", term).strip(" \"'“”‘’-")
            words = term.split()
            if not words or len(words) > TERM_MAX_WORDS:
                continue
            key = normalise(term)
            if all(w in STOPWORDS for w in key.split()):
                continue
            if any(key in c or c in key for c in own):
                continue  # the segment's own name, not what it explains
            return term
    return None
