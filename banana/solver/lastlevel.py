"""The last level of a search: the whole multiset, which is never tabulated in full.

Only the values worth keeping are stored there (``Keep``): the goals and the values
from which unary operators can still reach one, or, for --nearest, a window around
the target and what can reach it. Like every table, the level is built in cost layers
(``Top.extend``), so a query deepens by cost without recomputing anything. Three ways
to find the pairs of the last binary step:

* lookups: with only + - * / and digit forms, ``x op y = goal`` is a lookup of
  ``goal - x``, ``goal / x``, ... in the other part's table;
* inverses: for a few kept values, each operator is inverted (``landing.py``): the
  partners that can land on a kept value are found by binary search among a layer
  sorted by value;
* a grid: for many kept values (a range), every pair of a block of layers is
  evaluated in floating point (numpy).

Pairs landing within 1e-9 of a kept value (or inside a kept interval) are then
evaluated exactly, in the layer of their cost, through the same code as every other
step. Exact results are within ~1e-14 of their float image, so no kept value is
missed.
"""

from __future__ import annotations

import bisect
import math
from fractions import Fraction
from typing import Iterable

from banana.solver.landing import float_op, landing_pairs, nearest_distance
from banana.solver.ops import COMMUTATIVE
from banana.solver.values import COST, LEFT, VALUE, key_of, ratio_key

NEAR_TOLERANCE = 1e-9  # relative distance at which a float lands on a kept value
# float grid cells (one operator each, filter included) charged as one step of work: a
# cell takes 15-60 ns (about 25 on average), a step of the Python search 1-3 µs
NUMPY_CELLS_PER_STEP = 64
# numpy's fixed cost per call, whatever the size of the arrays, also charged in steps:
GRID_PASS_WORK = 8  # one operator's float grid over a block, filter included: ~15 µs
LANDING_PASS_WORK = 40  # one operator inverted against a layer (landing.py): ~50-120 µs
BLOCK_CELLS = 1 << 19  # candidate pairs evaluated at once (a few float arrays of 4 MB)
SEARCH_CELLS = 24  # one binary search of an inverse bound, in grid cells (~2 bounds x log2 |V|)
NEAREST_TRIES = 24  # windows tried around the target, each 4x wider, before giving up


class Keep:
    """The values a last level stores: exact points and closed float intervals.

    For the float filter, each point becomes a tiny interval (its tolerance) and every
    interval is widened by the tolerance; overlapping ones are merged, so a float is
    tested with one binary search.
    """

    def __init__(self, points: Iterable, intervals: Iterable[tuple[float, float]] = ()) -> None:
        intervals = list(intervals)
        self.keys: set = set()
        by_float: dict = {}
        for point in points:
            key = key_of(point)
            self.keys.add(key)
            by_float[float(point)] = key
        ordered = sorted(by_float.items())
        self.point_keys = [k for _, k in ordered]
        spans = [(f - _tolerance(f), f + _tolerance(f), i) for i, (f, _) in enumerate(ordered)]
        spans += [(lo - _tolerance(lo), hi + _tolerance(hi), -1) for lo, hi in intervals]
        merged: list[list] = []  # [low, high, index of its only point or -1]
        for lo, hi, point in sorted(spans):
            if merged and lo <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], hi)
                merged[-1][2] = -1
            else:
                merged.append([lo, hi, point])
        self.lows = [m[0] for m in merged]
        self.highs = [m[1] for m in merged]
        self.points = [m[2] for m in merged]
        self.has_intervals = bool(intervals)
        self._arrays = None

    def __call__(self, key, value) -> bool:
        """Is this value (``key`` its table key) kept?"""
        if key in self.keys:
            return True
        if not self.has_intervals:
            return False
        x = float(value)
        i = bisect.bisect_right(self.lows, x) - 1
        return i >= 0 and x <= self.highs[i]

    def spans(self, np):
        """(lows, highs) float arrays of the kept spans, sorted and disjoint."""
        self.near(np, np.zeros((1, 0)))  # builds the arrays
        lows, highs, _ = self._arrays
        return lows, highs[:-1]

    def near(self, np, grid):
        """The cells of a 2-D float ``grid`` near a kept point or inside a kept interval:
        (rows, columns, index of the point in ``point_keys`` or -1) arrays."""
        if self._arrays is None:
            self._arrays = (
                np.array(self.lows, dtype=float),
                np.array(self.highs + [math.nan], dtype=float),  # index -1: below every span
                np.array(self.points + [-1], dtype=np.int64),
            )
        lows, highs, points = self._arrays
        flat = grid.ravel()
        span = np.searchsorted(lows, flat, side="right") - 1
        cells = np.nonzero(flat <= highs[span])[0]  # NaN and ±inf compare False
        rows, cols = np.divmod(cells, grid.shape[1])
        return rows, cols, points[span[cells]]


