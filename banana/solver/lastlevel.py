"""The last level of a search: the whole multiset, which is never tabulated in full.

Two ways to find the expressions whose value is a goal (or can become one through
unary operators) without building the last table:

* ``finish``: with only + - * / and digit forms, the last step ``x op y = goal`` is a
  lookup of ``goal - x``, ``goal / x``, ... in the other part's table.
* ``_combine_filtered``: otherwise every operator is evaluated in floating point on the
  whole grid of pairs (numpy), and only pairs landing within 1e-9 of a wanted value are
  evaluated exactly, through the same code as every other step.
"""

from __future__ import annotations

import math
from fractions import Fraction

from banana.solver.values import VALUE, key_of, ratio_key


class LastLevel:
    """Mixed into ``Engine``: the ways to finish a search at the whole multiset."""

    def _combine_filtered(self, a: int, b: int, targets: list, put_value, best=None) -> None:
        """The lean last level: only results near a value worth keeping are computed exactly.

        Every operator is first evaluated in floating point on the whole grid of pairs
        (numpy); a pair whose float result is within 1e-9 of a kept value is then
        evaluated exactly, through the same code as every other step. Exact results
        are within ~1e-14 of their float image, so no kept value is missed. ``targets``
        is a sorted list of (float, key); with ``best`` (the table's get), a candidate
        no cheaper than the exact expression already kept for its value is skipped.
        """
        import numpy as np

        ta, tb = self.tables[a], self.tables[b]
        xs, ys = self._floats(a), self._floats(b)
        if not len(xs) or not len(ys):
            return
        costs_a = self._costs(a)
        costs_b = self._costs(b)
        affordable = None
        if self._room != math.inf:
            affordable = (costs_a[:, None] + costs_b[None, :]) <= self._room
            self.charge(int(affordable.sum()) * max(1, len(self.binary)))
            largest = max(self.c[name] for name in self.binary) if self.binary else 0
            if ((costs_a[:, None] + costs_b[None, :]) > self._cap_now - largest).any():
                self.capped = True  # some pair is too costly for some operator
        else:
            self.charge(len(xs) * len(ys) * max(1, len(self.binary)))
        target_floats = np.array([t[0] for t in targets])
        target_keys = [t[1] for t in targets]
        x, y = xs[:, None], ys[None, :]
        ea_list, eb_list = ta.entries, tb.entries
        one = self._one
        with np.errstate(all="ignore"):
            for name in self.binary:
                op_cost = self.c[name]
                for swapped in (False, True):
                    if swapped and name in ("add", "mul"):
                        continue
                    left, right = (y, x) if swapped else (x, y)
                    if name == "add":
                        grid = left + right
                    elif name == "sub":
                        grid = left - right
                    elif name == "mul":
                        grid = left * right
                    elif name == "div":
                        grid = left / right
                    elif name == "pow":
                        grid = _float_pow(np, left, right)
                    elif name == "root":
                        grid = _float_pow(np, left, 1.0 / right)
                    else:  # log of left to base right
                        grid = np.log(np.where(left > 0, left, np.nan)) / np.log(
                            np.where(right > 0, right, np.nan)
                        )
                    if affordable is not None:
                        grid = np.where(affordable, grid, np.nan)
                    rows, cols, which = _near_targets(np, grid, target_floats)
                    if not len(rows):
                        continue
                    cost = costs_a[rows] + costs_b[cols] + op_cost
                    order = np.argsort(cost, kind="stable")
                    for k in order.tolist():
                        i, j = int(rows[k]), int(cols[k])
                        if best is not None:
                            old = best(target_keys[which[k]])
                            if old is not None and old[0] <= cost[k] and old[5]:
                                continue  # an exact expression at least as cheap is kept
                        ea, eb = ea_list[i], eb_list[j]
                        if swapped:
                            ea, eb = eb, ea
                        if type(ea[1]) is float or type(eb[1]) is float:
                            # an irrational operand: the float is the value; put_value snaps
                            # it to a rational or drops it (the irrational atom rule)
                            value = float(grid[i, j])
                            put_value(value, ea[0] + eb[0] + op_cost, name, ea, eb, False)
                        else:
                            one(name, ea, eb, put_value)

    def _costs(self, code: int):
        import numpy as np

        found = self._cost_arrays.get(code)
        if found is None:
            found = np.array([e[0] for e in self.tables[code].entries], dtype=np.int64)
            self._cost_arrays[code] = found
        return found

    def _floats(self, code: int):
        import numpy as np

        found = self._float_arrays.get(code)
        if found is None:
            found = np.array([float(e[1]) for e in self.tables[code].entries], dtype=float)
            self._float_arrays[code] = found
        return found

    def finish(self, code: int, goals, hits: list) -> None:
        """Append to ``hits`` every expression for sub-multiset ``code`` whose value is a goal.

        Only for operator sets in LOOKUP_OPS: the last step ``x op y = goal`` is found by
        looking ``goal - x``, ``goal / x``, ... up in the other part's table, so the table
        of ``code`` itself is never built. Integer pairs stay on integer arithmetic.
        """
        members = self.members(code)
        goal_keys = {key_of(goal) for goal in goals}
        for node in self.literals(members):
            if key_of(node[VALUE]) in goal_keys:
                hits.append(node)
        splits = self.splits(code)
        for a, b in splits:
            self.table(a)
            self.table(b)
        for a, b in splits:
            small, big = self.tables[a], self.tables[b]
            if len(small.entries) > len(big.entries):
                small, big = big, small
            self.charge(len(small.entries) * len(goals) * max(1, len(self.binary)))
            self._finish_pair(small, big, goals, hits)

    def _finish_pair(self, small, big, goals, hits: list) -> None:
        ops = self.ops
        c = self.c
        do_add, do_sub, do_mul, do_div = "add" in ops, "sub" in ops, "mul" in ops, "div" in ops
        c_add, c_sub, c_mul, c_div = c["add"], c["sub"], c["mul"], c["div"]
        lookup = big.by_value.get
        ints_only = big.all_int
        cheapest = cheapest_nonzero = None
        emit = hits.append
        for ex in small.entries:
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
                        emit((cx + ey[0] + c_add, goal, "add", ex, ey, exact_x and ey[5]))
                if do_sub:
                    ey = lookup(sub_key)
                    if ey is not None:
                        emit((cx + ey[0] + c_sub, goal, "sub", ex, ey, exact_x and ey[5]))
                    ey = lookup(rsub_key)
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
                        emit((cx + ey[0] + c_mul, goal, "mul", ex, ey, exact_x and ey[5]))
                if do_div:
                    if div_key is not None:
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
                    if vx:
                        ey = lookup(rdiv_key)
                        if ey is not None:
                            emit((cx + ey[0] + c_div, goal, "div", ey, ex, exact_x and ey[5]))


