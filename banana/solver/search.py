"""The enumeration: dynamic programming over sub-multisets of the puzzle's numbers.

For every sub-multiset S of the numbers (identical numbers are merged, so ``4 4 4 4``
has the four sub-multisets {4}, {4,4}, {4,4,4}, {4,4,4,4}, not 15 subsets) the search
keeps a table ``value -> cheapest expression`` built from

* the literals written with exactly S's digits (22, .2, 2.2, .2̄ ...),
* every binary operator applied to a value of A and a value of B, for every split
  S = A + B,
* up to ``max_unary_depth`` unary operators stacked on top of those.

Values are exact rationals (``int`` or ``fractions.Fraction``; tables key fractions by
``(numerator, denominator)`` and combine them in integer arithmetic) wherever the step
is rational. An irrational step is carried as a ``float`` under one rule, the
*irrational atom* rule: an irrational value is made from rational operands (√22, √.2,
4^.4, log) and may be transformed further by unary operators (⌈√22⌉, √√2), but the
next binary operator that uses it must bring the result back to a rational ((√.2)⁻²,
√2×√8). A float within 1e-10 (relative) of an integer, of a small-denominator fraction
or of the target is snapped to it and the expression is marked inexact; ``verify.py``
proves such expressions exactly (or they are dropped).

The last level (the whole multiset) is not tabulated in full: with only + - * / (and
digit forms) the last step is found by lookups (``goal - a`` in the other table, ...);
otherwise every operator is evaluated on the grid of pairs in floating point (numpy)
and only pairs landing near a goal, or near a value a unary operator can turn into a
goal, are evaluated exactly.

Target queries deepen by cost (``Engine.cap``): first every expression of the least
conceivable cost, then one more, ... so the first answers found are the simplest, and
the partial costs prune what is never cheap enough. Magnitudes are estimated before
they are computed (log-size for powers, factorials and concatenations), so
``((4!)!)!`` or ``9^9^9`` is never evaluated, and each level's work is estimated before
it starts and charged against a budget: a query that would explode stops with a
PuzzleError instead of running for hours or filling memory.

An expression is a tuple ``(cost, value, op, left, right, exact)`` (positions below);
``left``/``right`` are child tuples, or a ``Literal`` in ``left`` for op "lit".
Tuples keep the hot loops fast; ``render.py`` and ``verify.py`` read them.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, fields
from fractions import Fraction
from math import gcd
from typing import Callable, Iterable, NamedTuple

from banana.errors import PuzzleError
from banana.solver.lastlevel import LastLevel
from banana.solver.literals import Literal, literal_forms
from banana.solver.ops import NUMBER_COST, OPERATORS
from banana.solver.values import (
    COST,
    LEFT,
    VALUE,
    MAX_ROOT_INDEX,
    SNAP_DENOMINATOR,
    SNAP_TOLERANCE,
    exact_root,
    float_key,
    iroot,
    key_of,
    log10_size,
    normal,
    unary_exact,
)


MAX_NUMBERS = 12  # more numbers than this is refused before any work

BINARY_ORDER = ("add", "sub", "mul", "div", "pow", "root", "log")
UNARY_ORDER = ("neg", "sqrt", "fact", "dfact", "gamma", "floor", "ceil", "percent")
ROUNDING_OPS = frozenset({"floor", "ceil"})
COSTS = {name: op.cost for name, op in OPERATORS.items()}  # read-only
# with only these, the last step can be found by lookups instead of enumeration
LOOKUP_OPS = frozenset({"add", "sub", "mul", "div", "concat", "decimal", "repeating"})


@dataclass(frozen=True)
class Bounds:
    """Limits that make every query terminate; each is a ``banana solve`` option."""

    max_unary_depth: int = 2  # unary operators stacked directly on one another (√√x is 2)
    max_factorial: int = 12  # largest n for n!, n!! and Γ(n+1)
    max_magnitude: int = 10**12  # largest |numerator| and denominator of any intermediate value
    max_digits: int = 6  # longest number written from the puzzle's digits
    max_work: int = 3_000_000  # operator applications before the search refuses (~1-3 µs each)
    max_entries: int = 1_000_000  # stored expressions (~250 bytes each) before the search refuses

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise PuzzleError(f"{field.name} must be an integer, not {value!r}")
            low = 0 if field.name == "max_unary_depth" else 1
            if value < low:
                raise PuzzleError(f"{field.name} must be at least {low}, not {value}")

    @classmethod
    def from_options(cls, options: dict) -> Bounds:
        known = {field.name for field in fields(cls)}
        unknown = sorted(set(options) - known)
        if unknown:
            raise PuzzleError(f"unknown bound {unknown[0]!r} (bounds: {', '.join(sorted(known))})")
        return cls(**{k: v for k, v in options.items() if v is not None})

    @property
    def log10_magnitude(self) -> float:
        return math.log10(self.max_magnitude)


class Table(NamedTuple):
    """The expressions of one sub-multiset: by value, and as lists for iteration."""

    by_value: dict
    entries: list
    rational: list  # entries with an int/Fraction value, cheapest first
    irrational: list  # entries with a float value, cheapest first
    all_int: bool  # every value is an int (lookups of fractions can be skipped)
    rational_costs: list  # costs of ``rational``, for bisecting under a cost cap
    irrational_costs: list


EMPTY = Table({}, [], [], [], True, [], [])  # the table of numbers too costly for the cap


def lit_node(literal: Literal) -> tuple:
    return (literal.cost, literal.value, "lit", literal, None, True)


class TableCache:
    """Tables of sub-multisets, shared between puzzles with the same settings (``--batch``)."""

    def __init__(self, *, max_entries: int = 2_000_000) -> None:
        self.max_entries = max_entries
        self._tables: dict = {}  # settings -> {members: Table}
        self._size = 0

    def tables_for(self, settings) -> dict:
        """The tables built under ``settings`` (a dict the engine reads and fills)."""
        found = self._tables.get(settings)
        if found is None:
            found = self._tables[settings] = {}
        return found

    def note(self, table: Table) -> None:
        """Count a new table; forget everything when the cache grows too large."""
        self._size += len(table.entries)
        if self._size > self.max_entries:
            for tables in self._tables.values():
                tables.clear()
            self._size = 0


class Engine(LastLevel):
    """One search: the numbers, operators and bounds, and the tables built so far."""

    def __init__(
        self,
        numbers: Iterable[int],
        ops: frozenset[str],
        *,
        integer_steps: bool = False,
        use: str = "all",
        bounds: Bounds = Bounds(),
        cache: TableCache | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        numbers = tuple(sorted(numbers))
        if not numbers:
            raise PuzzleError("no numbers given")
        if len(numbers) > MAX_NUMBERS:
            raise PuzzleError(f"too many numbers: {len(numbers)} (at most {MAX_NUMBERS})")
        self.numbers = numbers
        self.use = use
        self.ops = frozenset(ops)
        self.integer_steps = integer_steps
        self.bounds = bounds
        self.cache = cache
        self.progress = progress
        self.distinct = sorted(set(numbers))
        self.counts = [numbers.count(n) for n in self.distinct]
        self.strides = []
        stride = 1
        for count in self.counts:
            self.strides.append(stride)
            stride *= count + 1
        self.n_codes = stride
        self.full = stride - 1
        self.binary = [op for op in BINARY_ORDER if op in self.ops]
        self.unary = [op for op in UNARY_ORDER if op in self.ops]
        self.slow_binary = [op for op in self.binary if op in ("pow", "root", "log")]
        self.lookup_ok = self.ops <= LOOKUP_OPS
        self.work = 0
        self.entries = 0
        self.tables: dict[int, Table] = {}
        self.float_goals: list = []
        settings = (self.ops, integer_steps, bounds)
        self._shared = None if cache is None else cache.tables_for(settings)
        self.cap: float = math.inf  # expressions costing more are left out (iterative deepening)
        self.capped = False  # True once the cap left something out
        joins = [OPERATORS[name].cost for name in self.binary]
        if len(numbers) > 1 and "concat" in self.ops:
            joins.append(OPERATORS["concat"].cost)
        self._min_binary = min(joins[: len(self.binary)]) if self.binary else 0
        self._binary_costs = _cost_classes(self.binary, COSTS)
        self._slow_costs = _cost_classes(self.slow_binary, COSTS)
        self._cap_now = self._room = math.inf
        # the least an expression pays to take in one more number: the number and a join
        self._per_number = NUMBER_COST + (min(joins) if joins else 0)
        self._done_codes = 0
        # every sub-multiset's numbers, indexed by code (the first distinct number is the
        # lowest mixed-radix digit, so each number's block repeats the previous list)
        members: list[tuple[int, ...]] = [()]
        for number, count in zip(self.distinct, self.counts):
            members = [m + (number,) * k for k in range(count + 1) for m in members]
        self._members = members
        self._float_arrays: dict = {}
        self._cost_arrays: dict = {}
        self._log_limit = bounds.log10_magnitude
        self._splits: dict[int, list[tuple[int, int]]] = {}
        self.c = COSTS

    # ----- sub-multisets ---------------------------------------------------------
    def vector(self, code: int) -> list[int]:
        return [(code // stride) % (count + 1) for count, stride in zip(self.counts, self.strides)]

    def members(self, code: int) -> tuple[int, ...]:
        """The numbers of sub-multiset ``code``, sorted."""
        return self._members[code]

    def size(self, code: int) -> int:
        return sum(self.vector(code))

    def codes_by_size(self) -> list[int]:
        return sorted(range(1, self.n_codes), key=lambda code: (self.size(code), code))

    def splits(self, code: int) -> list[tuple[int, int]]:
        """Unordered splits S = A + B with both parts non-empty (A <= B as codes)."""
        found = self._splits.get(code)
        if found is not None:
            return found
        subs = [0]
        for k, stride in zip(self.vector(code), self.strides):
            if k:
                subs = [s + j * stride for s in subs for j in range(k + 1)]
        found = self._splits[code] = [(a, code - a) for a in subs if 0 < a <= code - a]
        return found

    # ----- iterative deepening ------------------------------------------------------
    def min_cost(self) -> int:
        """The cost of the cheapest conceivable answer: every number and one join each."""
        return self.cheapest(len(self.numbers) if self.use == "all" else 1)

    def cheapest(self, count: int) -> int:
        """The least an expression over ``count`` numbers can cost."""
        return NUMBER_COST * count + (self._per_number - NUMBER_COST) * (count - 1)

    def restart(self, cap: float) -> None:
        """Forget every table and search again with expressions up to cost ``cap``."""
        self.cap = cap
        self.capped = False
        self.entries = 0
        self.tables.clear()
        self._float_arrays.clear()
        self._cost_arrays.clear()
        self._done_codes = 0

    def cap_for(self, code: int) -> float:
        """The most an expression over ``code`` may cost and still fit in an answer under
        the cap: with --use all, the numbers not in ``code`` must still be taken in."""
        if self.cap == math.inf or self.use != "all":
            return self.cap
        return self.cap - self._per_number * (len(self.numbers) - self.size(code))

    # ----- budget ----------------------------------------------------------------
    def charge(self, work: int) -> None:
        self.work += work
        if self.work > self.bounds.max_work:
            raise PuzzleError(
                f"search too large: over {self.bounds.max_work:,} combinations for "
                f"{len(self.numbers)} numbers with {len(self.ops)} operators; use fewer "
                "numbers or operators, lower --max-depth, or raise --max-work"
            )

    def _count_entries(self, n: int) -> None:
        self.entries += n
        if self.entries > self.bounds.max_entries:
            raise PuzzleError(
                f"search too large: over {self.bounds.max_entries:,} distinct values stored for "
                f"{len(self.numbers)} numbers with {len(self.ops)} operators; use fewer "
                "numbers or operators, or lower --max-depth/--max-value"
            )

    # ----- tables -------------------------------------------------------------------
    def table(self, code: int) -> Table:
        """The complete table of sub-multiset ``code``, building it (and its parts) if needed."""
        found = self.tables.get(code)
        if found is not None:
            return found
        if self.cheapest(self.size(code)) > self.cap_for(code):
            # nothing over these numbers fits under the cost cap: skip its splits entirely
            self.capped = True
            found = self.tables[code] = EMPTY
            return found
        shared = self._shared if self.cap == math.inf else None
        if shared is not None:
            members = self.members(code)
            found = shared.get(members)
            if found is not None:
                self.tables[code] = found
                return found
        built = self.build(code)
        if shared is not None:
            shared[members] = built
            self.cache.note(built)
        return built

    def build(
        self, code: int, *, goals=None, hits: list | None = None, keep=None, alternatives: bool = True
    ) -> Table:
        """Build the table of ``code`` from its parts' tables.

        ``goals``/``hits``: every expression whose value is in ``goals`` is appended to
        ``hits`` as it is made, not only the cheapest per value. ``keep``: store only
        values in this set (a lean last level that need not be complete); the result is
        then not remembered as the table of ``code``. ``alternatives=False``: only the
        cheapest expression per kept value matters, so dominated candidates are skipped.
        """
        splits = self.splits(code)
        for a, b in splits:
            self.table(a)
            self.table(b)
        built = self._build(code, self.members(code), splits, goals, hits, keep, alternatives)
        if keep is None:
            self.tables[code] = built
            self._count_entries(len(built.entries))
        self._done_codes += 1
        if self.progress is not None:
            self.progress(self._done_codes, self.n_codes - 1)
        return built

    def literals(self, members: tuple[int, ...]) -> list[tuple]:
        forms = literal_forms(
            members, self.ops, max_digits=self.bounds.max_digits, integers_only=self.integer_steps
        )
        out = []
        limit = self.bounds.max_magnitude
        for form in forms:
            value = form.value
            if type(value) is int:
                if value > limit or (self.integer_steps and value <= 0):
                    continue
            elif value.numerator > limit or value.denominator > limit:
                continue
            out.append(lit_node(form))
        return out

    def preimages(self, goals: set) -> set | None:
        """Values from which up to ``max_unary_depth`` unary operators can reach a goal.

        None when a rounding operator is allowed: every value near a goal could round
        onto it, so the last level cannot be kept lean.
        """
        if self.ops & ROUNDING_OPS:
            return None
        limit = self.bounds.max_magnitude
        found = set(goals)
        frontier = set(goals)
        for _ in range(self.bounds.max_unary_depth):
            new = set()
            for g in frontier:
                for name in self.unary:
                    if name == "neg":
                        new.add(-g)
                    elif name == "sqrt" and g > 0 and log10_size(g) * 2 <= math.log10(limit):
                        new.add(g * g)
                    elif name == "percent" and abs(g) * 100 <= limit:
                        new.add(g * 100 if type(g) is int else Fraction(g) * 100)
                    elif name in ("fact", "dfact", "gamma") and type(g) is int and g >= 1:
                        low = 1 if name == "gamma" else 0
                        top = self.bounds.max_factorial + (1 if name == "gamma" else 0)
                        for n in range(low, top + 1):
                            value = unary_exact(name, n)
                            if value == g and n != g:
                                new.add(n)
                            if value > g:
                                break
            new = {normal(v) for v in new} - found
            found |= new
            frontier = new
        return found

    def _build(self, code, members, splits, goals, hits, keep, alternatives=True) -> Table:
        table: dict = {}
        cap = self.cap_for(code)
        self._cap_now = cap
        self._room = cap - self._min_binary
        recording = goals is not None
        if recording:
            goals = {key_of(goal) for goal in goals}
        if keep is not None:
            keep = {key_of(value) for value in keep}
        bounds = self.bounds
        limit = bounds.max_magnitude
        integer_steps = self.integer_steps
        get = table.get
        float_goals = self.float_goals if recording else ()

        def put(key, value, cost, op, left, right, exact):
            if cost > cap:
                self.capped = True  # something was left out: the search is complete only up to the cap
                return None
            old = get(key)
            if old is not None and old[0] <= cost:
                if recording and key in goals:
                    hits.append((cost, value, op, left, right, exact))
                return None
            entry = (cost, value, op, left, right, exact)
            if keep is None or key in keep:
                table[key] = entry
            if recording and key in goals:
                hits.append(entry)
            return entry

        def put_ratio(n, d, cost, op, left, right, exact):
            """Store n/d (integers, d != 0), building the Fraction only if it is kept."""
            if cost > cap:
                self.capped = True
                return None
            g = gcd(n, d)
            if d < 0:
                g = -g
            n //= g
            d //= g
            if d == 1:
                if not -limit <= n <= limit or (integer_steps and n <= 0):
                    return None
                return put(n, n, cost, op, left, right, exact)
            if integer_steps or not -limit <= n <= limit or d > limit:
                return None
            key = (n, d)
            old = get(key)
            if old is not None and old[0] <= cost:
                if recording and key in goals:
                    hits.append((cost, old[1], op, left, right, exact))
                return None
            return put(key, Fraction(n, d), cost, op, left, right, exact)

        def put_value(value, cost, op, left, right, exact) -> tuple | None:
            """Check bounds and type, then store; the one gate for every non-hot-path value."""
            kind = type(value)
            if kind is int:
                if not -limit <= value <= limit:
                    return None
                if integer_steps and value <= 0:
                    return None
                return put(value, value, cost, op, left, right, exact)
            if kind is Fraction:
                if value.denominator == 1:
                    return put_value(value.numerator, cost, op, left, right, exact)
                num, den = value.numerator, value.denominator
                if integer_steps or not -limit <= num <= limit or den > limit:
                    return None
                return put((num, den), value, cost, op, left, right, exact)
            # an approximate (float) value
            if integer_steps or value != value or not (-limit <= value <= limit):
                return None
            size = abs(value)
            near = round(value)
            if abs(value - near) <= SNAP_TOLERANCE * max(1.0, size):
                near = int(near)
                return put(near, near, cost, op, left, right, False)
            for goal in float_goals:
                if abs(value - goal) <= SNAP_TOLERANCE * max(1.0, abs(goal)):
                    return put(key_of(goal), goal, cost, op, left, right, False)
            atom = right is None or (type(left[1]) is not float and type(right[1]) is not float)
            if not atom:
                # the irrational atom rule: a binary step on an irrational value must
                # come back to a rational; try the small fractions it may equal (one
                # test: every denominator up to 10, and 12, divides SNAP_DENOMINATOR)
                scaled = value * SNAP_DENOMINATOR
                near = round(scaled)
                if abs(scaled - near) <= SNAP_TOLERANCE * max(1.0, abs(scaled)):
                    return put_value(Fraction(int(near), SNAP_DENOMINATOR), cost, op, left, right, False)
                return None
            if size < 1.0 / limit:
                return None
            return put(float_key(value), value, cost, op, left, right, False)

        self._put_ratio = put_ratio
        for node in self.literals(members):
            put_value(node[VALUE], node[COST], "lit", node[LEFT], None, True)

        targets = None
        if keep is not None:
            by_float = {float(k if type(k) is not tuple else Fraction(*k)): k for k in keep}
            targets = sorted(by_float.items())
        if targets is None:
            # estimate the whole level before computing any of it: a level that would not
            # fit in the work budget is refused before it starts
            self.charge(sum(self._pair_work(self.tables[a], self.tables[b], a == b) for a, b in splits))
        for a, b in splits:
            if targets is not None:
                self._combine_filtered(a, b, targets, put_value, None if alternatives else get)
            else:
                self._combine(self.tables[a], self.tables[b], a == b, put, put_value)

        if self.unary and bounds.max_unary_depth:
            frontier = list(table.values())
            for _ in range(bounds.max_unary_depth):
                self.charge(len(frontier) * len(self.unary))
                frontier = self._unary(frontier, put_value)
                if not frontier:
                    break
        entries = sorted(table.values(), key=_cost)
        rational = [e for e in entries if type(e[1]) is not float]
        irrational = [e for e in entries if type(e[1]) is float]
        all_int = all(type(e[1]) is int for e in entries)
        return Table(
            table, entries, rational, irrational, all_int,
            [e[0] for e in rational], [e[0] for e in irrational],
        )

    # ----- binary operators -----------------------------------------------------------
    def _pair_work(self, ta: Table, tb: Table, same: bool) -> int:
        """How many operator applications ``_combine`` will make for these two tables
        (under a cost cap, an operator only counts for the pairs cheap enough for it)."""
        cap = self._cap_now
        work = 0
        if cap != math.inf:
            # is any pair left out by the cap? then this level is complete only up to it
            everything = _count(_pairs_within(ta.rational_costs, tb.rational_costs, same, math.inf))
            everything += _count(_pairs_within(ta.irrational_costs, tb.irrational_costs, same, math.inf))
            largest = max(self.c[name] for name in self.binary) if self.binary else 0
            affordable = _count(_pairs_within(ta.rational_costs, tb.rational_costs, same, cap - largest))
            affordable += _count(_pairs_within(ta.irrational_costs, tb.irrational_costs, same, cap - largest))
            if affordable < everything or (
                self.slow_binary and (ta.irrational or tb.irrational) and ta.rational + tb.rational
            ):
                self.capped = True
        for op_cost, count in self._binary_costs:
            room = cap - op_cost
            pairs = _count(_pairs_within(ta.rational_costs, tb.rational_costs, same, room))
            pairs += _count(_pairs_within(ta.irrational_costs, tb.irrational_costs, same, room))
            work += pairs * count
        if ta.irrational or tb.irrational:
            for op_cost, count in self._slow_costs:
                room = cap - op_cost
                mixed = _count(_pairs_within(ta.irrational_costs, tb.rational_costs, False, room))
                if not same:
                    mixed += _count(_pairs_within(tb.irrational_costs, ta.rational_costs, False, room))
                work += mixed * count
        return work

    def _combine(self, ta: Table, tb: Table, same: bool, put, put_value) -> None:
        """Every binary operator on (a, b) from two tables, both operand orders.

        Rational pairs get every operator (integer pairs on a fast path); a pair with
        an irrational operand only gets what can bring it back to a rational. Under a
        cost cap, pairs too costly for it are never formed (lists are cheapest first).
        """
        room = self._room
        ra, ia, rb, ib = ta.rational, ta.irrational, tb.rational, tb.irrational
        pairs_rr = _pairs_within(ta.rational_costs, tb.rational_costs, same, room)
        pairs_ii = _pairs_within(ta.irrational_costs, tb.irrational_costs, same, room)
        self._rational_pairs(ra, rb, pairs_rr, put, put_value, self._put_ratio)
        generic = self._generic
        for i, start, end in pairs_ii:
            ea = ia[i]
            va, ca = ea[1], ea[0]
            for eb in ib[start:end]:
                generic(self.binary, ea, eb, va, eb[1], ca + eb[0], False, put_value)
        slow = self.slow_binary
        if slow and (ia or ib):
            mixed = [(ia, ta.irrational_costs, rb, tb.rational_costs)]
            if not same:
                mixed.append((ib, tb.irrational_costs, ra, ta.rational_costs))
            for irr, irr_costs, rat, rat_costs in mixed:
                spans = _pairs_within(irr_costs, rat_costs, False, room)
                for i, start, end in spans:
                    ea = irr[i]
                    va, ca = ea[1], ea[0]
                    for eb in rat[start:end]:
                        generic(slow, ea, eb, va, eb[1], ca + eb[0], False, put_value)

    def _one(self, name: str, ea: tuple, eb: tuple, put_value) -> None:
        """``name(a, b)`` for one ordered pair, exactly (integers on a fast path)."""
        va, vb = ea[1], eb[1]
        cost = ea[0] + eb[0] + self.c[name]
        exact = ea[5] and eb[5]
        if type(va) is int and type(vb) is int and name in ("add", "sub", "mul", "div"):
            if name == "add":
                put_value(va + vb, cost, name, ea, eb, exact)
            elif name == "sub":
                put_value(va - vb, cost, name, ea, eb, exact)
            elif name == "mul":
                put_value(va * vb, cost, name, ea, eb, exact)
            elif vb:
                value = va // vb if va % vb == 0 else Fraction(va, vb)
                put_value(value, cost, name, ea, eb, exact)
            return
        approx = type(va) is float or type(vb) is float
        if name == "add":
            put_value(va + vb, cost, name, ea, eb, exact)
        elif name == "sub":
            put_value(va - vb, cost, name, ea, eb, exact)
        elif name == "mul":
            put_value(va * vb, cost, name, ea, eb, exact)
        elif name == "div":
            if vb:
                put_value(va / vb if approx else Fraction(va) / vb, cost, name, ea, eb, exact)
        elif name == "pow":
            self._pow(va, vb, cost, "pow", ea, eb, exact, put_value)
        elif name == "root":
            self._root(va, vb, cost, ea, eb, exact, put_value)
        else:
            self._log(va, vb, cost, ea, eb, exact, put_value)

    def _rational_pairs(self, list_a, list_b, spans, put, put_value, put_ratio) -> None:
        ops = self.ops
        c = self.c
        limit = self.bounds.max_magnitude
        integer_steps = self.integer_steps
        do_add, do_sub, do_mul, do_div = "add" in ops, "sub" in ops, "mul" in ops, "div" in ops
        slow_ops = self.slow_binary
        c_add, c_sub, c_mul, c_div = c["add"], c["sub"], c["mul"], c["div"]
        generic = self._generic
        for i, start, end in spans:
            ea = list_a[i]
            va = ea[1]
            ca = ea[0]
            xa = ea[5]
            a_int = type(va) is int
            for eb in list_b[start:end]:
                vb = eb[1]
                cost = ca + eb[0]
                exact = xa and eb[5]
                if a_int and type(vb) is int:
                    # the hot path: two integers, no type juggling
                    if do_add:
                        v = va + vb
                        if -limit <= v <= limit and (v > 0 or not integer_steps):
                            put(v, v, cost + c_add, "add", ea, eb, exact)
                    if do_sub:
                        v = va - vb
                        if -limit <= v <= limit:
                            if v > 0 or not integer_steps:
                                put(v, v, cost + c_sub, "sub", ea, eb, exact)
                            if -v > 0 or not integer_steps:
                                put(-v, -v, cost + c_sub, "sub", eb, ea, exact)
                    if do_mul:
                        v = va * vb
                        if -limit <= v <= limit and (v > 0 or not integer_steps):
                            put(v, v, cost + c_mul, "mul", ea, eb, exact)
                    if do_div:
                        if vb:
                            if va % vb == 0:
                                v = va // vb
                                if v > 0 or not integer_steps:
                                    put(v, v, cost + c_div, "div", ea, eb, exact)
                            elif not integer_steps:
                                put_value(Fraction(va, vb), cost + c_div, "div", ea, eb, exact)
                        if va and vb != va:
                            if vb % va == 0:
                                v = vb // va
                                if v > 0 or not integer_steps:
                                    put(v, v, cost + c_div, "div", eb, ea, exact)
                            elif not integer_steps:
                                put_value(Fraction(vb, va), cost + c_div, "div", eb, ea, exact)
                    if slow_ops:
                        generic(slow_ops, ea, eb, va, vb, cost, exact, put_value)
                else:
                    # at least one fraction: integer arithmetic on numerators/denominators
                    an, ad = (va, 1) if a_int else (va.numerator, va.denominator)
                    bn, bd = (vb, 1) if type(vb) is int else (vb.numerator, vb.denominator)
                    if do_add:
                        put_ratio(an * bd + bn * ad, ad * bd, cost + c_add, "add", ea, eb, exact)
                    if do_sub:
                        put_ratio(an * bd - bn * ad, ad * bd, cost + c_sub, "sub", ea, eb, exact)
                        put_ratio(bn * ad - an * bd, ad * bd, cost + c_sub, "sub", eb, ea, exact)
                    if do_mul:
                        put_ratio(an * bn, ad * bd, cost + c_mul, "mul", ea, eb, exact)
                    if do_div:
                        if bn:
                            put_ratio(an * bd, ad * bn, cost + c_div, "div", ea, eb, exact)
                        if an:
                            put_ratio(bn * ad, bd * an, cost + c_div, "div", eb, ea, exact)
                    if slow_ops:
                        generic(slow_ops, ea, eb, va, vb, cost, exact, put_value)

    def _generic(self, names, ea, eb, va, vb, cost, exact, put_value) -> None:
        """Binary operators on any mix of int, Fraction and float, both operand orders."""
        c = self.c
        cap = self._cap_now
        approx = type(va) is float or type(vb) is float
        for name in names:
            op_cost = cost + c[name]
            if op_cost > cap:
                self.capped = True  # too costly for the cap: never computed
                continue
            if name == "add":
                put_value(va + vb, op_cost, "add", ea, eb, exact)
            elif name == "mul":
                put_value(va * vb, op_cost, "mul", ea, eb, exact)
            elif name == "sub":
                put_value(va - vb, op_cost, "sub", ea, eb, exact)
                put_value(vb - va, op_cost, "sub", eb, ea, exact)
            elif name == "div":
                if vb:
                    put_value(va / vb if approx else Fraction(va) / vb, op_cost, "div", ea, eb, exact)
                if va:
                    put_value(vb / va if approx else Fraction(vb) / va, op_cost, "div", eb, ea, exact)
            elif name == "pow":
                self._pow(va, vb, op_cost, "pow", ea, eb, exact, put_value)
                self._pow(vb, va, op_cost, "pow", eb, ea, exact, put_value)
            elif name == "root":
                self._root(va, vb, op_cost, ea, eb, exact, put_value)
                self._root(vb, va, op_cost, eb, ea, exact, put_value)
            elif name == "log":
                self._log(va, vb, op_cost, ea, eb, exact, put_value)
                self._log(vb, va, op_cost, eb, ea, exact, put_value)

    def _pow(self, base, exponent, cost, op, left, right, exact, put_value) -> None:
        """``base ** exponent``, estimated first; ``left``/``right`` are what gets rendered."""
        if type(base) is float or type(exponent) is float:
            self._pow_float(float(base), float(exponent), cost, op, left, right, put_value)
            return
        bn, bd = (base, 1) if type(base) is int else (base.numerator, base.denominator)
        en, ed = (exponent, 1) if type(exponent) is int else (exponent.numerator, exponent.denominator)
        self._pow_exact(bn, bd, en, ed, cost, op, left, right, exact, put_value)

    def _pow_float(self, base: float, exponent: float, cost, op, left, right, put_value) -> None:
        if base <= 0:
            if base == 0 and exponent > 0:
                put_value(0.0, cost, op, left, right, False)
            return
        if abs(math.log10(base) * exponent) > self._log_limit:
            return
        put_value(base**exponent, cost, op, left, right, False)

    def _pow_exact(self, bn, bd, en, ed, cost, op, left, right, exact, put_value) -> None:
        """(bn/bd) ** (en/ed) for integers (bd, ed > 0): exact when the result is rational,
        else a float (an irrational atom). Sizes are estimated before anything is raised."""
        log_limit = self._log_limit
        if bn == 0:
            if en > 0:
                put_value(0, cost, op, left, right, exact)
            return
        if ed != 1:
            if bn < 0:
                return  # no real principal root of a negative number
            size = max(math.log10(bn), math.log10(bd) if bd > 1 else 0.0)
            if size * abs(en) / ed > log_limit:
                return
            rn = iroot(bn, ed) if ed <= MAX_ROOT_INDEX else None
            rd = iroot(bd, ed) if rn is not None else None
            if rd is None:
                put_value((bn / bd) ** (en / ed), cost, op, left, right, False)
                return
            bn, bd = rn, rd
        size = max(math.log10(abs(bn)), math.log10(bd) if bd > 1 else 0.0)
        if en and size * abs(en) > log_limit:
            return  # too large (or too small) to be worth computing
        if en >= 0:
            num, den = bn**en, bd**en
        else:
            num, den = bd**-en, bn**-en
            if den < 0:
                num, den = -num, -den
        put_value(num if den == 1 else Fraction(num, den), cost, op, left, right, exact)

    def _root(self, x, y, cost, left, right, exact, put_value) -> None:
        """The y-th root of x: x ** (1/y)."""
        if type(x) is float or type(y) is float:
            if y == 0 or y == 1 or x <= 0:
                return
            self._pow_float(float(x), 1.0 / float(y), cost, "root", left, right, put_value)
            return
        yn, yd = (y, 1) if type(y) is int else (y.numerator, y.denominator)
        if yn == 0 or yn == yd:
            return
        if yn < 0:
            yn, yd = -yn, -yd
        xn, xd = (x, 1) if type(x) is int else (x.numerator, x.denominator)
        self._pow_exact(xn, xd, yd, yn, cost, "root", left, right, exact, put_value)

    def _log(self, x, base, cost, left, right, exact, put_value) -> None:
        """The logarithm of x to ``base``; exact when x is a rational power of base."""
        if x <= 0 or base <= 0 or base == 1:
            return
        if x == 1:
            put_value(0, cost, "log", left, right, exact and type(base) is not float)
            return
        value = math.log(x) / math.log(base)
        if type(x) is not float and type(base) is not float:
            for q in range(1, 7):
                p = round(value * q)
                if abs(value * q - p) > 1e-9 or p == 0:
                    continue
                # check base ** p == x ** q exactly, estimated first
                if abs(p) * log10_size(base) + q * log10_size(x) > 4 * self.bounds.log10_magnitude:
                    break
                if Fraction(base) ** p == Fraction(x) ** q:
                    put_value(Fraction(p, q), cost, "log", left, right, exact)
                    return
                break
        put_value(value, cost, "log", left, right, False)

    # ----- unary operators -------------------------------------------------------------
    def _unary(self, frontier: list, put_value) -> list:
        """Apply every unary operator once to each expression; returns the new ones."""
        c = self.c
        bounds = self.bounds
        log_limit = bounds.log10_magnitude
        cap = self._cap_now
        new: list = []
        keep = new.append
        for entry in frontier:
            v = entry[1]
            base_cost = entry[0]
            exact = entry[5]
            kind = type(v)
            for name in self.unary:
                cost = base_cost + c[name]
                if cost > cap:
                    self.capped = True
                    continue
                out = None
                if name == "neg":
                    if v:
                        out = put_value(-v, cost, name, entry, None, exact)
                elif name == "sqrt":
                    if v > 0 and v != 1:
                        if kind is float:
                            out = put_value(math.sqrt(v), cost, name, entry, None, False)
                        else:
                            root = exact_root(v, 2)
                            if root is not None:
                                out = put_value(root, cost, name, entry, None, exact)
                            else:
                                out = put_value(math.sqrt(v), cost, name, entry, None, False)
                elif name in ("fact", "dfact", "gamma"):
                    if kind is not int:
                        continue
                    n = v - 1 if name == "gamma" else v
                    if n < 0 or n > bounds.max_factorial:
                        continue
                    # n!! <= n! and Γ(v) = (v-1)!: one estimate bounds all three
                    if math.lgamma(n + 1) / math.log(10) > log_limit + 1:
                        continue
                    value = unary_exact(name, v)
                    if value != v:
                        out = put_value(value, cost, name, entry, None, exact)
                elif name in ("floor", "ceil"):
                    if kind is int:
                        continue
                    value = math.floor(v) if name == "floor" else math.ceil(v)
                    out = put_value(value, cost, name, entry, None, exact and kind is not float)
                elif name == "percent":
                    if v:
                        value = v / 100 if kind is float else Fraction(v, 100)
                        out = put_value(value, cost, name, entry, None, exact)
                if out is not None:
                    keep(out)
        return new

def _pairs_within(costs_a: list, costs_b: list, same: bool, room: float) -> list:
    """For each i, the slice [start, end) of b whose cost keeps cost_a[i] + cost_b <= room.

    Both lists are sorted, so the slices shrink as i grows; ``same`` (a table paired
    with itself) takes each unordered pair once.
    """
    spans = []
    if not costs_a or not costs_b:
        return spans
    if room == math.inf:
        n = len(costs_b)
        return [(i, i if same else 0, n) for i in range(len(costs_a)) if n > (i if same else 0)]
    first_b = costs_b[0]
    for i, cost in enumerate(costs_a):
        if cost + first_b > room:
            break
        end = bisect.bisect_right(costs_b, room - cost)
        start = i if same else 0
        if end > start:
            spans.append((i, start, end))
    return spans


def _cost_classes(names: list[str], costs: dict) -> list[tuple[int, int]]:
    """[(cost, how many of ``names`` have it)], for estimating work under a cap."""
    classes: dict[int, int] = {}
    for name in names:
        classes[costs[name]] = classes.get(costs[name], 0) + 1
    return sorted(classes.items())


def _count(spans: list) -> int:
    return sum(end - start for _, start, end in spans)


def _cost(entry) -> int:
    return entry[0]
