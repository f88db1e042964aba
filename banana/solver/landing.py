"""Which pairs can land on a kept value: operators inverted against sorted partners.

The last level of a search keeps a few values: points (widened by their tolerance)
and intervals, together a sorted list of disjoint spans ``[lows[k], highs[k]]``. It
needs the pairs (u, v) with ``u op v`` (or ``v op u``) inside a span. Evaluating every
pair costs |U|·|V| per operator; inverting the operator instead gives, for each u and
each span, the interval(s) of v that can land there (``v in [lo - u, hi - u]`` for
+), found by binary search among the partners sorted by value: |U|·spans·log|V|.

The intervals are a superset: every bound is widened against float round-off, and
where an inverse is awkward (a zero base or divisor) the whole row is taken. The
caller evaluates the pairs found in floats (``float_op``) and keeps those that land,
so nothing here decides what is kept; it only must never leave a landing pair out
(``tests/test_solver.py`` checks that against every pair).
"""

from __future__ import annotations

import math

WIDEN = 1e-9  # relative widening of every inverse bound against float round-off
ROUNDING = 1e-14  # relative widening of a kept span (~45 ulps) for the operator's own rounding
TINY = 1e-300  # absolute widening, for bounds at zero (and results that underflow to it)


def landing_pairs(np, name: str, u, v, u_left: bool, lows, highs, *, batch: int):
    """Yield (i, j) index arrays, in batches of at most about ``batch`` pairs, such that
    every pair with ``u[i] op v[j]`` (``u_left``) or ``v[j] op u[i]`` inside a span
    ``[lows[k], highs[k]]`` is among them. ``v`` is sorted ascending; no pair twice."""
    m, n = len(u), len(v)
    if not m or not n or not len(lows):
        return
    with np.errstate(all="ignore"):
        # the operator rounds its result by an ulp or so, which a logarithm near 1
        # magnifies; and a result may underflow to 0 (0.002 ** 361): widen the spans first
        lows = lows - np.abs(lows) * ROUNDING - TINY
        highs = highs + np.abs(highs) * ROUNDING + TINY
        intervals, every = _inverse(np, name, u_left, u[:, None], lows[None, :], highs[None, :])
    rows, starts, counts = [], [], []
    row_ids = np.arange(m)
    # r - u carries an error of about an ulp of the larger of the two, however small v is
    scale = np.abs(u)[:, None] + np.maximum(np.abs(lows), np.abs(highs))[None, :] if name in ("add", "sub") else 0.0
    for a, b in intervals:
        a, b = np.broadcast_arrays(a, b)
        with np.errstate(all="ignore"):
            a, b = _widen(np, a, b, scale)
            valid = a <= b  # False where NaN: no interval
        first = np.searchsorted(v, a.ravel(), side="left")
        last = np.searchsorted(v, b.ravel(), side="right")
        count = np.where(valid.ravel(), np.maximum(last - first, 0), 0)
        keep = count > 0
        rows.append(np.repeat(row_ids, a.shape[1])[keep])
        starts.append(first[keep])
        counts.append(count[keep])
    if every.any():
        whole = row_ids[every]
        rows.append(whole)
        starts.append(np.zeros(len(whole), dtype=np.int64))
        counts.append(np.full(len(whole), n, dtype=np.int64))
    rows = np.concatenate(rows)
    if not len(rows):
        return
    starts = np.concatenate(starts)
    counts = np.concatenate(counts)
    order = np.argsort(rows, kind="stable")
    rows, starts, counts = rows[order], starts[order], counts[order]
    # cut into batches at row boundaries (a row's ranges stay together for dedup)
    total = np.cumsum(counts)
    begin = 0
    while begin < len(rows):
        end = int(np.searchsorted(total, (total[begin - 1] if begin else 0) + batch, side="right"))
        end = max(end, begin + 1)
        while end < len(rows) and rows[end] == rows[end - 1]:
            end += 1
        yield _expand(np, rows[begin:end], starts[begin:end], counts[begin:end], n)
        begin = end