def _float_pow(np, base, exponent):
    """base ** exponent in floats, real results only (a negative base needs an integer exponent)."""
    base, exponent = np.broadcast_arrays(base, exponent)
    integral = exponent == np.round(exponent)
    ok = (base > 0) | ((base < 0) & integral) | ((base == 0) & (exponent > 0))
    magnitude = np.power(np.abs(np.where(ok, base, 1.0)), np.where(ok, exponent, 0.0))
    odd = integral & (np.abs(np.fmod(exponent, 2.0)) == 1.0)
    signed = np.where((base < 0) & odd, -magnitude, magnitude)
    return np.where(ok, signed, np.nan)


def _near_targets(np, grid, targets):
    """Cells of ``grid`` within 1e-9 (relative) of a value in sorted ``targets``:
    (rows, columns, index of the target) arrays."""
    flat = grid.ravel()
    last = len(targets) - 1
    index = np.clip(np.searchsorted(targets, flat), 0, last)
    below = np.clip(index - 1, 0, last)
    tolerance = 1e-9 * np.maximum(1.0, np.abs(flat))
    near_above = np.abs(flat - targets[index]) <= tolerance
    near_below = np.abs(flat - targets[below]) <= tolerance
    cells = np.nonzero(near_above | near_below)[0]
    which = np.where(near_above[cells], index[cells], below[cells])
    rows, cols = np.divmod(cells, grid.shape[1])
    return rows, cols, which


def _by_cost(entry) -> int:
    return entry[0]
