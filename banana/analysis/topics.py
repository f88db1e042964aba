"""Topic segmentation: where the discussion between named segments changes subject.

The default method (``"dcm"``) is an optimal partition (dynamic programming over
runs of turns) that maximises the likelihood of each topic's words under a
Dirichlet-compound-multinomial model — the model of BayesSeg (Eisenstein & Barzilay,
2008): a topic draws its own word distribution from a symmetric Dirichlet prior
(``alpha``), so words a topic repeats ("bursty" words) count for it, and a word said
everywhere counts for nothing. Each extra topic costs ``penalty × log(words in the
region)`` nats (a description-length prior: its cost grows with what it must
explain, never a fixed count of topics), reduced at a turn that announces a shift
("our next topic", "I want to ask you about..."). The number of topics follows from
the episode.

The ``"questions"`` method is for interviews, where a chapter starts at the host's next
question: each turn gets the probability that a chapter starts there from a logistic model
of what the turn is (another speaker's question, by the episode's main asker, opening with
"so" / "let's talk about", after a long answer) and how new the words that follow are
against the words before. Its weights were fitted on hand-annotated development episodes
(``python bench/fit_topic_questions.py``, never on the reported ones); a chapter starts at
each turn with a probability of at least QUESTION_THRESHOLD, at most one in QUESTION_GAP
turns, best first. A transcript without speakers (whisper's) is split by ``dcm`` instead:
nobody is seen asking. A show's profile chooses it (``[topics] method = "questions"``): it finds
an interview's chapters better than ``dcm`` (annotated episodes Pk 0.31 against 0.38) but
splits at every new question, so on documents stitched from different episodes, where the
questions inside a piece are no boundary, it does badly (bench/README.md, "Topics").

The settings were chosen leave-one-show-out on five real shows (documents stitched
from different episodes, and hand-annotated episodes; ``python bench/bench_topics.py``
prints each show's figures with the settings chosen on the other four). The older
Utiyama & Isahara multinomial partition (``"partition"``) and a TextTiling-style
method (``"tiling"``) are kept for that comparison.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from banana.analysis.doc import Doc

METHODS = ("dcm", "questions", "partition", "tiling")
DEFAULT_METHOD = "dcm"

MIN_TOPIC_WORDS = 200  # no topic shorter than this is split off
UNIT_MIN_WORDS = 25  # turns are grouped into units at least this long for topic segmentation
MAX_TOPIC_WORDS = 5000  # no topic considered is longer than this (about half an hour of talk)
PARTITION_PENALTY = 16.0  # "partition": cost of one more topic, × log(words in the region)
SHIFT_BONUS = 0.55  # fraction of the penalty waived at a turn that says "our next topic"
TILING_WINDOW_TOKENS = 60  # content words compared either side of a gap (TextTiling style)


@dataclass(frozen=True)
class TopicSettings:
    """The parameters of the ``dcm`` method (see the module docstring)."""

    penalty: float = 1.0  # cost of one more topic, × log(content words in the region)
    alpha: float = 1.0  # symmetric Dirichlet prior of a topic's word distribution
    min_topic_words: int = MIN_TOPIC_WORDS
    shift_bonus: float = SHIFT_BONUS


# Chosen on all five shows of bench/bench_topics.py (leave-one-show-out figures there).
DEFAULT_SETTINGS = TopicSettings(penalty=2.0)


def _units(doc: Doc, first: int, last: int) -> list[tuple[int, int]]:
    """Turns first..last grouped into (first, last) units of at least UNIT_MIN_WORDS."""
    units: list[tuple[int, int]] = []
    start = first
    words = 0
    for turn in range(first, last + 1):
        words += doc.words[turn]
        if words >= UNIT_MIN_WORDS:
            units.append((start, turn))
            start, words = turn + 1, 0
    if start <= last:
        if units and words < UNIT_MIN_WORDS:
            units[-1] = (units[-1][0], last)
        else:
            units.append((start, last))
    return units


def _unit_tokens(doc: Doc, units: list[tuple[int, int]]) -> list[list[str]]:
    return [[tok for t in range(a, b + 1) for tok in doc.tokens[t]] for a, b in units]


def _partition(doc: Doc, units: list[tuple[int, int]], *,
               min_first_words: int = MIN_TOPIC_WORDS) -> list[int]:
    """Unit indexes where topics start (besides 0): the segmentation maximising the
    Laplace-smoothed multinomial likelihood of each topic's words (Utiyama & Isahara),
    ``Σ_w c_w·log(c_w + 1) − n·log(n + V)`` up to terms every partition shares, minus
    a per-topic penalty that is smaller at a turn announcing a topic shift."""
    tokens = _unit_tokens(doc, units)
    vocabulary = max(len({w for ts in tokens for w in ts}), 1)
    n_tokens = sum(len(ts) for ts in tokens)
    g = [c * math.log(c + 1) for c in range(n_tokens + 2)]
    return _best_partition(
        doc, units, tokens,
        gain=[g[c + 1] - g[c] for c in range(n_tokens + 1)],
        closing=[-n * math.log(n + vocabulary) for n in range(n_tokens + 1)],
        penalty=PARTITION_PENALTY * math.log(max(doc.words_between(units[0][0], units[-1][1]), 2)),
        shift_bonus=SHIFT_BONUS, min_first_words=min_first_words,
        min_topic_words=MIN_TOPIC_WORDS)


def _dcm(doc: Doc, units: list[tuple[int, int]], *, min_first_words: int = MIN_TOPIC_WORDS,
         settings: TopicSettings = DEFAULT_SETTINGS) -> list[int]:
    """Unit indexes where topics start (besides 0): the partition maximising the sum of
    each topic's Dirichlet-compound-multinomial log-likelihood minus a per-topic
    penalty (smaller at a turn that announces a shift). A topic's log-likelihood,
    up to terms every partition shares, is
    ``lgamma(V·α) − lgamma(n + V·α) + Σ_w Σ_{k<c_w} log(k + α)``."""
    tokens = _unit_tokens(doc, units)
    vocabulary = len({w for ts in tokens for w in ts}) or 1
    alpha = settings.alpha
    prior = vocabulary * alpha
    log_prior = math.lgamma(prior)
    n_tokens = sum(len(ts) for ts in tokens)
    return _best_partition(
        doc, units, tokens,
        gain=[math.log(k + alpha) for k in range(n_tokens + 1)],
        closing=[log_prior - math.lgamma(n + prior) for n in range(n_tokens + 1)],
        penalty=settings.penalty * math.log(max(n_tokens, 2)),
        shift_bonus=settings.shift_bonus, min_first_words=min_first_words,
        min_topic_words=settings.min_topic_words)


def _best_partition(doc: Doc, units: list[tuple[int, int]], tokens: list[list[str]], *,
                    gain: list[float], closing: list[float], penalty: float,
                    shift_bonus: float, min_first_words: int,
                    min_topic_words: int) -> list[int]:
    """The optimal partition of ``units`` by dynamic programming, for a topic score
    that is a sum over its words plus a term of its length: the c-th repeat of a word
    adds ``gain[c]``, a topic of n tokens adds ``closing[n]``, every topic after the
    first costs ``penalty`` (``× (1 − shift_bonus)`` where its first turn announces a
    shift). A topic grows one unit at a time, so each start is scored in one pass;
    none is longer than MAX_TOPIC_WORDS, none but the last shorter than its minimum."""
    unit_words = [doc.words_between(a, b) for a, b in units]
    shift = [doc.shifts(a) for a, _ in units]
    u = len(units)
    best = [-math.inf] * (u + 1)
    back = [0] * (u + 1)
    best[0] = 0.0
    for i in range(u):
        if best[i] == -math.inf:
            continue
        counts: dict[str, int] = defaultdict(int)
        acc = 0.0
        n = 0
        words = 0
        cost = 0.0 if i == 0 else penalty * (1 - shift_bonus if shift[i] else 1.0)
        shortest = min_first_words if i == 0 else min_topic_words
        for j in range(i, u):
            for w in tokens[j]:
                c = counts[w]
                acc += gain[c]
                counts[w] = c + 1
            n += len(tokens[j])
            words += unit_words[j]
            if words > MAX_TOPIC_WORDS:
                break
            if words < shortest and not (i == 0 and j == u - 1):
                continue
            score = best[i] + acc + closing[n] - cost
            if score > best[j + 1]:
                best[j + 1] = score
                back[j + 1] = i
    return _starts(best, back, u)


def _starts(best: list[float], back: list[int], u: int) -> list[int]:
    """Segment starts (besides 0) from a partition's back-pointers."""
    if best[u] == -math.inf:
        return []
    starts = []
    j = u
    while j > 0:
        i = back[j]
        if i > 0:
            starts.append(i)
        j = i
    return sorted(starts)


