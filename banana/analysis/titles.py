"""Topic titles: the noun phrase that names what a topic is about.

Candidates are phrases of one to three content words said in the topic (no stopword at
either end, none inside but "of"; "model drift", "data science", "Game of Thrones"). A
phrase scores by how often the topic says it, times how distinctive it is: against the
show's archive (inverse document frequency over the library's episodes, ``Archive``)
when there is one, and against the episode's other topics either way; phrases named at
the topic's start, in the episode's title or intro score more, and a phrase of several
words more than a single word. The title is the single best phrase (a pair of keywords
named nothing), at most TITLE_MAX_CHARS long, and no two chapters of an episode share a
title: a later one takes its next best phrase.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from banana.analysis.words import STOPWORDS, normalise, split_sentences, stem
from banana.transcript import Transcript

TITLE_OPENING_WORDS = 120  # a topic's key phrase is often said in its first words
TITLE_MAX_RATIO = 10.0  # cap on how much rarer elsewhere makes a phrase more of a title
TITLE_MAX_CHARS = 38  # under YouTube's 40-character chapter titles
ARCHIVE_MIN_EPISODES = 5  # fewer archived episodes tell nothing about distinctiveness
MULTIWORD_BONUS = 1.6  # a phrase of several words names a subject better than one word
_ADJECTIVE_END = re.compile(r"-(?:based|like|related|driven|powered|style|first|specific)$", re.I)


@dataclass(frozen=True)
class Archive:
    """How many of a show's episodes say each word (stemmed): what is ordinary on this
    show ("data" on a data show) and what is distinctive."""

    episodes: int
    frequency: Mapping[str, int]

    def idf(self, key: str) -> float:
        """Inverse document frequency of a phrase key: its rarest word's."""
        return max(math.log((self.episodes + 1) / (self.frequency.get(w, 0) + 1)) + 1.0
                   for w in key.split())


def archive_of(transcripts: Iterable[Transcript]) -> Archive:
    """The archive statistics of a set of episodes."""
    frequency: Counter = Counter()
    episodes = 0
    for transcript in transcripts:
        episodes += 1
        frequency.update({stem(w) for u in transcript.utterances for w in normalise(u.text).split()})
    return Archive(episodes, dict(frequency))

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
                if size == 3 and chunk[1] in STOPWORDS and chunk[1] != "of":
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
                 *, context_turns: Sequence[int] = (), archive: Archive | None = None,
                 taken: Iterable[str] = (), people: Iterable[str] = ()) -> list[str]:
    """A title per range of turns (see the module docstring); ``taken`` are titles the
    episode's other chapters already have; ``people`` (speakers, hosts, the show's name)
    never title a chapter."""
    names = {stem(w) for p in people for w in normalise(p).split()}
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
    if archive is not None and archive.episodes < ARCHIVE_MIN_EPISODES:
        archive = None
    used = {t.lower() for t in taken}
    titles = []
    for idx, c in enumerate(counts):
        title = "Discussion"
        for key in _ranked(c, total, opening[idx], context, len(ranges), archive):
            if any(w in names for w in key.split()):
                continue
            surface = _surface(forms[key])
            if _ADJECTIVE_END.search(surface):
                continue
            candidate = surface[0].upper() + surface[1:]
            if len(candidate) <= TITLE_MAX_CHARS and candidate.lower() not in used:
                title = candidate
                break
        if title == "Discussion" and title.lower() in used:
            title = f"Discussion {idx + 1}"
        used.add(title.lower())
        titles.append(title)
    return titles


def _ranked(c: Counter, total: Counter, opening: set[str], context: set[str],
            n_ranges: int, archive: Archive | None) -> list[str]:
    """The range's phrase keys, best title first."""
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
        if archive is not None:
            score *= archive.idf(key)
        if len(key.split()) > 1:
            score *= MULTIWORD_BONUS
        if key in opening:
            score *= 1.3
        if key in context:
            score *= 3
        scored.append((score, key))
    scored.sort(key=lambda x: (-x[0], x[1]))
    return [k for _, k in scored]