def nearest_distance(np, name: str, u, v, u_left: bool, target: float, limit: float) -> float:
    """The least |u[i] op v[j] - target| among the pairs next to where the operator's
    inverse puts ``target`` (exact for the monotone pieces; the caller only needs a
    distance that some pair attains). Values beyond ``limit`` do not count."""
    m, n = len(u), len(v)
    if not m or not n:
        return math.inf
    point = np.array([float(target)])
    with np.errstate(all="ignore"):
        intervals, every = _inverse(np, name, u_left, u[:, None], point[None, :], point[None, :])
        rows, cols = [], []
        row_ids = np.arange(m)
        for a, b in intervals:
            a, b = np.broadcast_arrays(a, b)
            valid = (a <= b).ravel()
            first = np.searchsorted(v, a.ravel(), side="left")
            last = np.searchsorted(v, b.ravel(), side="right")
            for near in (first - 1, first, last - 1, last):
                ok = valid & (near >= 0) & (near < n)
                rows.append(row_ids[ok])
                cols.append(near[ok])
        # where the target is out of an operator's reach, the closest value is at an end
        # of a monotone piece: the smallest and largest partner, and those around zero
        zero = int(np.searchsorted(v, 0.0))
        for near in {0, n - 1, zero - 1, zero}:
            if 0 <= near < n:
                rows.append(row_ids)
                cols.append(np.full(m, near))
        if every.any():
            whole = row_ids[every]
            rows.append(np.repeat(whole, n))
            cols.append(np.tile(np.arange(n), len(whole)))
        rows = np.concatenate(rows)
        if not len(rows):
            return math.inf
        cols = np.concatenate(cols)
        values = float_op(np, name, u[rows], v[cols]) if u_left else float_op(np, name, v[cols], u[rows])
        distance = np.abs(np.where(np.abs(values) <= limit, values, np.nan) - target)
    return float(np.nanmin(distance)) if not np.isnan(distance).all() else math.inf


def float_op(np, name: str, left, right):
    """The operator in floats: NaN where it has no real value (a negative base with a
    fractional exponent, a logarithm of a non-positive number), ±inf where it
    overflows; both land on nothing."""
    if name == "add":
        return left + right
    if name == "sub":
        return left - right
    if name == "mul":
        return left * right
    if name == "div":
        return left / right
    if name == "pow":
        return np.power(left, right)
    if name == "root":
        return np.power(left, 1.0 / right)
    # log of left to base right
    return np.log(np.where(left > 0, left, np.nan)) / np.log(np.where(right > 0, right, np.nan))


# ----- the inverses ----------------------------------------------------------------------
# Each returns ([(a, b), ...], every): arrays broadcast to (rows, spans) bounding the v
# that can land in each span (NaN: none), and a per-row mask of rows that take every v.


def _inverse(np, name: str, u_left: bool, U, LO, HI):
    nowhere = np.zeros(U.shape[0], dtype=bool)
    u = U.ravel()

    def constant(*values) -> bool:  # a row whose result is always one of ``values``
        return any(bool(((LO <= value) & (HI >= value)).any()) for value in values)

    if name == "add":
        return [(LO - U, HI - U)], nowhere
    if name == "sub":
        if u_left:  # u - v
            return [(U - HI, U - LO)], nowhere
        return [(LO + U, HI + U)], nowhere  # v - u
    if name == "mul":
        every = (u == 0) & constant(0.0)  # 0 * v = 0
        return [_scaled(np, LO, HI, 1.0 / U)], every
    if name == "div":
        if u_left:  # u / v: v = u / r
            every = (u == 0) & constant(0.0)  # 0 / v = 0
            return [_scaled(np, a, b, U) for a, b in _reciprocal(np, LO, HI)], every
        return [_scaled(np, LO, HI, U)], nowhere  # v / u: v = r u (u = 0: nothing lands)
    if name in ("pow", "root"):
        if u_left:  # u ** v or u ** (1/v): the exponent is log|r| / log|u|
            a, b = _exponents(np, U, LO, HI)
            intervals = [(a, b)] if name == "pow" else _reciprocal(np, a, b)
            # powers of 1, -1 and 0 are 1, ±1 and 0, 1 or inf
            every = ((u == 1) & constant(1.0)) | ((u == -1) & constant(1.0, -1.0)) | (
                (u == 0) & constant(0.0, 1.0))
            return intervals, every
        power = 1.0 / U if name == "pow" else U  # |v| = |r| ** (1/u), or |r| ** u for a root
        # v ** 0 = 1; v ** (1/0) = v ** inf is 0, 1 or inf
        every = (u == 0) & (constant(1.0) if name == "pow" else constant(0.0, 1.0))
        return _bases(np, power, LO, HI), every
    # log
    if u_left:  # log(u) / log(v): log v = log(u) / r
        log_u = np.log(np.where((U > 0) & (U != 1), U, np.nan))
        every = (u == 1) & constant(0.0)  # log(1) = 0 for every base
        return [_exp(np, *_scaled(np, a, b, log_u)) for a, b in _reciprocal(np, LO, HI)], every
    # log(v) / log(u): log v = r log(u)
    log_u = np.log(np.where((U > 0) & (U != 1), U, np.nan))
    return [_exp(np, *_scaled(np, LO, HI, log_u))], nowhere