def _cosine(a: Counter, b: Counter) -> float:
    if not a or not b:
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    dot = sum(v * b.get(w, 0) for w, v in a.items())
    return dot / math.sqrt(sum(v * v for v in a.values()) * sum(v * v for v in b.values()))


def _tiling(doc: Doc, units: list[tuple[int, int]], *,
            min_first_words: int = MIN_TOPIC_WORDS) -> list[int]:
    """Unit indexes where topics start: TextTiling-style block comparison at each unit
    gap, depth scores, boundaries where the depth beats mean + sd/2."""
    tokens = _unit_tokens(doc, units)
    flat = [(i, w) for i, ts in enumerate(tokens) for w in ts]
    starts_at = []
    pos = 0
    for ts in tokens:
        starts_at.append(pos)
        pos += len(ts)
    gaps = list(range(1, len(units)))
    if len(gaps) < 3:
        return []
    raw = []
    for gi in gaps:
        p = starts_at[gi]
        left = Counter(w for _, w in flat[max(p - TILING_WINDOW_TOKENS, 0):p])
        right = Counter(w for _, w in flat[p:p + TILING_WINDOW_TOKENS])
        raw.append(_cosine(left, right))
    smooth = [sum(raw[max(i - 1, 0):i + 2]) / len(raw[max(i - 1, 0):i + 2]) for i in range(len(raw))]
    depth = []
    for i, s in enumerate(smooth):
        lp, j = s, i
        while j > 0 and smooth[j - 1] >= lp:
            j -= 1
            lp = smooth[j]
        rp, j = s, i
        while j < len(smooth) - 1 and smooth[j + 1] >= rp:
            j += 1
            rp = smooth[j]
        depth.append((lp - s) + (rp - s))
    mean = sum(depth) / len(depth)
    sd = math.sqrt(sum((d - mean) ** 2 for d in depth) / len(depth))
    cutoff = mean + sd / 2
    unit_words = [doc.words_between(a, b) for a, b in units]
    chosen: list[int] = []
    for i in sorted(range(len(depth)), key=lambda i: -depth[i]):
        if depth[i] <= cutoff or depth[i] <= 0:
            break
        cand = gaps[i]
        trial = sorted(chosen + [cand])
        bounds = [0] + trial + [len(units)]
        if all(sum(unit_words[a:b]) >= (min_first_words if a == 0 else MIN_TOPIC_WORDS)
               for a, b in zip(bounds, bounds[1:])):
            chosen = trial
    return chosen


