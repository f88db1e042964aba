"""Segmentation metrics for the benchmarks: Pk and WindowDiff over turn boundaries."""

from __future__ import annotations

from typing import Any, Iterable

def boundaries(segments: Iterable[Any]) -> set[int]:
    """Turn indexes where a segment starts (excluding turn 0), from Segments or dicts."""
    out = set()
    for s in segments:
        first = s["first_turn"] if isinstance(s, dict) else s.first_turn
        if first > 0:
            out.add(first)
    return out


def _window(ref: set[int], n: int, k: int | None) -> int:
    if k is None:
        k = max(round(n / (len(ref) + 1) / 2), 1)
    return min(k, max(n - 1, 1))


def pk(ref: set[int], hyp: set[int], n: int, *, k: int | None = None) -> float:
    """Beeferman's Pk over n turns: the chance that two turns k apart are wrongly put
    in the same or different segments. ``ref``/``hyp`` are the turns that start a
    segment; k defaults to half the mean reference segment length."""
    k = _window(ref, n, k)
    ref_id = _segment_ids(ref, n)
    hyp_id = _segment_ids(hyp, n)
    windows = n - k
    if windows <= 0:
        return 0.0
    wrong = sum((ref_id[i] == ref_id[i + k]) != (hyp_id[i] == hyp_id[i + k]) for i in range(windows))
    return wrong / windows


def windowdiff(ref: set[int], hyp: set[int], n: int, *, k: int | None = None) -> float:
    """Pevzner & Hearst's WindowDiff: windows whose boundary counts differ."""
    k = _window(ref, n, k)
    ref_b = [1 if i in ref else 0 for i in range(n)]
    hyp_b = [1 if i in hyp else 0 for i in range(n)]
    windows = n - k
    if windows <= 0:
        return 0.0
    wrong = sum(sum(ref_b[i + 1:i + k + 1]) != sum(hyp_b[i + 1:i + k + 1]) for i in range(windows))
    return wrong / windows


def _segment_ids(starts: set[int], n: int) -> list[int]:
    ids = []
    current = 0
    for i in range(n):
        if i in starts and i > 0:
            current += 1
        ids.append(current)
    return ids
