"""Topic titles from key phrases: frequent in the topic, rare in the episode's other
topics, preferably named in the episode's title or intro and at the topic's start."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from typing import Iterable, Sequence
import re

from banana.analysis.words import STOPWORDS, normalise, split_sentences, stem
from banana.transcript import Transcript

TITLE_MAX_PHRASES = 2
TITLE_OPENING_WORDS = 120  # a topic's key phrase is often said in its first words
TITLE_MAX_RATIO = 10.0  # cap on how much rarer elsewhere makes a phrase more of a title
TITLE_SECOND_SHARE = 0.35  # a second phrase joins the title when it scores this much of the first

# Words that do not title a topic on their own (common verbs, adjectives and nouns of
# conversation); they still count inside a phrase ("data science", "model drift").
TITLE_GENERIC = frozenset("""
able absolutely access add advice agree ahead amazing answer approach argue argument aspect
bad bar bigger biggest bill bit boring bring build building built bunch buy called care case
cases cause change changed check choice choose clear close cool correct cost couple crazy
curious cut data deal decide decision deep definitely depend detail develop difference
difficult easier easily end especially exact example expect experience explain fair fake
false famous fast faster favorite feature fight fine fix focus follow forget form free friend
fun funny future general generally give goal google great group grow guess half happy hear
heard help high highly huge human idea imagine important information interest interested
issue job join key kid large late learn learned learning level life light line list listen
live lot love low main mark matter measure mention mind minute mode model models moment month
move multiple name natural nice normal number numbers obvious obviously open opinion order
past pay perfect pick piece plan play plus point possible power practice pretty private
probably problem problems process public push question questions quick quickly read ready
real reality reason record relate relevant rely remember response result rest risk run safe
saw scale science score send sense serious set short side simple simply single situation
size small smart solve sound source space speak specific spend stand stay step stick still
story strong sudden super support sure system table takeaway team term test thank thousand
tool top topic track train trick turn type understand value version view watch week
weird wonder word work world worry worth write wrong yeah year
""".split())
# verbs and adjectives that do not end or start a title phrase
TITLE_GENERIC_END = frozenset("""
add agree answer bad big build change check come correct easy fine free good great happen
help high hit large learn like little long love make need nice read real run send small
solve start stay stuck take talk tell think train try understand use want watch work write
""".split())


_WORD = re.compile(r"[A-Za-z][\w.+#'’-]*[\w+#]|[A-Za-z]")


def _phrases_of(text: str) -> Iterable[tuple[str, str]]:
    """(key, surface) for every 1-3 word phrase without stopwords at its edges."""
    for sentence in split_sentences(text):
        words = [w for w in _WORD.findall(sentence)]
        norm = [normalise(w) for w in words]
        for i in range(len(words)):
            for size in (1, 2, 3):
                if i + size > len(words):
                    break
                chunk = norm[i:i + size]
                if chunk[0] in STOPWORDS or chunk[-1] in STOPWORDS:
                    continue
                if any(not c or c.isdigit() or len(c) < 3 and size == 1 for c in chunk):
                    continue
                if size == 3 and chunk[1] in STOPWORDS and chunk[1] not in ("of", "and"):
                    continue
                if size == 2 and chunk[1] in STOPWORDS:
                    continue
                key = " ".join(stem(c) for c in chunk)
                yield key, " ".join(words[i:i + size])


def _surface(forms: Counter) -> str:
    """The most common spelling; a lower-case one when the word is not a name."""
    best = forms.most_common(1)[0][0]
    lower = sum(v for f, v in forms.items() if f == f.lower())
    if lower * 2 >= sum(forms.values()):
        best = max((f for f in forms if f == f.lower()), key=lambda f: forms[f])
    return best


def topic_titles(transcript: Transcript, ranges: Sequence[tuple[int, int]],
                 *, context_turns: Sequence[int] = ()) -> list[str]:
    """A short title per range of turns from its key phrases: frequent in the range,
    rare in the episode's other topics, and preferably named in the episode's title or
    intro (``context_turns``) and at the range's start, where hosts introduce a topic."""
    utts = transcript.utterances
    counts: list[Counter] = []
    forms: dict[str, Counter] = defaultdict(Counter)
    opening: list[set[str]] = []
    for first, last in ranges:
        c: Counter = Counter()
        seen_open: set[str] = set()
        budget = 0
        for t in range(first, last + 1):
            for key, surface in _phrases_of(utts[t].text):
                c[key] += 1
                forms[key][surface] += 1
                if budget < TITLE_OPENING_WORDS:
                    seen_open.add(key)
            budget += len(utts[t].text.split())
        counts.append(c)
        opening.append(seen_open)
    total: Counter = Counter()
    for c in counts:
        total.update(c)
    context: set[str] = set()
    for text in [transcript.title] + [utts[t].text for t in context_turns]:
        for key, _ in _phrases_of(text):
            context.add(key)
    titles = []
    for idx, c in enumerate(counts):
        picked = _key_phrases(c, total, opening[idx], context, len(ranges))
        if not picked:
            titles.append("Discussion")
            continue
        title = " and ".join(_surface(forms[key]) for key in picked)
        titles.append(title[0].upper() + title[1:])
    return titles


def _key_phrases(c: Counter, total: Counter, opening: set[str], context: set[str],
                 n_ranges: int) -> list[str]:
    effective = Counter()
    for key, tf in c.items():
        words = key.split()
        if len(words) == 1 and (key in TITLE_GENERIC or len(key) < 3):
            continue
        if len(words) > 1 and (words[-1] in TITLE_GENERIC_END or words[0] in TITLE_GENERIC_END):
            continue
        effective[key] = tf
    # a word mostly said inside a phrase ("synthetic" in "synthetic data") gives way to it
    for key, tf in list(effective.items()):
        words = key.split()
        if len(words) == 1:
            continue
        for w in words:
            if w in effective and tf >= 0.5 * c[w]:
                effective[w] -= tf
    scored = []
    for key, tf in effective.items():
        if tf < 2 and not (tf >= 1 and key in context):
            continue
        outside = total[key] - c[key]
        ratio = min((c[key] + 0.5) / (outside + 0.5) * n_ranges, TITLE_MAX_RATIO)
        score = tf * (1 + math.log1p(ratio))
        if len(key.split()) > 1:
            score *= 1.3
        if key in opening:
            score *= 1.3
        if key in context:
            score *= 3
        scored.append((score, key))
    scored.sort(key=lambda x: (-x[0], x[1]))
    picked: list[tuple[float, str]] = []
    for score, key in scored:
        words = set(key.split())
        if any(words & set(k.split()) for _, k in picked):
            continue
        if picked and score < TITLE_SECOND_SHARE * picked[0][0]:
            break
        picked.append((score, key))
        if len(picked) == TITLE_MAX_PHRASES:
            break
    return [k for _, k in picked]