# --- "questions": a logistic model of where an interviewer's next chapter starts ------------------

NOVELTY_WINDOW_WORDS = 150  # content words compared before and after a turn
_OPENS_SUBJECT = re.compile(
    r"^\W*(?:so|okay|ok|alright|all right|now|well|let's|let me|speaking of|switching gears|"
    r"moving on|i want to|i wanna|tell me|what about|how about|talk about|next|and then)\b", re.I)
# Fitted by bench/fit_topic_questions.py on bench/annotations/dev/ (features in the order of
# question_features); the threshold and gap chosen there leave-one-episode-out.
QUESTION_WEIGHTS = (-0.32, 0.83, 4.21, 0.17, 0.71, 1.58, 0.41, 0.07, 0.82, 0.71)
QUESTION_BIAS = -11.01
QUESTION_THRESHOLD = 0.15
QUESTION_GAP = 7  # turns


def _window(doc: Doc, turns: range) -> Counter:
    counts: Counter = Counter()
    words = 0
    for t in turns:
        counts.update(doc.tokens[t])
        words += doc.words[t]
        if words >= NOVELTY_WINDOW_WORDS:
            break
    return counts


def question_features(doc: Doc, first: int, last: int) -> list[tuple[float, ...]]:
    """For each turn first..last: (another speaker asks, an announced shift, novelty of the
    words after against those before, log words of the turn before, log words of the turn,
    said by the episode's main asker, opens with a subject-opening phrase, position in the
    episode, holds a question mark, asks × novelty)."""
    utts = doc.transcript.utterances
    n = len(utts)
    askers = Counter(u.speaker for u in utts if u.speaker and "?" in u.text)
    main_asker = askers.most_common(1)[0][0] if askers else None
    rows = []
    for t in range(first, last + 1):
        u = utts[t]
        asks = float(t > 0 and "?" in u.text and bool(u.speaker) and u.speaker != utts[t - 1].speaker)
        after, before = _window(doc, range(t, n)), _window(doc, range(t - 1, -1, -1))
        shared = sum((after & before).values())
        novelty = 1.0 - shared / max(1, min(sum(after.values()), sum(before.values())))
        rows.append((asks, float(t > 0 and doc.shifts(t)), novelty,
                     math.log1p(doc.words[t - 1] if t > 0 else 0), math.log1p(doc.words[t]),
                     float(main_asker is not None and u.speaker == main_asker),
                     float(bool(_OPENS_SUBJECT.search(u.text))), t / n, float("?" in u.text),
                     asks * novelty))
    return rows


