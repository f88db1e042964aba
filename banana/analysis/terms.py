"""The term an explainer segment explains, read from how it is asked for ("can you
explain autoencoder neural networks in English please?")."""

from __future__ import annotations

import re

from banana.analysis.words import STOPWORDS, normalise

_APOSTROPHE = re.compile(r"(?<=\w)['’‘](?=\w)")

_TERM_PATTERNS = [
    re.compile(r"\bexplain(?: to (?:us|me|everyone)| for (?:us|me))?(?: what)?(?: (?:an?|the))?"
               r" (?P<term>[^.?!,;:]{2,80}?)(?: to (?:us|me|everyone))? in (?:plain )?english\b"),
    re.compile(r"\bwhat (?:is|are|s|exactly is)(?: (?:an?|the))? (?P<term>[^.?!,;:]{2,80}?)"
               r"(?:[.?!,;:]| in (?:plain )?english\b|$)"),
    re.compile(r"\bexplain(?: what)?(?: (?:an?|the))? (?P<term>[^.?!,;:]{2,80}?)(?:[.?!,;:]|$)"),
    re.compile(r"\b(?P<term>[^.?!,;:]{2,60}?) in (?:plain )?english please\b"),
]
_TERM_EDGE = re.compile(r"^(?:so|and|can you|could you|please|our|the|a|an|what|is|are)\s+|"
                        r"\s+(?:please|for us|to us|again|exactly|really|is|are)$")
TERM_MAX_WORDS = 6


def explained_term(text: str) -> str | None:
    """The term an explainer segment explains, from how it is asked for ("can you
    explain autoencoder neural networks in English please?", "what is a generative
    adversarial network? In English, please.")."""
    lowered = _APOSTROPHE.sub("'", text.lower())
    for pattern in _TERM_PATTERNS:
        for m in pattern.finditer(lowered):
            term = m.group("term").strip(" \"'“”‘’-")
            previous = None
            while previous != term:
                previous = term
                term = _TERM_EDGE.sub("", term).strip(" \"'“”‘’-")
            words = term.split()
            if not words or len(words) > TERM_MAX_WORDS:
                continue
            if all(w in STOPWORDS for w in normalise(term).split()):
                continue
            if "english" in words or "in english please" in term:
                continue
            return term
    return None