def _scaled(np, a, b, factor):
    """The interval {x * factor : x in [a, b]} (factor of either sign)."""
    p, q = a * factor, b * factor
    return np.minimum(p, q), np.maximum(p, q)


def _reciprocal(np, a, b):
    """{1/x : x in [a, b]}: one interval when it avoids 0, else up to two rays."""
    through_zero = (a <= 0) & (b >= 0)
    p, q = 1.0 / a, 1.0 / b
    nan = np.nan
    inner = (np.where(through_zero, nan, np.minimum(p, q)), np.where(through_zero, nan, np.maximum(p, q)))
    low_ray = (np.where(through_zero & (a < 0), -np.inf, nan), np.where(through_zero & (a < 0), p, nan))
    high_ray = (np.where(through_zero & (b > 0), q, nan), np.where(through_zero & (b > 0), np.inf, nan))
    return [inner, low_ray, high_ray]


def _magnitudes(np, LO, HI):
    """{|x| : x in [lo, hi]}."""
    through_zero = (LO <= 0) & (HI >= 0)
    low = np.where(through_zero, 0.0, np.minimum(np.abs(LO), np.abs(HI)))
    return low, np.maximum(np.abs(LO), np.abs(HI))


def _exponents(np, U, LO, HI):
    """The exponents v with |u| ** v in the span (or in its magnitudes, for u < 0)."""
    mag_lo, mag_hi = _magnitudes(np, LO, HI)
    low = np.where(U > 0, LO, mag_lo)
    high = np.where(U > 0, HI, mag_hi)
    log_base = np.log(np.abs(U))
    p = np.where(low > 0, np.log(np.where(low > 0, low, 1.0)), -np.inf) / log_base
    q = np.log(np.where(high > 0, high, np.nan)) / log_base
    return np.minimum(p, q), np.maximum(p, q)


def _bases(np, power, LO, HI):
    """The bases v with |v| = |r| ** power for an r in the span: a positive interval and
    its mirror (a negative base, which has real powers for integer exponents)."""
    mag_lo, mag_hi = _magnitudes(np, LO, HI)
    p, q = np.power(mag_lo, power), np.power(mag_hi, power)
    low, high = np.minimum(p, q), np.maximum(p, q)
    return [(low, high), (-high, -low)]


def _exp(np, a, b):
    return np.exp(a), np.exp(b)


def _widen(np, a, b, scale=0.0):
    """[a, b] widened by WIDEN relative to its bounds (and to ``scale``) and by TINY."""
    return a - (np.abs(a) + scale) * WIDEN - TINY, b + (np.abs(b) + scale) * WIDEN + TINY


def _expand(np, rows, starts, counts, n):
    """Index pairs from per-row ranges [start, start + count), without duplicates."""
    total = int(counts.sum())
    offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    i = np.repeat(rows, counts)
    j = np.repeat(starts, counts) + offsets
    key = np.unique(i * n + j)
    return key // n, key % n
