"""An extractive summary: sentences chosen from the episode, never written.

Sentences are ranked by centrality (TextRank: PageRank over a graph whose edges
are the TF-IDF cosine similarities between sentences), then picked so that the
summary covers the episode: the most central sentence of each discussion
segment first, then the next most central ones that do not repeat a sentence
already chosen (maximal marginal relevance). The chosen sentences come back in
episode order, verbatim, with the time they were said.

Pure Python; the similarity graph is built through an inverted index, so only
sentence pairs that share a word are compared (an hour of talk is well under a
second).
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from banana.analysis.segments import Segment
from banana.analysis.words import content_tokens, normalise, split_sentences
from banana.transcript import Transcript

DEFAULT_SENTENCES = 3
DEFAULT_MAX_CHARS = 600  # characters of summary text, all sentences together
MIN_SENTENCE_WORDS = 8  # shorter sentences are chit-chat ("On her laptop.")
MAX_SENTENCE_WORDS = 45  # longer ones are rambles that read badly out of context
MIN_CONTENT_TOKENS = 3
DAMPING = 0.85  # PageRank damping factor
ITERATIONS_MAX = 100
TOLERANCE = 1e-9
REDUNDANCY_MAX = 0.35  # a sentence this similar to one already chosen is skipped
# Show furniture that says nothing about the episode ("You're listening to ...").
BOILERPLATE = re.compile(
    r"\b(?:you(?:'|’)?re listening to|you are listening to|welcome (?:back )?to|i(?:'|’)?m your host|"
    r"thanks? (?:you )?for (?:listening|tuning in|having me)|subscribe|rate and review|"
    r"show notes)\b", re.IGNORECASE)
# Segment kinds whose sentences can be summary sentences: the episode's talk, not its
# recurring furniture (the glossary and the teaser have their own parts of the notes).
SUMMARY_KINDS = ("intro", "topic")


@dataclass(frozen=True)
class Sentence:
    """One sentence of the episode, as spoken."""

    text: str
    turn: int  # 0-based utterance index
    start: float  # seconds, interpolated within the utterance by word position
    speaker: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "turn": self.turn, "start": round(self.start, 3),
                "speaker": self.speaker}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Sentence:
        return cls(text=str(data["text"]), turn=int(data["turn"]), start=float(data["start"]),
                   speaker=data.get("speaker"))


def sentences(transcript: Transcript, turns: Iterable[int] | None = None) -> list[Sentence]:
    """Every sentence of the given turns (all turns by default), in order."""
    utts = transcript.utterances
    chosen = range(len(utts)) if turns is None else sorted(set(turns))
    out = []
    for turn in chosen:
        u = utts[turn]
        total = max(u.word_count, 1)
        done = 0
        for text in split_sentences(u.text):
            start = round(u.start + (u.end - u.start) * done / total, 3)
            out.append(Sentence(text=text, turn=turn, start=start, speaker=u.speaker))
            done += len(text.split())
    return out


def _tfidf(token_lists: Sequence[list[str]]) -> list[dict[str, float]]:
    df: Counter[str] = Counter()
    for tokens in token_lists:
        df.update(set(tokens))
    n = len(token_lists)
    vectors = []
    for tokens in token_lists:
        tf = Counter(tokens)
        vec = {t: (1 + math.log(c)) * math.log((1 + n) / (1 + df[t])) for t, c in tf.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        vectors.append({t: v / norm for t, v in vec.items()})
    return vectors


def _similarities(vectors: Sequence[dict[str, float]]) -> list[dict[int, float]]:
    """Sparse cosine similarity graph (vectors are unit length), through an inverted index."""
    postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for i, vec in enumerate(vectors):
        for t, w in vec.items():
            postings[t].append((i, w))
    graph: list[dict[int, float]] = [defaultdict(float) for _ in vectors]
    for entries in postings.values():
        for a in range(len(entries)):
            i, wi = entries[a]
            for b in range(a + 1, len(entries)):
                j, wj = entries[b]
                graph[i][j] += wi * wj
                graph[j][i] += wi * wj
    return [dict(g) for g in graph]


def centrality(graph: Sequence[dict[int, float]]) -> list[float]:
    """Weighted PageRank scores of a similarity graph (they sum to 1)."""
    n = len(graph)
    if n == 0:
        return []
    out_weight = [sum(edges.values()) for edges in graph]
    score = [1.0 / n] * n
    for _ in range(ITERATIONS_MAX):
        dangling = sum(score[i] for i in range(n) if out_weight[i] == 0)
        new = [(1 - DAMPING) / n + DAMPING * dangling / n] * n
        for i, edges in enumerate(graph):
            if out_weight[i] == 0:
                continue
            share = DAMPING * score[i] / out_weight[i]
            for j, w in edges.items():
                new[j] += share * w
        delta = sum(abs(a - b) for a, b in zip(new, score))
        score = new
        if delta < TOLERANCE:
            break
    return score


# A sentence that opens with one of these leans on the one before ("So that...", "It
# does...", "Yeah, and..."): out of context it does not stand alone.
DANGLING = re.compile(
    r"^(?:so|and|but|or|yeah|yes|no|well|okay|ok|right|exactly|also|because|which|then|"
    r"it|it's|its|that|that's|this|these|those|they|they're|he|she|we|we're|there|"
    r"here|like|i mean|um|uh|oh|plus|actually|anyway)\b", re.IGNORECASE)


def _candidate(sentence: Sentence, tokens: list[str], cased: bool = True) -> bool:
    words = len(sentence.text.split())
    text = sentence.text.strip()
    return (MIN_SENTENCE_WORDS <= words <= MAX_SENTENCE_WORDS
            and len(set(tokens)) >= MIN_CONTENT_TOKENS
            and not text.endswith("?")
            and not DANGLING.search(text.lstrip("\"“'‘(["))
            and (text[:1].isupper() or not cased)  # starts a sentence, not a fragment
            and not BOILERPLATE.search(text))


def summarise(transcript: Transcript, *, segments: Sequence[Segment] = (),
              sentences_max: int = DEFAULT_SENTENCES, max_chars: int = DEFAULT_MAX_CHARS,
              kinds: Sequence[str] = SUMMARY_KINDS) -> list[Sentence]:
    """Up to ``sentences_max`` sentences of the episode (at most ``max_chars`` characters
    together), in episode order. ``segments`` restrict the choice to the ``kinds`` given and spread it over the
    discussion segments; without them every turn is eligible."""
    if segments:
        groups = [range(s.first_turn, s.last_turn + 1) for s in segments if s.kind in kinds]
        if not groups:  # a show whose profile has no intro or topics: use everything
            groups = [range(len(transcript.utterances))]
    else:
        groups = [range(len(transcript.utterances))]
    every = sentences(transcript)
    tokens = [content_tokens(normalise(s.text)) for s in every]
    eligible = {t for g in groups for t in g}
    cased = any(ch.isupper() for u in transcript.utterances[:50] for ch in u.text)
    index = [i for i, s in enumerate(every) if s.turn in eligible and _candidate(s, tokens[i], cased)]
    if not index:
        return []
    # idf from every sentence of the episode; the graph over the candidates only
    vectors_all = _tfidf(tokens)
    vectors = [vectors_all[i] for i in index]
    graph = _similarities(vectors)
    score = centrality(graph)
    group_of = {}
    for g_no, g in enumerate(groups):
        for t in g:
            group_of.setdefault(t, g_no)
    ranked = sorted(range(len(index)), key=lambda k: (-score[k], k))
    chosen: list[int] = []
    used_chars = 0

    def fits(k: int) -> bool:
        if any(graph[k].get(c, 0.0) > REDUNDANCY_MAX for c in chosen):
            return False
        return used_chars + len(every[index[k]].text) + (1 if chosen else 0) <= max_chars

    # first pass: the most central sentence of each group, biggest groups first
    best_in_group: dict[int, int] = {}
    for k in ranked:
        best_in_group.setdefault(group_of[every[index[k]].turn], k)
    for k in sorted(best_in_group.values(), key=lambda k: -score[k]):
        if len(chosen) >= sentences_max:
            break
        if fits(k):
            chosen.append(k)
            used_chars += len(every[index[k]].text) + (1 if len(chosen) > 1 else 0)
    # second pass: fill up with the most central sentences left
    for k in ranked:
        if len(chosen) >= sentences_max:
            break
        if k not in chosen and fits(k):
            chosen.append(k)
            used_chars += len(every[index[k]].text) + (1 if len(chosen) > 1 else 0)
    return [every[index[k]] for k in sorted(chosen)]