def _tolerance(x: float) -> float:
    return NEAR_TOLERANCE * max(1.0, abs(x))


class Top:
    """The last level of a search (the whole multiset, or with --use some any
    sub-multiset ``code``), built in cost layers.

    ``keep``: the values stored (None: the goals and their preimages); ``goals``: every
    expression found for one of them is appended to ``hits`` (the cheapest and the
    others, when ``alternatives``; else a goal already reached exactly is not evaluated
    again). ``lookups``: find the last step by table lookups (only + - * / and digit
    forms; nothing is stored then).
    """

    def __init__(self, engine, keep: Keep | None = None, *, code: int | None = None, goals: Iterable = (),
                 hits: list | None = None, alternatives: bool = True, lookups: bool = False) -> None:
        self.engine = engine
        self.goals = list(goals)
        self.goal_keys = {key_of(goal) for goal in self.goals}
        self.hits = [] if hits is None else hits
        self.alternatives = alternatives
        self.lookups = lookups and not engine.unary
        self.code = engine.full if code is None else code
        self.table = engine.new_table(self.code)
        self._keep = keep
        self._sink = None
        self.stored = 0  # items this level counted as stored (given back by ``release``)

    @property
    def keep(self) -> Keep:
        if self._keep is None:
            before = self.engine.entries
            self._keep = self.engine.preimages(self.goals)
            self.stored += self.engine.entries - before
        return self._keep

    def _store(self, n: int) -> None:
        self.stored += n
        self.engine.store(n)

    def release(self) -> None:
        """Give back what this level stored (it is dropped: a range settled its goal)."""
        self.engine.entries -= self.stored
        self.stored = 0

    @property
    def sink(self) -> tuple:
        if self._sink is None:
            self._sink = self.engine.sink(self.table, goals=self.goal_keys, hits=self.hits, keep=self.keep,
                                          float_goals=self.engine.float_goals)
        return self._sink

    @property
    def exhausted(self) -> bool:
        """Every expression over the numbers has been considered."""
        return self.table.exhausted

    @property
    def sizes(self) -> tuple[int, ...]:
        """How many numbers its expressions use (for ``Engine.next_cost``)."""
        return (self.engine.size(self.code),)

    def extend(self, cap) -> None:
        """Build the layers up to cost ``cap`` (math.inf: all of them)."""
        engine, table, code = self.engine, self.table, self.code
        if table.exhausted or table.done >= cap:
            return
        if engine.extend_parts(code, cap) and table.horizon is None:
            horizon = engine.horizon(code)
            table.horizon = table.done if horizon is None else max(horizon, table.done)
        stop = cap if table.horizon is None else min(cap, table.horizon)
        low = table.done
        if stop > low:
            stop = int(stop)
            buckets: dict[int, list] = {}
            candidates = Candidates()
            for a, b in engine.splits(code) if engine.binary else ():
                if self.lookups:
                    self._lookup_pairs(a, b, low, stop, buckets)
                else:
                    self._grid_pairs(a, b, low, stop, candidates)
            self._layers(low, stop, buckets, candidates.sorted())
        if table.exhausted:
            engine.note_exhausted(code)

    def _layers(self, low: int, stop: int, buckets: dict, candidates: Candidates) -> None:
        engine, table = self.engine, self.table
        literals = engine.literal_nodes(self.code)
        hits, goal_keys = self.hits, self.goal_keys
        found = len(hits)
        if self.lookups:  # the last step finds the goals themselves: only those are stored
            for k in range(low + 1, stop + 1):
                hits.extend(node for node in literals if node[COST] == k and key_of(node[VALUE]) in goal_keys)
                hits.extend(buckets.pop(k, ()))
                table.done = k
            self._store(len(hits) - found)
            return
        _, _, put_value, fresh, shadows = self.sink
        point_keys = self.keep.point_keys
        for k in range(low + 1, stop + 1):
            for node in literals:
                if node[COST] == k:
                    put_value(node[VALUE], k, "lit", node[LEFT], None, True)
            for name, left, right, point in candidates.layer(k):
                self._evaluate(name, left, right, point_keys[point] if point >= 0 else None, put_value)
            sources = engine.unary_sources(table, k)
            if sources:
                engine.charge(sum(len(entries) * len(names) for entries, names in sources))
                for entries, names in sources:
                    engine._unary(entries, names, put_value)
            table.add_layer(k, fresh, shadows)
            table.done = k
            count = len(fresh) + len(shadows) + len(hits) - found
            found = len(hits)
            fresh.clear()
            shadows.clear()
            self._store(count)

    def _evaluate(self, name: str, left: tuple, right: tuple, key, put_value) -> None:
        """One landing pair, through the same code as every other step: exactly for
        rationals, and for an irrational operand with the same size estimates (a float
        grid rounds 0.968 ** 6103515625 to 0, which is no reason to keep it as 0)."""
        if not self.alternatives and key is not None:
            old = self.table.by_value.get(key)
            if old is not None and old[5] and old[0] < left[0] + right[0] + self.engine.c[name]:
                return  # a cheaper exact expression is kept (one as cheap is a tie to break)
        self.engine._one(name, left, right, put_value)

    # ----- pairs that land on a kept value --------------------------------------------
    def _grid_pairs(self, a: int, b: int, low: int, stop: int, candidates: Candidates) -> None:
        """Candidates for layers low+1..stop from the pairs of parts a and b whose float
        value lands on a kept value. Few kept spans: each layer of one part searches
        the inverse of every operator in the other's layers (``landing.py``); many (a
        range): every pair is evaluated, a block of layers at a time."""
        import numpy as np

        engine = self.engine
        ta, tb = engine.tables[a], engine.tables[b]
        if not ta.costs or not tb.costs:
            return
        same = a == b
        spans = max(1, len(self.keep.spans(np)[0]))
        for cost, names, _ in engine.binary_classes:
            for x in ta.costs:
                if x + tb.costs[0] + cost > stop:
                    break
                # the partners cost y with low < x + y + cost <= stop (and y >= x for a
                # table paired with itself)
                first = bisect.bisect_right(tb.costs, max(low - cost - x, x - 1 if same else low - cost - x))
                last = bisect.bisect_right(tb.costs, stop - cost - x)
                layers = tb.costs[first:last]
                if not layers:
                    continue
                c0, c1 = tb.at[layers[0]][0], tb.at[layers[-1]][1]
                if spans * SEARCH_CELLS * len(layers) < c1 - c0:
                    for y in layers:
                        self._layer_pair(np, (a, x), (b, y), same and x == y, cost, names, candidates)
                else:
                    self._block_pairs(np, (a, x), (b, c0, c1), same, cost, names, candidates)

    def _block_pairs(self, np, part_a, part_b, same: bool, op_cost: int, names, candidates) -> None:
        """Layer x of part a against the entries c0..c1 of part b, every pair in floats."""
        engine = self.engine
        (a, x), (b, c0, c1) = part_a, part_b
        ta, tb = engine.tables[a], engine.tables[b]
        xs, _ = arrays(engine, a)
        ys, costs_b = arrays(engine, b)
        r0, r1 = ta.at[x]
        grids = sum(len(orientations(engine, name, True)) for name in names)
        step = max(1, BLOCK_CELLS // (c1 - c0))
        blocks = -(-(r1 - r0) // step)
        engine.charge(-(-(r1 - r0) * (c1 - c0) * grids // NUMPY_CELLS_PER_STEP) + blocks * grids * GRID_PASS_WORK)
        keep = self.keep
        for start in range(r0, r1, step):
            end = min(start + step, r1)
            u, v = xs[start:end, None], ys[None, c0:c1]
            mask = None
            if same and c0 < end:  # the same pair from both sides: keep it once
                mask = np.arange(c0, c1)[None, :] >= np.arange(start, end)[:, None]
            with np.errstate(all="ignore"):
                for name in names:
                    for u_left in orientations(engine, name, True):
                        grid = float_op(np, name, u, v) if u_left else float_op(np, name, v, u)
                        if mask is not None:
                            grid = np.where(mask, grid, np.nan)
                        rows, cols, points = keep.near(np, grid)
                        if not len(rows):
                            continue
                        engine.charge(len(rows))  # each is evaluated exactly in its layer
                        self._store(len(rows))
                        i, j = start + rows, c0 + cols
                        if u_left:
                            chunk, left, right = (name, ta.entries, tb.entries), i, j
                        else:
                            chunk, left, right = (name, tb.entries, ta.entries), j, i
                        candidates.add(chunk, costs_b[j] + (x + op_cost), left, right, points)

    def _layer_pair(self, np, part_a, part_b, square: bool, op_cost: int, names, candidates) -> None:
        """Layer x of part a against layer y of part b (``square``: the same layer)."""
        engine = self.engine
        (a, x), (b, y) = part_a, part_b
        u, u_index = sorted_layer(engine, a, x)
        v, v_index = sorted_layer(engine, b, y)
        u_entries, v_entries = engine.tables[a].entries, engine.tables[b].entries
        u_is_a = True
        if len(u) > len(v):  # search in the larger layer
            u, u_index, u_entries, v, v_index, v_entries = v, v_index, v_entries, u, u_index, u_entries
            u_is_a = False
        lows, highs = self.keep.spans(np)
        keep = self.keep
        cost = x + y + op_cost
        for name in names:
            for u_left in orientations(engine, name, u_is_a):
                engine.charge(-(-len(u) * max(1, len(lows)) * SEARCH_CELLS // NUMPY_CELLS_PER_STEP)
                              + LANDING_PASS_WORK)
                for i, j in landing_pairs(np, name, u, v, u_left, lows, highs, batch=BLOCK_CELLS):
                    engine.charge(-(-len(i) // NUMPY_CELLS_PER_STEP) + GRID_PASS_WORK)
                    gu, gv = u_index[i], v_index[j]
                    if square:  # both from one layer: each unordered pair once
                        once = gu <= gv
                        i, j, gu, gv = i[once], j[once], gu[once], gv[once]
                    with np.errstate(all="ignore"):
                        values = float_op(np, name, u[i], v[j]) if u_left else float_op(np, name, v[j], u[i])
                    _, hit, points = keep.near(np, values[None, :])
                    if not len(hit):
                        continue
                    engine.charge(len(hit))  # each is evaluated exactly in its layer
                    self._store(len(hit))
                    if u_left:
                        chunk, left, right = (name, u_entries, v_entries), gu[hit], gv[hit]
                    else:
                        chunk, left, right = (name, v_entries, u_entries), gv[hit], gu[hit]
                    candidates.add(chunk, np.full(len(hit), cost), left, right, points)

    # ----- lookups -------------------------------------------------------------------
    def _lookup_pairs(self, a: int, b: int, low: int, stop: int, buckets: dict) -> None:
        """Expressions for a goal from parts a and b costing low+1..stop, by lookups."""
        engine = self.engine
        ta, tb = engine.tables[a], engine.tables[b]
        if not ta.costs or not tb.costs:
            return
        small, big = (ta, tb) if len(ta.entries) <= len(tb.entries) else (tb, ta)
        side = None if not engine.one_way else "left" if small is ta else "right"
        high_x = stop - engine._min_binary - big.costs[0]
        low_x = low - engine._max_binary - big.costs[-1]
        rows = [e for e in small.entries if low_x < e[0] <= high_x]
        engine.charge(len(rows) * len(self.goals) * max(1, len(engine.binary)))
        found: list = []
        self._finish_pair(rows, big, found, side)
        for node in found:
            if low < node[0] <= stop:
                buckets.setdefault(node[0], []).append(node)

    def _finish_pair(self, rows: list, big, hits: list, side: str | None = None) -> None:
        """The goals as ``x op y`` or ``y op x`` for x in ``rows`` and y looked up in
        ``big``; ``side`` (in order): x is only the "left" or only the "right" operand."""
        ops = self.engine.ops
        c = self.engine.c
        goals = self.goals
        do_add, do_sub, do_mul, do_div = "add" in ops, "sub" in ops, "mul" in ops, "div" in ops
        x_left = side != "right"  # x op y is allowed
        x_right = side != "left"  # y op x is allowed
        flip = side == "right"  # a commutative step is written y op x
        c_add, c_sub, c_mul, c_div = c["add"], c["sub"], c["mul"], c["div"]
        lookup = big.by_value.get
        ints_only = big.all_int
        cheapest = cheapest_nonzero = None
        emit = hits.append
        for ex in rows:
            vx, cx, exact_x = ex[1], ex[0], ex[5]
            x_int = type(vx) is int
            for goal in goals:
                if x_int and type(goal) is int:
                    add_key, sub_key, rsub_key, rdiv_key = goal - vx, vx - goal, goal + vx, goal * vx
                    if vx:
                        mul_key = goal // vx if goal % vx == 0 else (None if ints_only else ratio_key(goal, vx))
                    else:
                        mul_key = None
                    if goal:
                        div_key = vx // goal if vx % goal == 0 else (None if ints_only else ratio_key(vx, goal))
                    else:
                        div_key = None
                elif type(goal) is int:
                    # x = n/d in lowest terms: g ± n/d and g·d/n keep integer arithmetic
                    n, d = vx.numerator, vx.denominator
                    gd = goal * d
                    add_key, sub_key, rsub_key = (gd - n, d), (n - gd, d), (gd + n, d)
                    rdiv_key = ratio_key(goal * n, d)
                    mul_key = ratio_key(gd, n) if n else None
                    div_key = ratio_key(n, d * goal) if goal else None
                else:
                    fx, fg = Fraction(vx), Fraction(goal)
                    add_key, sub_key, rsub_key = key_of(fg - fx), key_of(fx - fg), key_of(fg + fx)
                    rdiv_key = key_of(fg * fx)
                    mul_key = key_of(fg / fx) if vx else None
                    div_key = key_of(fx / fg) if goal else None
                if do_add:
                    ey = lookup(add_key)
                    if ey is not None:
                        if flip:
                            emit((cx + ey[0] + c_add, goal, "add", ey, ex, exact_x and ey[5]))
                        else:
                            emit((cx + ey[0] + c_add, goal, "add", ex, ey, exact_x and ey[5]))
                if do_sub:
                    ey = lookup(sub_key) if x_left else None
                    if ey is not None:
                        emit((cx + ey[0] + c_sub, goal, "sub", ex, ey, exact_x and ey[5]))
                    ey = lookup(rsub_key) if x_right else None
                    if ey is not None:
                        emit((cx + ey[0] + c_sub, goal, "sub", ey, ex, exact_x and ey[5]))
                if do_mul:
                    if mul_key is not None:
                        ey = lookup(mul_key)
                    elif not vx and not goal:  # 0 × anything
                        if cheapest is None:
                            cheapest = min(big.entries, key=_by_cost)
                        ey = cheapest
                    else:
                        ey = None
                    if ey is not None:
                        if flip:
                            emit((cx + ey[0] + c_mul, goal, "mul", ey, ex, exact_x and ey[5]))
                        else:
                            emit((cx + ey[0] + c_mul, goal, "mul", ex, ey, exact_x and ey[5]))
                if do_div:
                    if not x_left:
                        ey = None
                    elif div_key is not None:
                        ey = lookup(div_key) if vx else None  # vx / 0 is never a goal
                    elif not goal and not vx:  # 0 ÷ anything non-zero
                        if cheapest_nonzero is None:
                            cheapest_nonzero = min(
                                (e for e in big.entries if e[1]), key=_by_cost, default=False
                            )
                        ey = cheapest_nonzero or None
                    else:
                        ey = None
                    if ey is not None and ey[1]:
                        emit((cx + ey[0] + c_div, goal, "div", ex, ey, exact_x and ey[5]))
                    if vx and x_right:
                        ey = lookup(rdiv_key)
                        if ey is not None:
                            emit((cx + ey[0] + c_div, goal, "div", ey, ex, exact_x and ey[5]))




class Candidates:
    """Pairs whose float value lands on a kept value, waiting for the layer of their
    cost: numpy arrays (about 32 bytes a pair), made into expressions only then."""

    def __init__(self) -> None:
        self._chunks: list = []  # (name, entries of the left operands, of the right ones)
        self._arrays: list = []  # (costs, left index, right index, kept-point index)
        self._sorted = None

    def add(self, chunk: tuple, costs, rows, cols, points) -> None:
        self._chunks.append(chunk)
        self._arrays.append((costs, rows, cols, points))

    def sorted(self) -> Candidates:
        """Order every candidate by cost (stable: the order found within one cost)."""
        if self._arrays:
            import numpy as np

            fields = [np.concatenate([arrays[i] for arrays in self._arrays]) for i in range(4)]
            chunk = np.repeat(np.arange(len(self._arrays)), [len(arrays[0]) for arrays in self._arrays])
            order = np.argsort(fields[0], kind="stable")
            self._sorted = [field[order] for field in fields] + [chunk[order]]
            self._arrays = []
        return self

    def layer(self, cost: int):
        """(name, left, right, kept-point index) of the candidates costing ``cost``."""
        if self._sorted is None:
            return
        import numpy as np

        costs, lefts, rights, points, chunks = self._sorted
        start = int(np.searchsorted(costs, cost, side="left"))
        end = int(np.searchsorted(costs, cost, side="right"))
        if start == end:
            return
        info = self._chunks
        for c, i, j, point in zip(chunks[start:end].tolist(), lefts[start:end].tolist(),
                                  rights[start:end].tolist(), points[start:end].tolist()):
            name, left_entries, right_entries = info[c]
            yield name, left_entries[i], right_entries[j], point


class Every:
    """--use some: every sub-multiset is an answer, each with its own lean last level.
    ``extend(cap)`` extends those the cap can afford (fewer numbers cost less, so
    larger sub-multisets join as the cap grows); their tables are built only as far
    as larger sub-multisets need them."""

    def __init__(self, engine, goals: Iterable, hits: list, *, alternatives: bool = True,
                 lookups: bool = False, codes: Iterable[int] | None = None) -> None:
        goals = list(goals)
        keep = engine.preimages(goals)
        self.engine = engine
        self.hits = hits
        self.tops = [
            Top(engine, keep, code=code, goals=goals, hits=hits, alternatives=alternatives,
                lookups=lookups)
            for code in (engine.codes_by_size() if codes is None else codes)
        ]

    def extend(self, cap) -> None:
        engine = self.engine
        for top in self.tops:
            if engine.cheapest(engine.size(top.code)) > cap:
                break  # sorted by size: the rest cost even more
            top.extend(cap)

    @property
    def exhausted(self) -> bool:
        return all(top.exhausted for top in self.tops)

    @property
    def sizes(self) -> tuple[int, ...]:
        return tuple({self.engine.size(top.code) for top in self.tops})


# ----- nearest values ------------------------------------------------------------------


def nearest_nodes(engine, target: float, codes: list[int]) -> list:
    """Expressions over the sub-multisets ``codes``, among them those closest to ``target``.

    The float distance d to the closest literal or last binary step of two rational
    values (a step on an irrational value must come back to a rational, so those are
    left out) is found next to where each operator's inverse puts the target
    (``landing.nearest_distance``); a last level keeping only the window
    [target - d, target + d] (and whatever unary operators can bring into it) is then
    built exactly. A float candidate may not survive the exact rules (bounds, integer
    steps): the window then widens. The search must be complete (exhausted) before
    this is asked.
    """
    distance = min((_float_distance(engine, target, code) for code in codes), default=math.inf)
    if distance == math.inf:
        return []
    scale = max(1.0, abs(target))
    width = distance
    for _ in range(NEAREST_TRIES):
        pad = width * (1 + NEAR_TOLERANCE) + NEAR_TOLERANCE * scale
        keep = engine.preimages((), [(target - pad, target + pad)])
        entries = []
        for code in codes:
            top = Top(engine, keep, code=code, alternatives=False)
            top.extend(math.inf)
            entries += top.table.entries
        if any(abs(float(e[VALUE]) - target) <= pad for e in entries):
            return entries
        width = max(width * 4, 1e-6 * scale)
    return []


def _float_distance(engine, target: float, code: int) -> float:
    """The float distance from ``target`` to the closest literal of ``code`` or last
    binary step on two rational values of its (complete) parts."""
    import numpy as np

    engine.extend_parts(code, math.inf)
    limit = float(engine.bounds.max_magnitude)
    best = min((abs(float(node[VALUE]) - target) for node in engine.literal_nodes(code)), default=math.inf)
    for a, b in engine.splits(code) if engine.binary else ():
        u, v = rational_values(engine, a), rational_values(engine, b)
        u_is_a = True
        if len(u) > len(v):
            u, v, u_is_a = v, u, False
        engine.charge(-(-len(u) * SEARCH_CELLS * 2 * len(engine.binary) // NUMPY_CELLS_PER_STEP))
        for name in engine.binary:
            for u_left in orientations(engine, name, u_is_a):
                best = min(best, nearest_distance(np, name, u, v, u_left, target, limit))
    return best


def orientations(engine, name: str, u_is_a: bool) -> tuple[bool, ...]:
    """The ``u_left`` values to evaluate for operator ``name`` on u (from part a when
    ``u_is_a``) and v: both orders, one for a commutative operator; in order
    (``engine.one_way``) only the one that puts part a on the left."""
    if engine.one_way:
        return (u_is_a,)
    return (True,) if name in COMMUTATIVE else (True, False)


# ----- floats -------------------------------------------------------------------------


def arrays(engine, code: int):
    """(values as floats, costs) of the entries of ``code``, extended as the table grows."""
    import numpy as np

    entries = engine.tables[code].entries
    found = engine.arrays.get(code)
    if found is not None and found[0] == len(entries):
        return found[1], found[2]
    start = 0 if found is None else found[0]
    floats = np.array([float(e[VALUE]) for e in entries[start:]], dtype=float)
    costs = np.array([e[COST] for e in entries[start:]], dtype=np.int64)
    if found is not None:
        floats = np.concatenate([found[1], floats])
        costs = np.concatenate([found[2], costs])
    engine.arrays[code] = (len(entries), floats, costs)
    return floats, costs


def rational_values(engine, code: int):
    """The rational values of the complete table of ``code`` as floats, sorted."""
    import numpy as np

    key = ("rational", code)
    found = engine.arrays.get(key)
    if found is None:
        values = np.array([float(e[VALUE]) for e in engine.tables[code].rational], dtype=float)
        found = engine.arrays[key] = np.sort(values)
    return found


def sorted_layer(engine, code: int, cost: int):
    """(values as floats sorted ascending, their indices in the table's entries) of the
    layer of ``code`` costing ``cost``. A built layer never changes, so this is kept."""
    import numpy as np

    key = (code, cost)
    found = engine.arrays.get(key)
    if found is None:
        start, end = engine.tables[code].at[cost]
        values = np.array([float(e[VALUE]) for e in engine.tables[code].entries[start:end]], dtype=float)
        order = np.argsort(values, kind="stable")
        found = engine.arrays[key] = (values[order], order + start)
    return found


def _by_cost(entry) -> int:
    return entry[0]
