"""Diarization error rate, the standard (NIST md-eval / pyannote.metrics) way.

    DER = (missed speech + false alarm + speaker confusion) / reference speech

computed over time: at every instant, with ``r`` reference speakers and ``h``
hypothesis speakers of whom ``c`` are mapped to a reference speaker speaking then,
the error is ``max(r, h) - c``. Hypothesis labels are mapped one-to-one to reference
speakers so as to maximise the time they share (the Hungarian algorithm). A
``collar`` of seconds around every reference boundary (half before, half after) is
left out, as pyannote.metrics does; ``collar=0`` scores everything.
tests/test_diarize.py checks this against ``pyannote.metrics`` on a worked example.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment

RESOLUTION_SECONDS = 0.001  # time is scored in 1 ms steps

Segments = Iterable[tuple[float, float, str]]  # (start, end, speaker)


def _grid(segments: Sequence[tuple[float, float, str]], labels: list[str], n: int) -> np.ndarray:
    active = np.zeros((len(labels), n), dtype=bool)
    index = {label: k for k, label in enumerate(labels)}
    for start, end, label in segments:
        a, b = int(round(start / RESOLUTION_SECONDS)), int(round(end / RESOLUTION_SECONDS))
        active[index[label], max(a, 0):max(b, 0)] = True
    return active


def der_components(reference: Segments, hypothesis: Segments, *, collar: float = 0.0) -> dict[str, float]:
    """Seconds of reference speech, missed speech, false alarm and confusion, and the DER."""
    ref = [(float(a), float(b), str(s)) for a, b, s in reference]
    hyp = [(float(a), float(b), str(s)) for a, b, s in hypothesis]
    end = max([b for _, b, _ in ref + hyp] + [0.0])
    n = int(round(end / RESOLUTION_SECONDS)) + 1
    ref_labels = sorted({s for _, _, s in ref})
    hyp_labels = sorted({s for _, _, s in hyp})
    r = _grid(ref, ref_labels, n)
    h = _grid(hyp, hyp_labels, n)
    scored = np.ones(n, dtype=bool)
    if collar > 0:
        half = int(round(collar / 2 / RESOLUTION_SECONDS))
        for a, b, _ in ref:
            for edge in (int(round(a / RESOLUTION_SECONDS)), int(round(b / RESOLUTION_SECONDS))):
                scored[max(edge - half, 0):edge + half] = False
    r, h = r[:, scored], h[:, scored]
    # the mapping: hypothesis label -> reference label sharing the most time
    shared = (r[:, None, :] & h[None, :, :]).sum(axis=2) if len(ref_labels) and len(hyp_labels) else \
        np.zeros((len(ref_labels), len(hyp_labels)))
    rows, cols = linear_sum_assignment(-shared) if shared.size else ([], [])
    correct = np.zeros(r.shape[1], dtype=int)
    for i, j in zip(rows, cols):
        correct += r[i] & h[j]
    n_ref, n_hyp = r.sum(axis=0), h.sum(axis=0)
    step = RESOLUTION_SECONDS
    total = float(n_ref.sum()) * step
    missed = float(np.maximum(n_ref - n_hyp, 0).sum()) * step
    false_alarm = float(np.maximum(n_hyp - n_ref, 0).sum()) * step
    confusion = float((np.minimum(n_ref, n_hyp) - correct).sum()) * step
    return {"total": total, "missed": missed, "false_alarm": false_alarm, "confusion": confusion,
            "der": (missed + false_alarm + confusion) / total if total else 0.0}


def der(reference: Segments, hypothesis: Segments, *, collar: float = 0.0) -> float:
    """The diarization error rate (0.0 is perfect; it can exceed 1.0)."""
    return der_components(reference, hypothesis, collar=collar)["der"]