def peaks(scores: Sequence[float], floor: float, gap: int) -> list[int]:
    """The indexes after the first whose score is at least ``floor``, taken highest first
    (on a tie the later first), each at least ``gap`` from those taken before; in order."""
    chosen: list[int] = []
    for i in sorted(range(1, len(scores)), key=lambda i: (scores[i], i), reverse=True):
        if scores[i] < floor:
            break
        if all(abs(i - c) >= gap for c in chosen):
            chosen.append(i)
    return sorted(chosen)


def _questions(doc: Doc, first: int, last: int) -> list[int]:
    """Turns after ``first`` where a chapter starts: the likeliest first, at most one in
    QUESTION_GAP turns, each at least QUESTION_THRESHOLD likely."""
    likely = [1.0 / (1.0 + math.exp(-(QUESTION_BIAS + sum(w * v for w, v in zip(QUESTION_WEIGHTS, x)))))
              for x in question_features(doc, first, last)]
    return [first + i for i in peaks(likely, QUESTION_THRESHOLD, QUESTION_GAP)]


def split_topics(doc: Doc, first: int, last: int, *, method: str = DEFAULT_METHOD,
                 min_first_words: int = MIN_TOPIC_WORDS,
                 settings: TopicSettings = DEFAULT_SETTINGS) -> list[int]:
    """Turns (after ``first``) where a new topic starts within turns first..last; the
    first topic may be as short as ``min_first_words`` (a named segment's tail)."""
    if method not in METHODS:
        raise ValueError(f"unknown topic method {method!r} (known: {', '.join(METHODS)})")
    if doc.words_between(first, last) < min_first_words + settings.min_topic_words:
        return []
    if method == "questions" and any(u.speaker for u in doc.transcript.utterances):
        return _questions(doc, first, last)
    if method == "questions":  # no speakers (whisper text): nobody is seen asking
        method = "dcm"
    units = _units(doc, first, last)
    if len(units) < 2:
        return []
    if method == "dcm":
        found = _dcm(doc, units, min_first_words=min_first_words, settings=settings)
    elif method == "partition":
        found = _partition(doc, units, min_first_words=min_first_words)
    else:
        found = _tiling(doc, units, min_first_words=min_first_words)
    return [units[i][0] for i in found]

