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
# where a term ends in text without punctuation (whisper): before the words that follow
# a term in a request ("... embeddings will, take it away", "... leakage for us")
_END = (r"(?=[.?!,;:]|\s+(?:will|so|and|please|for|in|can|could|take|right|now|then|who|which|"
        r"that|it|its|it's|is|are|minus|without|but|today|this|okay|ok|alright|all|yeah|yes|"
        r"well|um|uh|imagine|basically|think|you|we|i|let|lets|let's|go|sure)\b|\s*$)")
_TERM_EDGE = re.compile(r"^(?:so|and|can you|could you|please|our|the|a|an|what|is|are)\s+|"
                        r"\s+(?:please|for us|to us|again|exactly|really|is|are)$")
TERM_MAX_WORDS = 6


@lru_cache(maxsize=64)
def _patterns(cues: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    """Requests for a term, most specific first; ``cues`` may close a request."""
    names = [re.escape(_APOSTROPHE.sub("'", c.lower())) for c in cues]
    closing = r"(?:plain english" + "".join(f"|{n}" for n in names) + ")"
    return (
        re.compile(r"\b(?:today'?s|todays|this week'?s|the|our) (?:word|term|concept|topic)"
                   rf"(?: (?:of the day|today|this week))? (?:is|will be) (?:an? |the )?{_TERM}{_END}"),
        re.compile(rf"\bwhat does (?:an? |the )?{_TERM} (?:mean|stand for)\b"),
        re.compile(r"\b(?:break|breaking) down (?:what )?(?:an? |the )?"
                   rf"{_TERM}(?: for (?:us|me|everyone))?{_END}"),
        re.compile(r"(?:^|[.?!,;:]\s*)(?P<term>[a-z][\w'-]*(?: [a-z][\w'-]*){0,4}?)[.?!,]?\s+"
                   r"what (?:is|are) (?:it|that|they|those)\b"),
        re.compile(r"\bexplain(?: to (?:us|me|everyone)| for (?:us|me))?(?: what)?(?: (?:an?|the))?"
                   rf" {_TERM}(?: to (?:us|me|everyone))?,? (?:in )?{closing}\b"),
        re.compile(rf"\bwhat (?:is|are|s|exactly is)(?: (?:an?|the))? {_TERM}"
                   rf"(?:[.?!,;:]|,? (?:in )?{closing}\b|$)"),
        re.compile(rf"\bexplain(?: what)?(?: (?:an?|the))? {_TERM}(?:[.?!,;:]|$)"),
        re.compile(rf"\b(?P<term>[^.?!,;:]{{2,60}}?),? (?:in )?{closing}\b"),
    )


def explained_term(text: str, *, cues: Sequence[str] = (),
                   names: Sequence[str] = ()) -> str | None:
    """The term asked for in ``text`` (the opening of an explainer segment whose cue
    phrases are ``cues``), or None. ``names`` are the people talking: a request that
    opens by addressing one ("Leo, collaborative filtering...") does not make the name
    part of the term."""
    lowered = _APOSTROPHE.sub("'", text.lower())
    own = [normalise(c) for c in cues if normalise(c)]
    addressed = {part for n in names for part in normalise(n).split()}
    for pattern in _patterns(tuple(cues)):
        for m in pattern.finditer(lowered):
            term = m.group("term").strip(" \"'“”‘’-")
            while term.split() and term.split()[0] in addressed:
                term = term.split(" ", 1)[1] if " " in term else ""
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
