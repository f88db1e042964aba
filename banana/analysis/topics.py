"""Topic segmentation: where the discussion between named segments changes subject.

The discussion is split by an optimal partition (dynamic programming) under a
multinomial language-model cost per topic (Utiyama & Isahara, 2001) with a prior that
favours boundaries at topic-shift phrases. ``method="tiling"`` is a TextTiling-style
alternative kept for comparison (``bench/bench_segment.py``).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict

from banana.analysis.doc import Doc

METHODS = ("partition", "tiling")
DEFAULT_METHOD = "partition"

MIN_TOPIC_WORDS = 200  # no topic shorter than this is split off
UNIT_MIN_WORDS = 25  # turns are grouped into units at least this long for topic segmentation
MAX_TOPIC_WORDS = 6000  # the partition never considers a topic longer than this
PARTITION_PENALTY = 16.0  # cost of one more topic, in units of log(words in the region)
SHIFT_BONUS = 0.55  # fraction of the penalty waived at a turn that says "our next topic"
TILING_WINDOW_TOKENS = 60  # content words compared either side of a gap (TextTiling style)


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
    Laplace-smoothed multinomial likelihood of each topic's words, minus a per-topic
    penalty that is smaller at a turn announcing a topic shift."""
    tokens = _unit_tokens(doc, units)
    vocab = {w for ts in tokens for w in ts}
    k = max(len(vocab), 1)
    n_words = doc.words_between(units[0][0], units[-1][1])
    penalty = PARTITION_PENALTY * math.log(max(n_words, 2))
    unit_words = [doc.words_between(a, b) for a, b in units]
    shift = [doc.shifts(a) for a, _ in units]
    u = len(units)
    # g[c] = c * log(c + 1); adding one more of a word seen c times adds g[c+1] - g[c]
    g = [c * math.log(c + 1) for c in range(sum(len(t) for t in tokens) + 2)]
    best = [-math.inf] * (u + 1)
    back = [0] * (u + 1)
    best[0] = 0.0
    for i in range(u):
        if best[i] == -math.inf:
            continue
        counts: dict[str, int] = defaultdict(int)
        a_sum = 0.0
        n = 0
        words = 0
        cost_start = penalty * (1 - SHIFT_BONUS) if shift[i] and i > 0 else penalty
        for j in range(i, u):
            for w in tokens[j]:
                c = counts[w]
                a_sum += g[c + 1] - g[c]
                counts[w] = c + 1
            n += len(tokens[j])
            words += unit_words[j]
            if words > MAX_TOPIC_WORDS:
                break
            shortest = min_first_words if i == 0 else MIN_TOPIC_WORDS
            if words < shortest and not (i == 0 and j == u - 1):
                continue
            score = best[i] + a_sum - n * math.log(n + k) - (cost_start if i > 0 else 0.0)
            if score > best[j + 1]:
                best[j + 1] = score
                back[j + 1] = i
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


_SPLITTERS = {"partition": _partition, "tiling": _tiling}


def split_topics(doc: Doc, first: int, last: int, *, method: str = DEFAULT_METHOD,
                 min_first_words: int = MIN_TOPIC_WORDS) -> list[int]:
    """Turns (after ``first``) where a new topic starts within turns first..last; the
    first topic may be as short as ``min_first_words`` (a named segment's tail)."""
    if method not in _SPLITTERS:
        raise ValueError(f"unknown topic method {method!r} (known: {', '.join(METHODS)})")
    if doc.words_between(first, last) < min_first_words + MIN_TOPIC_WORDS:
        return []
    units = _units(doc, first, last)
    if len(units) < 2:
        return []
    return [units[i][0] for i in _SPLITTERS[method](doc, units, min_first_words=min_first_words)]

