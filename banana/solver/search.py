"""The enumeration: dynamic programming over sub-multisets of the puzzle's numbers, by cost.

For every sub-multiset S of the numbers (identical numbers are merged, so ``4 4 4 4``
has the four sub-multisets {4}, {4,4}, {4,4,4}, {4,4,4,4}, not 15 subsets) the search
keeps a table ``value -> cheapest expression``. The table is built in *cost layers*:
layer k holds the values whose cheapest expression costs exactly k, made from

* the literals written with exactly S's digits (22, .2, 2.2, .2̄ ...) that cost k,
* a binary operator of cost c on a value of A costing x and a value of B costing
  k - c - x, for every split S = A + B,
* a unary operator of cost c on a value of S costing k - c (at most
  ``max_unary_depth`` unary operators stacked directly on one another, and a rounding
  ⌊⌋ ⌈⌉ around them; a value whose cheapest expression is already stacked keeps a
  costlier, less stacked one for unary operators only, so the depth bound never hides
  an expression within it).

With integer steps and no unary operator (Countdown, Krypto), a pair is filed
directly (``_whole_pairs``); with ``--use some`` and one answer wanted, a table leaves
out the values a smaller sub-multiset makes (``prune``). Which costs an expression over
s numbers can have depends only on s (``next_cost``), so a deepening skips the others.

Every source of layer k costs less than k, so a layer is final once built: raising
the cost cap from C to C' builds layers C+1..C' and recomputes nothing. A table is
*exhausted* once no expression over S can cost more than the layers built (its parts
are exhausted, and the layers past their costliest pair plus the deepest unary chain
are built): it is then complete within the bounds.

Values are exact rationals (``int`` or ``fractions.Fraction``; tables key fractions by
``(numerator, denominator)`` and combine them in integer arithmetic) wherever the step
is rational. An irrational step is carried as a ``float`` under one rule, the
*irrational atom* rule: an irrational value is made from rational operands (√22, √.2,
4^.4, log) and may be transformed further by unary operators (⌈√22⌉, √√2), but the
next binary operator that uses it must bring the result back to a rational ((√.2)⁻²,
√2×√8). A float within 1e-10 (relative) of an integer, of a small-denominator fraction
or of the target is snapped to it and the expression is marked inexact; ``verify.py``
proves such expressions exactly (or they are dropped).

The whole multiset is not tabulated in full (``lastlevel.Top``): only the values that
are a goal, or that unary operators can turn into one, are kept there.

A target query deepens by cost (``api.py``): layer after layer until it has its
answers (they are the simplest there are), until every table is exhausted (then no
answer exists within the bounds: that is a proof, not a guess), or until the work
budget runs out. Magnitudes are estimated before they are computed (log-size for
powers, factorials and concatenations), so ``((4!)!)!`` or ``9^9^9`` is never
evaluated, and each layer's work is estimated and charged before it starts: a query
that would explode stops with a PuzzleError instead of running for hours or filling
memory.

An expression is a tuple ``(cost, value, op, left, right, exact)`` (positions below);
``left``/``right`` are child tuples, or a ``Literal`` in ``left`` for op "lit".
Tuples keep the hot loops fast; ``render.py`` and ``verify.py`` read them.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass, fields
from fractions import Fraction
from math import gcd
from typing import Callable, Iterable

from banana.errors import PuzzleError
from banana.solver.lastlevel import Keep
from banana.solver.literals import Literal, count_literal_forms, literal_forms
from banana.solver.ops import ARITHMETIC, NUMBER_COST, OPERATORS
from banana.solver.values import (
    COST,
    LEFT,
    OP,
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


class SearchTooLarge(PuzzleError):
    """A search went over its work budget or its stored bound (``Bounds``)."""

BINARY_ORDER = ("add", "sub", "mul", "div", "pow", "root", "log")
UNARY_ORDER = ("neg", "sqrt", "fact", "dfact", "gamma", "floor", "ceil", "percent")
SLOW_BINARY = frozenset({"pow", "root", "log"})  # the only ones that can bring an irrational back
UNARY_SET = frozenset(UNARY_ORDER)
# a rounding around a chain of unary operators does not count towards --max-depth:
# ⌈√((2+2)!)⌉ rounds a chain of two (once something is applied to the rounded value, the
# rounding counts like any other operator)
ROUNDING = frozenset({"floor", "ceil"})
# what every step of an answer may be (``--steps``): any number; an integer; an integer
# >= 0 (Krypto: (24-24)*16*22+25); an integer >= 1 (Countdown)
STEPS = ("any", "integer", "nonnegative", "positive")
STEP_FLOOR = {"any": None, "integer": None, "nonnegative": 0, "positive": 1}
COSTS = {name: op.cost for name, op in OPERATORS.items()}  # read-only
# with only these, the last step can be found by lookups instead of enumeration
LOOKUP_OPS = frozenset({"add", "sub", "mul", "div", "concat", "decimal", "repeating"})
CROWD_CHECK = 4096  # new entries between two checks of the stored bound inside a layer
COST_HORIZON = 160  # costs worked out per count of numbers (``next_cost``); past it, one at a time
LITERAL_WORK = 4  # steps of work charged for making one literal (its digits, its value: ~5 µs)
# kinds of pair jobs in a layer
_RATIONAL, _IRRATIONAL, _MIXED = range(3)


# the range each bound may take: the upper ends keep a query's time and memory bounded
# whatever is asked (``banana solve --help`` states them)
BOUND_RANGES: dict[str, tuple[int, int]] = {
    "max_unary_depth": (0, 8),
    "max_factorial": (1, 100),  # beyond ~30, --max-value already bounds n! (30! > 1e30)
    "max_magnitude": (1, 10**30),
    "max_digits": (1, 12),
    "max_work": (1, 10**8),  # a few minutes of search at most
    "max_entries": (1, 10**7),  # a few GB at most
}


@dataclass(frozen=True)
class Bounds:
    """Limits that make every query terminate; each is a ``banana solve`` option.

    ``max_work`` is the one budget every part of a search is charged to (tables,
    pairs landing on a goal, unary preimages of the goals, literals, proofs of the
    answers); ``max_entries`` bounds what a search stores (expressions, the values it
    keeps for the goals, candidate pairs, answers found). Each bound lies within
    ``BOUND_RANGES``.
    """

    max_unary_depth: int = 2  # unary operators stacked directly on one another (√√x is 2)
    max_factorial: int = 12  # largest n for n!, n!! and Γ(n+1)
    max_magnitude: int = 10**12  # largest |numerator| and denominator of any intermediate value
    max_digits: int = 6  # longest number written from the puzzle's digits
    max_work: int = 3_000_000  # steps of work before the search refuses (~1-3 µs each)
    max_entries: int = 750_000  # stored items (~250-450 bytes each) before the search refuses

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise PuzzleError(f"{field.name} must be an integer, not {value!r}")
            low, high = BOUND_RANGES[field.name]
            if value < low:
                raise PuzzleError(f"{field.name} must be at least {low}, not {value}")
            if value > high:
                raise PuzzleError(f"{field.name} must be at most {high:,}, not {value:,}")

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


class Table:
    """The expressions of one sub-multiset, cheapest per value, in cost layers.

    ``entries`` (and its ``rational``/``irrational`` parts) are sorted by cost; ``at``
    maps a cost to the (start, end) slice of its layer in the matching list. The table
    is complete through cost ``done``; ``horizon`` is the most any of its expressions
    can cost, once known (its parts exhausted).
    """

    __slots__ = (
        "by_value", "entries", "rational", "irrational", "at", "rational_at", "irrational_at",
        "costs", "all_int", "done", "horizon", "shadows", "stacked",
    )

    def __init__(self, done: int) -> None:
        self.by_value: dict = {}
        self.entries: list = []
        self.rational: list = []  # entries with an int/Fraction value
        self.irrational: list = []  # entries with a float value
        self.at: dict[int, tuple[int, int]] = {}
        self.rational_at: dict[int, tuple[int, int]] = {}
        self.irrational_at: dict[int, tuple[int, int]] = {}
        self.costs: list[int] = []  # the costs that have a layer, ascending
        self.all_int = True  # every value is an int (lookups of fractions can be skipped)
        self.done = done
        self.horizon: int | None = None
        # a value whose cheapest expression sits on stacked unary operators may need a
        # costlier, less stacked one to take more of them: ``shadows`` (cost -> entries)
        # hold those, for unary operators only; ``stacked`` (key -> depth) is the least
        # stacking kept for a value, where it is not 0
        self.shadows: dict[int, list] = {}
        self.stacked: dict = {}

    @property
    def exhausted(self) -> bool:
        """True when the table is complete: no expression costs more than its layers."""
        return self.horizon is not None and self.done >= self.horizon

    def add_layer(self, cost: int, fresh: list, shadows: list) -> None:
        """Append the layer of ``cost`` (already filed in ``by_value``)."""
        if shadows:
            self.shadows[cost] = list(shadows)
        if not fresh:
            return
        start = len(self.entries)
        self.entries.extend(fresh)
        self.at[cost] = (start, len(self.entries))
        rational = [e for e in fresh if type(e[1]) is not float]
        if rational:
            start = len(self.rational)
            self.rational.extend(rational)
            self.rational_at[cost] = (start, len(self.rational))
        if len(rational) < len(fresh):
            irrational = [e for e in fresh if type(e[1]) is float]
            start = len(self.irrational)
            self.irrational.extend(irrational)
            self.irrational_at[cost] = (start, len(self.irrational))
        if self.all_int and (len(rational) < len(fresh) or any(type(e[1]) is not int for e in rational)):
            self.all_int = False
        self.costs.append(cost)


def lit_node(literal: Literal) -> tuple:
    return (literal.cost, literal.value, "lit", literal, None, True)


ENTRY_BYTES = 250  # memory one stored expression takes, measured with tracemalloc (100-250 bytes)
CACHE_BYTES = 64 * 2**20  # what a batch's table cache may hold (--batch), in bytes


class TableCache:
    """Tables of sub-multisets, shared between puzzles with the same settings (``--batch``).

    A table depends only on its numbers and the settings, not on the puzzle, so a
    puzzle may extend a table an earlier one started. What the cache holds is bounded
    in bytes (``max_bytes``, each expression counted at ``ENTRY_BYTES``): past it, every
    table is forgotten (the search holding one keeps it).
    """

    def __init__(self, *, max_bytes: int = CACHE_BYTES, max_entries: int | None = None) -> None:
        if max_entries is not None:  # the older bound, in stored items
            max_bytes = max_entries * ENTRY_BYTES
        if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < ENTRY_BYTES:
            raise PuzzleError(f"max_bytes must be a whole number of at least {ENTRY_BYTES}, not {max_bytes!r}")
        self.max_bytes = max_bytes
        self._tables: dict = {}  # settings -> {members: Table}
        self._size = 0  # bytes held, estimated

    @property
    def max_entries(self) -> int:
        return self.max_bytes // ENTRY_BYTES

    @property
    def size(self) -> int:
        """The bytes the cache holds, estimated."""
        return self._size

    def tables_for(self, settings) -> dict:
        """The tables built under ``settings`` (a dict the engine reads and fills)."""
        found = self._tables.get(settings)
        if found is None:
            found = self._tables[settings] = {}
        return found

    def note(self, entries: int) -> None:
        """Count new entries; forget every table when the cache grows too large (the
        engines holding one keep it)."""
        self._size += entries * ENTRY_BYTES
        if self._size > self.max_bytes:
            for tables in self._tables.values():
                tables.clear()
            self._size = 0


class Engine:
    """One search: the numbers, operators and bounds, and the tables built so far."""

    def __init__(
        self,
        numbers: Iterable[int],
        ops: frozenset[str],
        *,
        integer_steps: bool = False,
        steps: str | None = None,
        ordered: bool = False,
        use: str = "all",
        bounds: Bounds = Bounds(),
        cache: TableCache | None = None,
        progress: Callable[[int, int], None] | None = None,
        prune: bool = False,
    ) -> None:
        numbers = tuple(numbers) if ordered else tuple(sorted(numbers))
        if not numbers:
            raise PuzzleError("no numbers given")
        if len(numbers) > MAX_NUMBERS:
            raise PuzzleError(f"too many numbers: {len(numbers)} (at most {MAX_NUMBERS})")
        steps = steps or ("positive" if integer_steps else "any")
        if steps not in STEPS:
            raise PuzzleError(f"steps must be one of {', '.join(STEPS)}, not {steps!r}")
        self.numbers = numbers
        self.use = use
        self.ops = frozenset(ops)
        self.steps = steps
        self.integer_steps = steps != "any"  # every step an integer (no fractions, no floats)
        floor = STEP_FLOOR[steps]
        # the least value a step may take (the bound, or the rule's floor)
        self.low = -bounds.max_magnitude if floor is None else floor
        self.ordered = ordered
        self.one_way = ordered  # a binary step takes its left operand from the left part only
        self.bounds = bounds
        self.cache = cache
        self.progress = progress
        if ordered:
            # the parts are the runs of neighbours numbers[i:j], shortest first
            runs = [(i, i + size) for size in range(1, len(numbers) + 1) for i in range(len(numbers) - size + 1)]
            self._runs = [(0, 0)] + runs
            self._run_code = {run: code for code, run in enumerate(self._runs) if code}
            self.n_codes = len(self._runs)
            self.full = self._run_code[(0, len(numbers))]
        else:
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
        self.lookup_ok = self.ops <= LOOKUP_OPS
        self.c = COSTS
        # binary operators grouped by cost: (cost, names, the slow ones among them)
        classes: dict[int, list[str]] = {}
        for name in self.binary:
            classes.setdefault(COSTS[name], []).append(name)
        self.binary_classes = [
            (cost, tuple(names), tuple(n for n in names if n in SLOW_BINARY))
            for cost, names in sorted(classes.items())
        ]
        unary_classes: dict[int, list[str]] = {}
        for name in self.unary:
            unary_classes.setdefault(COSTS[name], []).append(name)
        self.unary_classes = sorted((cost, tuple(names)) for cost, names in unary_classes.items())
        self._min_binary = min(classes) if classes else 0
        self._max_binary = max(classes) if classes else 0
        rounding = [COSTS[name] for name in self.unary if name in ROUNDING]
        # the most a chain of unary operators above a binary step or a number costs:
        # max_unary_depth of them, and a rounding around the whole
        depth = bounds.max_unary_depth
        self._unary_reach = depth * max(unary_classes, default=0) + max(rounding, default=0) if depth else 0
        joins = list(classes)
        if len(numbers) > 1 and "concat" in self.ops:
            joins.append(OPERATORS["concat"].cost)
        # the least an expression pays to take in one more number: the number and a join
        self._per_number = NUMBER_COST + (min(joins) if joins else 0)
        self.work = 0
        self.work_limit = bounds.max_work  # lowered for an optional extra (counting answers)
        self.entries = 0
        self.tables: dict[int, Table] = {}
        self.float_goals: list = []  # fractional targets a float may snap to (last levels only)
        # --use some, one answer wanted, + - × ÷ only (every expression over s numbers
        # costs 2s - 1): a value a smaller sub-multiset makes is left out of a larger one's
        # table, since any answer built on it has a cheaper twin on fewer numbers
        self.prune = bool(prune) and use != "all" and not ordered and self.ops <= ARITHMETIC
        settings = (self.ops, steps, ordered, bounds, self.prune)
        self._shared = None if cache is None else cache.tables_for(settings)
        self._exhausted: set[int] = set()
        if ordered:
            members = [numbers[i:j] for i, j in self._runs]
        else:
            # every sub-multiset's numbers, indexed by code (the first distinct number is
            # the lowest mixed-radix digit, so each number's block repeats the previous list)
            members = [()]
            for number, count in zip(self.distinct, self.counts):
                members = [m + (number,) * k for k in range(count + 1) for m in members]
        self._members = members
        self._sizes = [len(m) for m in members]
        self._cheapest = [self.cheapest(n) for n in range(len(numbers) + 1)]
        self._literal_nodes: dict[int, list] = {}
        self._costs_by_size: list[list[int]] | None = None
        self._below: dict[int, frozenset] = {}
        self._splits: dict[int, list[tuple[int, int]]] = {}
        self.arrays: dict = {}  # code -> float and cost arrays of its entries (lastlevel)
        self._log_limit = bounds.log10_magnitude
        # the cost classes whose pairs take the whole-number path (``_whole_pairs``):
        # integer steps and no unary operator (no fractions, no stacking to track)
        self._whole = frozenset(
            names for _, names, slow in self.binary_classes if not slow
        ) if self.integer_steps and not self.unary else frozenset()

    # ----- sub-multisets ---------------------------------------------------------
    def vector(self, code: int) -> list[int]:
        return [(code // stride) % (count + 1) for count, stride in zip(self.counts, self.strides)]

    def members(self, code: int) -> tuple[int, ...]:
        """The numbers of sub-multiset ``code``, sorted."""
        return self._members[code]

    def size(self, code: int) -> int:
        return self._sizes[code]

    def codes_by_size(self) -> list[int]:
        return sorted(range(1, self.n_codes), key=lambda code: (self._sizes[code], code))

    def splits(self, code: int) -> list[tuple[int, int]]:
        """Unordered splits S = A + B with both parts non-empty (A <= B as codes); in
        order (--ordered): the run cut in two, (left part, right part)."""
        found = self._splits.get(code)
        if found is not None:
            return found
        if self.ordered:
            i, j = self._runs[code]
            self.charge(j - i)
            found = self._splits[code] = [(self._run_code[i, k], self._run_code[k, j]) for k in range(i + 1, j)]
            return found
        subs = [0]
        for k, stride in zip(self.vector(code), self.strides):
            if k:
                subs = [s + j * stride for s in subs for j in range(k + 1)]
        self.charge(len(subs))
        found = self._splits[code] = [(a, code - a) for a in subs if 0 < a <= code - a]
        return found

    def min_cost(self) -> int:
        """The cost of the cheapest conceivable answer: every number and one join each."""
        return self.cheapest(len(self.numbers) if self.use == "all" else 1)

    def cheapest(self, count: int) -> int:
        """The least an expression over ``count`` numbers can cost."""
        return NUMBER_COST * count + (self._per_number - NUMBER_COST) * (count - 1)

    def next_cost(self, cap: int, sizes: Iterable[int]) -> int:
        """The least cost above ``cap`` that an expression over as many numbers as one
        of ``sizes`` can have (with + - × ÷ alone, s numbers always cost 2s - 1, so a
        deepening need not stop at the even costs). Costs depend only on how many
        numbers an expression uses, not on their values: a literal of s numbers, a
        binary operator on two expressions, up to the depth's unary operators."""
        sizes = tuple(sizes)
        reach = self._cost_sets(max(sizes))
        best = None
        for size in sizes:
            costs = reach[size]
            i = bisect_right(costs, cap)
            if i == len(costs):
                return cap + 1  # beyond what was worked out: no shortcut
            best = costs[i] if best is None else min(best, costs[i])
        return cap + 1 if best is None else best

    def _cost_sets(self, size: int) -> list[list[int]]:
        """For each count of numbers up to ``size``, the costs an expression can have,
        up to COST_HORIZON (sorted)."""
        found = self._costs_by_size
        if found is not None and len(found) > size:
            return found
        digits = [cost for name, cost in (("decimal", COSTS["decimal"]), ("repeating", COSTS["repeating"]))
                  if name in self.ops]
        join = COSTS["concat"] if "concat" in self.ops else None
        unary = sorted({COSTS[name] for name in self.unary})
        depth = self.bounds.max_unary_depth
        rounding = [COSTS[name] for name in self.unary if name in ROUNDING]
        chain = depth + (1 if rounding else 0) if unary and depth else 0  # unary steps in a row
        sets: list[set[int]] = [set()]
        for count in range(1, size + 1):
            costs: set[int] = set()
            if count == 1 or join is not None:
                plain = NUMBER_COST * count + (join or 0) * (count - 1)
                costs |= {plain} | {plain + extra for extra in digits}
            for left in range(1, count):
                for cost, _, _ in self.binary_classes:
                    costs |= {a + b + cost for a in sets[left] for b in sets[count - left]
                              if a + b + cost <= COST_HORIZON}
            frontier = set(costs)
            for _ in range(chain):
                frontier = {c + u for c in frontier for u in unary if c + u <= COST_HORIZON} - costs
                costs |= frontier
            sets.append({c for c in costs if c <= COST_HORIZON})
        self._costs_by_size = [sorted(costs) for costs in sets]
        return self._costs_by_size

    # ----- budget ----------------------------------------------------------------
    def charge(self, work: int) -> None:
        """Count ``work`` more steps against ``max_work`` before doing them: a part of
        the search that would go over the budget raises instead of starting."""
        self.work += work
        if self.work > self.work_limit:
            raise SearchTooLarge(
                f"search too large: over {self.bounds.max_work:,} steps of work for "
                f"{len(self.numbers)} numbers with {len(self.ops)} operators; use fewer "
                "numbers or operators, lower --max-depth, or raise --max-work"
            )

    def store(self, n: int, *, shared: bool = False) -> None:
        """Count ``n`` more stored items (expressions, kept values, candidate pairs,
        answers found) against ``max_entries``; ``shared``: table entries the cache holds."""
        self.entries += n
        if shared:
            self.cache.note(n)
        if self.entries > self.bounds.max_entries:
            raise SearchTooLarge(
                f"search too large: over {self.bounds.max_entries:,} values stored for "
                f"{len(self.numbers)} numbers with {len(self.ops)} operators; use fewer "
                "numbers or operators, or lower --max-depth/--max-value"
            )

    def note_exhausted(self, code: int) -> None:
        """Report progress: one more sub-multiset is complete."""
        if self.progress is not None and code not in self._exhausted:
            self._exhausted.add(code)
            self.progress(len(self._exhausted), self.n_codes - 1)

    # ----- tables -------------------------------------------------------------------
    def new_table(self, code: int) -> Table:
        return Table(self.cheapest(self.size(code)) - 1)

    def table_of(self, code: int) -> Table:
        """The table of ``code`` as far as it is built (shared with the cache)."""
        found = self.tables.get(code)
        if found is None:
            shared = self._shared
            if shared is not None:
                found = shared.get(self._members[code])
            if found is None:
                found = self.new_table(code)
                if shared is not None:
                    shared[self._members[code]] = found
            self.tables[code] = found
        return found

    def table(self, code: int) -> Table:
        """The complete table of sub-multiset ``code``."""
        return self.extend(code, math.inf)

    def extend_parts(self, code: int, cap) -> bool:
        """Extend the parts of ``code`` as far as its layers up to ``cap`` need them (the
        other part of a split costs at least its cheapest); True when every part is
        exhausted."""
        if not self.binary:
            return True
        exhausted = True
        sizes, cheapest, room = self._sizes, self._cheapest, cap - self._min_binary
        for a, b in self.splits(code):
            ta = self.extend(a, room - cheapest[sizes[b]])
            tb = self.extend(b, room - cheapest[sizes[a]])
            if exhausted and not (ta.exhausted and tb.exhausted):
                exhausted = False
        return exhausted

    def horizon(self, code: int) -> int | None:
        """The most an expression over ``code`` can cost, its parts being exhausted
        (None: no expression at all)."""
        top = max((node[COST] for node in self.literal_nodes(code)), default=None)
        if self.binary:
            for a, b in self.splits(code):
                ta, tb = self.tables[a], self.tables[b]
                if ta.costs and tb.costs:
                    reach = ta.costs[-1] + tb.costs[-1] + self._max_binary
                    top = reach if top is None else max(top, reach)
        if top is not None and self.unary:
            top += self._unary_reach
        return top

    def extend(self, code: int, cap) -> Table:
        """Make the table of ``code`` complete through cost ``cap`` (math.inf: exhaust it)."""
        table = self.tables.get(code) or self.table_of(code)
        if table.horizon is not None and table.done >= table.horizon:  # exhausted
            self.note_exhausted(code)
            return table
        if table.done >= cap:
            return table
        if self.extend_parts(code, cap) and table.horizon is None:
            horizon = self.horizon(code)
            table.horizon = table.done if horizon is None else max(horizon, table.done)
        stop = cap if table.horizon is None else min(cap, table.horizon)
        if stop > table.done:
            shared = self._shared is not None
            sink = self.sink(table, below=self.below(code) if self.prune else None)
            fresh, shadows = sink[3], sink[4]
            splits = self.splits(code) if self.binary else []
            for k in range(table.done + 1, int(stop) + 1):
                try:
                    self._layer(code, table, k, splits, sink)
                except BaseException:
                    self._discard(code)  # half a layer: no later search may use this table
                    raise
                table.add_layer(k, fresh, shadows)
                table.done = k
                count = len(fresh) + len(shadows)
                fresh.clear()
                shadows.clear()
                self.store(count, shared=shared)
        if table.exhausted:
            self.note_exhausted(code)
        return table

    def _discard(self, code: int) -> None:
        """Forget a table whose layer was interrupted (the budget ran out mid-layer)."""
        self.tables.pop(code, None)
        if self._shared is not None:
            self._shared.pop(self._members[code], None)

    def _layer(self, code: int, table: Table, k: int, splits, sink) -> None:
        """Build layer ``k`` of ``code`` (its parts complete far enough)."""
        put, put_ratio, put_value = sink[:3]
        jobs: list = []
        for a, b in splits:
            self.pair_jobs(self.tables[a], self.tables[b], a == b, k, jobs)
        sources = self.unary_sources(table, k)
        # estimate the whole layer before computing any of it
        self.charge(
            sum(len(names) * _count(spans) for _, _, _, spans, names in jobs)
            + sum(len(entries) * len(names) for entries, names in sources)
        )
        for node in self.literal_nodes(code):
            if node[COST] == k:
                put_value(node[VALUE], k, "lit", node[LEFT], None, True)
        generic = self._generic
        both = not self.one_way
        whole = self._whole
        for kind, list_a, list_b, spans, names in jobs:
            if kind == _RATIONAL:
                if names in whole:
                    below = self._below.get(code) if self.prune else None
                    self._whole_pairs(list_a, list_b, spans, names, k, table, sink[3], below)
                else:
                    self._rational_pairs(list_a, list_b, spans, names, put, put_value, put_ratio)
                continue
            for i, start, end in spans:
                ea = list_a[i]
                va, ca = ea[1], ea[0]
                for eb in list_b[start:end]:
                    generic(names, ea, eb, va, eb[1], ca + eb[0], False, put_value, both)
        for entries, names in sources:
            self._unary(entries, names, put_value)

    def pair_jobs(self, ta: Table, tb: Table, same: bool, k: int, jobs: list) -> None:
        """The pairs of a layer-``k`` binary step over parts ``ta`` and ``tb``, as
        (kind, list_a, list_b, spans, names): ``list_a[i]`` meets ``list_b[start:end]``.

        Rational pairs get every operator of the cost class; two irrational operands
        too (the result must come back to a rational); an irrational and a rational one
        only the operators that can make that happen (pow, root, log). ``same`` (a
        table paired with itself) takes each unordered pair once. In order
        (``one_way``), ``list_a`` is always from the left part ``ta``: a step is
        ``a op b`` only.
        """
        if not ta.costs or not tb.costs:
            return
        low_b = tb.costs[0]
        one_way = self.one_way
        for cost, names, slow in self.binary_classes:
            room = k - cost
            for x in ta.costs:
                y = room - x
                if y < low_b or (same and y < x):
                    break
                if y not in tb.at:
                    continue
                square = same and x == y
                ra, rb = ta.rational_at.get(x), tb.rational_at.get(y)
                ia, ib = ta.irrational_at.get(x), tb.irrational_at.get(y)
                if ra and rb:
                    jobs.append((_RATIONAL, ta.rational, tb.rational, _spans(ra, rb, square), names))
                if ia and ib:
                    jobs.append((_IRRATIONAL, ta.irrational, tb.irrational, _spans(ia, ib, square), names))
                if slow:
                    if ia and rb:
                        jobs.append((_MIXED, ta.irrational, tb.rational, _spans(ia, rb, False), slow))
                    if ib and ra and not square:
                        if one_way:
                            jobs.append((_MIXED, ta.rational, tb.irrational, _spans(ra, ib, False), slow))
                        else:
                            jobs.append((_MIXED, tb.irrational, ta.rational, _spans(ib, ra, False), slow))

    def unary_sources(self, table: Table, k: int) -> list[tuple[list, tuple]]:
        """(entries, names): the entries a unary operator of cost c turns into layer
        ``k`` (layer k - c and its shadows, not already at the stacking limit; a
        rounding may go around a chain at the limit, as it does not count while it is
        the outermost)."""
        depth = self.bounds.max_unary_depth
        out = []
        if not depth:
            return out
        for cost, names in self.unary_classes:
            span = table.at.get(k - cost)
            entries = [] if span is None else table.entries[span[0]:span[1]]
            entries = entries + table.shadows.get(k - cost, [])
            if not entries:
                continue
            counted = tuple(name for name in names if name not in ROUNDING)
            rounding = tuple(name for name in names if name in ROUNDING)
            if counted:
                below = [e for e in entries if _unary_depth(e, depth) < depth]
                if below:
                    out.append((below, counted))
            if rounding:
                within = [e for e in entries if _unary_depth(e, depth) <= depth]
                if within:
                    out.append((within, rounding))
        return out

    def literal_nodes(self, code: int) -> list[tuple]:
        """The literals over exactly the numbers of ``code``, cheapest first."""
        found = self._literal_nodes.get(code)
        if found is None:
            found = self._literal_nodes[code] = sorted(self.literals(self.members(code)), key=_cost)
        return found

    def literals(self, members: tuple[int, ...]) -> list[tuple]:
        """The literals over exactly ``members``, charged (and counted as stored)
        before they are made."""
        count = count_literal_forms(members, self.ops, max_digits=self.bounds.max_digits, ordered=self.ordered)
        self.charge(count * LITERAL_WORK)
        self.store(count)
        forms = literal_forms(
            members, self.ops, max_digits=self.bounds.max_digits, integers_only=self.integer_steps,
            ordered=self.ordered,
        )
        out = []
        limit = self.bounds.max_magnitude
        for form in forms:
            value = form.value
            if type(value) is int:
                if not self.low <= value <= limit:
                    continue
            elif value.numerator > limit or value.denominator > limit:
                continue
            out.append((form.cost, value, "lit", form, None, True))
        return out

    # ----- what a level keeps ------------------------------------------------------------
    def preimages(self, goals: Iterable, windows: Iterable[tuple[float, float]] = ()) -> Keep:
        """The values from which up to ``max_unary_depth`` unary operators can reach a
        goal, or a value inside one of the ``windows`` (closed float intervals).

        Exact goals give exact points (24 <- 4 by !, 5 <- 25 by √); rounding turns a
        point into an interval (⌈x⌉ = 5 for x in (4, 5]), and intervals stay intervals.
        Breadth first: only what a step adds is inverted again (the intervals are kept
        as a union of disjoint spans, so the part of a new span that an earlier or
        equal depth already covers is not), and every inversion is charged to the
        work budget; the points and spans kept are counted as stored entries.
        """
        limit = self.bounds.max_magnitude
        points = {normal(goal) for goal in goals}
        covered = _union(iv for iv in (_clip(lo, hi, limit) for lo, hi in windows) if iv is not None)
        frontier, spans = set(points), list(covered)
        self.store(len(points) + len(covered))
        # levels from the outside in: the rounding around a chain (it does not count
        # towards the depth; what it adds is inverted with what it started from), then
        # max_unary_depth levels of every unary operator
        rounding = [name for name in self.unary if name in ROUNDING]
        plan: list[tuple[list[str], bool]] = []
        if self.bounds.max_unary_depth:
            if rounding:
                plan.append((rounding, True))
            plan += [(self.unary, False)] * self.bounds.max_unary_depth
        for names, accumulate in plan:
            if not frontier and not spans:
                break
            self.charge(len(names) * (len(frontier) + len(spans)))
            new_points: set = set()
            new_spans: list = []
            for name in names:
                for goal in frontier:
                    self._point_preimage(name, goal, new_points, new_spans)
                for lo, hi in spans:
                    self._interval_preimage(name, lo, hi, new_points, new_spans)
            fresh = {normal(v) for v in new_points} - points
            points |= fresh
            clipped = (_clip(lo, hi, limit) for lo, hi in new_spans)
            fresh_spans = _subtract(_union(iv for iv in clipped if iv is not None), covered)
            covered = _union(covered + fresh_spans)
            self.store(len(fresh) + len(fresh_spans))
            if accumulate:
                frontier |= fresh
                spans = _union(spans + fresh_spans)
            else:
                frontier, spans = fresh, fresh_spans
        return Keep(points, covered)

    def _point_preimage(self, name: str, g, points: set, spans: list) -> None:
        limit = self.bounds.max_magnitude
        if name == "neg":
            points.add(-g)
        elif name == "sqrt":
            if g > 0 and log10_size(g) * 2 <= math.log10(limit):
                points.add(g * g)
        elif name == "percent":
            if abs(g) * 100 <= limit:
                points.add(g * 100 if type(g) is int else Fraction(g) * 100)
        elif name in ("fact", "dfact", "gamma"):
            if type(g) is int and g >= 1:
                for n in self._factorial_arguments(name, g, g):
                    if n != g:
                        points.add(n)
        elif type(g) is int:  # floor or ceil
            spans.append((g, g + 1) if name == "floor" else (g - 1, g))

    def _interval_preimage(self, name: str, lo: float, hi: float, points: set, spans: list) -> None:
        if name == "neg":
            spans.append((-hi, -lo))
        elif name == "sqrt":
            if hi > 0:
                top = min(hi, 1e150)
                spans.append((max(lo, 0.0) ** 2, top * top))
        elif name == "percent":
            spans.append((lo * 100, hi * 100))
        elif name in ("fact", "dfact", "gamma"):
            points.update(self._factorial_arguments(name, lo, hi))
        else:  # floor or ceil: the integers in [lo, hi] and what rounds onto them
            first, last = math.ceil(lo), math.floor(hi)
            if first <= last:
                spans.append((first, last + 1) if name == "floor" else (first - 1, last))

    def _factorial_arguments(self, name: str, lo, hi) -> list[int]:
        """The n with n!, n!! or Γ(n) in [lo, hi], within --max-factorial."""
        low = 1 if name == "gamma" else 0
        top = self.bounds.max_factorial + (1 if name == "gamma" else 0)
        out = []
        for n in range(low, top + 1):
            value = unary_exact(name, n)
            if lo <= value <= hi:
                out.append(n)
            if value > hi and n > 2:
                break
        return out

    # ----- storing values ---------------------------------------------------------------
    def below(self, code: int) -> frozenset:
        """The values the proper sub-multisets of ``code`` make (their tables are
        complete when ``code``'s layer is built: with + - × ÷ alone, each has one layer)."""
        found = self._below.get(code)
        if found is None:
            keys: set = set()
            for a, b in self.splits(code):
                for part in (a, b):
                    keys.update(self.tables[part].by_value)
                    keys.update(self.below(part))
            found = self._below[code] = frozenset(keys)
            self.charge(len(found) // 8)
        return found

    def sink(self, table: Table, *, goals=None, hits=None, keep=None, float_goals=(), below=None) -> tuple:
        """(put, put_ratio, put_value, fresh, shadows): the functions that file new
        expressions in ``table`` (cheapest per value; a layer never beats an earlier
        one) and list them in ``fresh`` (and in ``shadows`` a costlier one less stacked
        with unary operators, see ``Table``). ``goals`` (keys): every expression for a
        goal is appended to ``hits``, the cheapest and the others. ``keep``: store only
        values it holds. ``below``: values to leave out (``prune``).

        A layer's entries are counted as stored once it is built; every
        ``CROWD_CHECK`` new entries (or answers) it also checks the stored bound on the
        way, so one large layer cannot overshoot it by more than that."""
        by_value = table.by_value
        get = by_value.get
        stacked = table.stacked
        fresh: list = []
        shadows: list = []
        add = fresh.append
        recording = goals is not None
        bounds = self.bounds
        limit = bounds.max_magnitude
        depth_limit = bounds.max_unary_depth
        int_only = self.integer_steps
        low = self.low
        engine = self
        max_entries = bounds.max_entries

        def crowded() -> None:
            """Refuse when the layer being built takes the search past its stored bound."""
            building = len(fresh) + len(shadows)
            if engine.entries + building > max_entries or (recording and len(hits) > max_entries):
                engine.store(max(building, len(hits) if recording else 0))

        def put(key, value, cost, op, left, right, exact):
            old = get(key)
            if old is None and below is not None and key in below:
                return None
            if old is not None:
                if recording and key in goals:
                    hits.append((cost, value, op, left, right, exact))
                    if not len(hits) % CROWD_CHECK:
                        crowded()
                if key in stacked:
                    depth = 1 + _unary_depth(left, depth_limit) if op in UNARY_SET else 0
                    if depth < stacked[key]:
                        shadows.append((cost, value, op, left, right, exact))
                        if depth:
                            stacked[key] = depth
                        else:
                            del stacked[key]
                return None
            entry = (cost, value, op, left, right, exact)
            if keep is None or keep(key, value):
                by_value[key] = entry
                add(entry)
                if op in UNARY_SET:
                    stacked[key] = 1 + _unary_depth(left, depth_limit)
                if not len(fresh) % CROWD_CHECK:
                    crowded()
            if recording and key in goals:
                hits.append(entry)
            return entry

        def put_ratio(n, d, cost, op, left, right, exact):
            """Store n/d (integers, d != 0), building the Fraction only if it is kept."""
            g = gcd(n, d)
            if d < 0:
                g = -g
            n //= g
            d //= g
            if d == 1:
                if not low <= n <= limit:
                    return None
                return put(n, n, cost, op, left, right, exact)
            if int_only or not -limit <= n <= limit or d > limit:
                return None
            key = (n, d)
            old = get(key)
            if old is not None and key not in stacked:
                if recording and key in goals:
                    hits.append((cost, old[1], op, left, right, exact))
                    if not len(hits) % CROWD_CHECK:
                        crowded()
                return None
            return put(key, Fraction(n, d) if old is None else old[1], cost, op, left, right, exact)

        def put_value(value, cost, op, left, right, exact) -> tuple | None:
            """Check bounds and type, then store; the one gate for every non-hot-path value.
            (It never calls itself: a closure that does is a reference cycle, which
            would keep the engine alive until the garbage collector runs.)"""
            kind = type(value)
            if kind is Fraction and value.denominator == 1:
                value, kind = value.numerator, int
            if kind is int:
                if not low <= value <= limit:
                    return None
                return put(value, value, cost, op, left, right, exact)
            if kind is Fraction:
                num, den = value.numerator, value.denominator
                if int_only or not -limit <= num <= limit or den > limit:
                    return None
                return put((num, den), value, cost, op, left, right, exact)
            # an approximate (float) value
            if int_only or value != value or not (-limit <= value <= limit):
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
                    return put_ratio(int(near), SNAP_DENOMINATOR, cost, op, left, right, False)
                return None
            if size < 1.0 / limit:
                return None
            return put(float_key(value), value, cost, op, left, right, False)

        return put, put_ratio, put_value, fresh, shadows

    # ----- one step, outside a layer ------------------------------------------------------
    def step(self, name: str, operands: tuple[tuple, ...], put_value) -> None:
        """The operator ``name`` on ``operands`` (one expression, or two in order), by
        the code a layer uses: ``put_value(value, cost, op, left, right, exact)`` gets the
        result, or is not called when the step has no value within the bounds. A step
        that leaves a value as it was is made too (``banana.solver.expressions``)."""
        if len(operands) == 2:
            self._one(name, operands[0], operands[1], put_value)
        else:
            self._unary(list(operands), (name,), put_value, keep_same=True)

    # ----- binary operators -----------------------------------------------------------
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

    def _whole_pairs(self, list_a, list_b, spans, names, k: int, table: Table, fresh: list, below) -> None:
        """``_rational_pairs`` for integer tables without unary operators (Countdown,
        Krypto): every value is an int and every pair of a job costs ``k``, so a new
        value is filed directly (no fractions, no stacking, nothing kept aside)."""
        limit, low, both = self.bounds.max_magnitude, self.low, not self.one_way
        do_add, do_sub, do_mul, do_div = "add" in names, "sub" in names, "mul" in names, "div" in names
        by_value = table.by_value
        skip = below if below is not None else ()
        add = fresh.append
        check = len(fresh) + CROWD_CHECK
        for i, start, end in spans:
            ea = list_a[i]
            va = ea[1]
            xa = ea[5]
            for eb in list_b[start:end]:
                vb = eb[1]
                if do_add:
                    v = va + vb
                    if low <= v <= limit and v not in by_value and v not in skip:
                        by_value[v] = e = (k, v, "add", ea, eb, xa and eb[5])
                        add(e)
                if do_sub:
                    v = va - vb
                    if low <= v <= limit and v not in by_value and v not in skip:
                        by_value[v] = e = (k, v, "sub", ea, eb, xa and eb[5])
                        add(e)
                    v = -v
                    if both and low <= v <= limit and v not in by_value and v not in skip:
                        by_value[v] = e = (k, v, "sub", eb, ea, xa and eb[5])
                        add(e)
                if do_mul:
                    v = va * vb
                    if low <= v <= limit and v not in by_value and v not in skip:
                        by_value[v] = e = (k, v, "mul", ea, eb, xa and eb[5])
                        add(e)
                if do_div:
                    if vb and va % vb == 0:
                        v = va // vb
                        if low <= v and v not in by_value and v not in skip:
                            by_value[v] = e = (k, v, "div", ea, eb, xa and eb[5])
                            add(e)
                    if both and va and vb != va and vb % va == 0:
                        v = vb // va
                        if low <= v and v not in by_value and v not in skip:
                            by_value[v] = e = (k, v, "div", eb, ea, xa and eb[5])
                            add(e)
            if len(fresh) >= check:
                check = len(fresh) + CROWD_CHECK
                if self.entries + len(fresh) > self.bounds.max_entries:
                    self.store(len(fresh))  # over the stored bound: refuses

    def _rational_pairs(self, list_a, list_b, spans, names, put, put_value, put_ratio) -> None:
        """The operators ``names`` on rational pairs, both operand orders (in order,
        ``one_way``: ``a op b`` only)."""
        c = self.c
        limit = self.bounds.max_magnitude
        low = self.low  # the least value a step may take
        int_only = self.integer_steps
        both = not self.one_way
        do_add, do_sub, do_mul, do_div = "add" in names, "sub" in names, "mul" in names, "div" in names
        slow_ops = [name for name in names if name in SLOW_BINARY]
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
                        if low <= v <= limit:
                            put(v, v, cost + c_add, "add", ea, eb, exact)
                    if do_sub:
                        v = va - vb
                        if low <= v <= limit:
                            put(v, v, cost + c_sub, "sub", ea, eb, exact)
                        if both and low <= -v <= limit:
                            put(-v, -v, cost + c_sub, "sub", eb, ea, exact)
                    if do_mul:
                        v = va * vb
                        if low <= v <= limit:
                            put(v, v, cost + c_mul, "mul", ea, eb, exact)
                    if do_div:
                        if vb:
                            if va % vb == 0:
                                v = va // vb
                                if low <= v:
                                    put(v, v, cost + c_div, "div", ea, eb, exact)
                            elif not int_only:
                                put_value(Fraction(va, vb), cost + c_div, "div", ea, eb, exact)
                        if both and va and vb != va:
                            if vb % va == 0:
                                v = vb // va
                                if low <= v:
                                    put(v, v, cost + c_div, "div", eb, ea, exact)
                            elif not int_only:
                                put_value(Fraction(vb, va), cost + c_div, "div", eb, ea, exact)
                    if slow_ops:
                        generic(slow_ops, ea, eb, va, vb, cost, exact, put_value, both)
                else:
                    # at least one fraction: integer arithmetic on numerators/denominators
                    an, ad = (va, 1) if a_int else (va.numerator, va.denominator)
                    bn, bd = (vb, 1) if type(vb) is int else (vb.numerator, vb.denominator)
                    if do_add:
                        put_ratio(an * bd + bn * ad, ad * bd, cost + c_add, "add", ea, eb, exact)
                    if do_sub:
                        put_ratio(an * bd - bn * ad, ad * bd, cost + c_sub, "sub", ea, eb, exact)
                        if both:
                            put_ratio(bn * ad - an * bd, ad * bd, cost + c_sub, "sub", eb, ea, exact)
                    if do_mul:
                        put_ratio(an * bn, ad * bd, cost + c_mul, "mul", ea, eb, exact)
                    if do_div:
                        if bn:
                            put_ratio(an * bd, ad * bn, cost + c_div, "div", ea, eb, exact)
                        if both and an:
                            put_ratio(bn * ad, bd * an, cost + c_div, "div", eb, ea, exact)
                    if slow_ops:
                        generic(slow_ops, ea, eb, va, vb, cost, exact, put_value, both)

    def _generic(self, names, ea, eb, va, vb, cost, exact, put_value, both: bool = True) -> None:
        """Binary operators on any mix of int, Fraction and float, both operand orders
        (``both`` False: ``a op b`` only)."""
        c = self.c
        approx = type(va) is float or type(vb) is float
        for name in names:
            op_cost = cost + c[name]
            if name == "add":
                put_value(va + vb, op_cost, "add", ea, eb, exact)
            elif name == "mul":
                put_value(va * vb, op_cost, "mul", ea, eb, exact)
            elif name == "sub":
                put_value(va - vb, op_cost, "sub", ea, eb, exact)
                if both:
                    put_value(vb - va, op_cost, "sub", eb, ea, exact)
            elif name == "div":
                if vb:
                    put_value(va / vb if approx else Fraction(va) / vb, op_cost, "div", ea, eb, exact)
                if both and va:
                    put_value(vb / va if approx else Fraction(vb) / va, op_cost, "div", eb, ea, exact)
            elif name == "pow":
                self._pow(va, vb, op_cost, "pow", ea, eb, exact, put_value)
                if both:
                    self._pow(vb, va, op_cost, "pow", eb, ea, exact, put_value)
            elif name == "root":
                self._root(va, vb, op_cost, ea, eb, exact, put_value)
                if both:
                    self._root(vb, va, op_cost, eb, ea, exact, put_value)
            elif name == "log":
                self._log(va, vb, op_cost, ea, eb, exact, put_value)
                if both:
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
        """``base ** exponent`` in floats, estimated first; a negative base has real
        powers for integer exponents only ((−√.2)⁻² = 5)."""
        if base <= 0:
            if base == 0:
                if exponent > 0:
                    put_value(0.0, cost, op, left, right, False)
                return
            if not exponent.is_integer():
                return
        if abs(math.log10(abs(base)) * exponent) > self._log_limit:
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
            if y == 0 or y == 1:
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
        log_base = _ln(base)
        if not log_base:
            return  # a float base that rounds to 1: no logarithm to speak of
        value = _ln(x) / log_base
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
    def _unary(self, entries: list, names: tuple, put_value, *, keep_same: bool = False) -> None:
        """Apply the unary operators ``names`` once to each expression. A step that
        leaves the value as it was (-0, √1, 2!, ⌊3⌋, 0%) is skipped: it never makes a
        simpler expression (``keep_same``: make it too)."""
        c = self.c
        bounds = self.bounds
        log_limit = bounds.log10_magnitude
        for entry in entries:
            v = entry[1]
            base_cost = entry[0]
            exact = entry[5]
            kind = type(v)
            for name in names:
                cost = base_cost + c[name]
                if name == "neg":
                    if v or keep_same:
                        put_value(-v, cost, name, entry, None, exact)
                elif name == "sqrt":
                    if (v > 0 and v != 1) or (keep_same and v >= 0):
                        if kind is float:
                            put_value(math.sqrt(v), cost, name, entry, None, False)
                        else:
                            root = exact_root(v, 2)
                            if root is not None:
                                put_value(root, cost, name, entry, None, exact)
                            else:
                                put_value(math.sqrt(v), cost, name, entry, None, False)
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
                    if value != v or keep_same:
                        put_value(value, cost, name, entry, None, exact)
                elif name in ("floor", "ceil"):
                    if kind is int and not keep_same:
                        continue
                    value = math.floor(v) if name == "floor" else math.ceil(v)
                    put_value(value, cost, name, entry, None, exact and kind is not float)
                elif name == "percent":
                    if v or keep_same:
                        value = v / 100 if kind is float else Fraction(v, 100)
                        put_value(value, cost, name, entry, None, exact)



def _spans(a: tuple[int, int], b: tuple[int, int], square: bool) -> list[tuple[int, int, int]]:
    """(i, start, end): item i of slice ``a`` meets items start..end-1 of slice ``b``;
    ``square``: the two slices are the same, and each unordered pair is taken once."""
    if square:
        return [(i, i, b[1]) for i in range(a[0], a[1])]
    return [(i, b[0], b[1]) for i in range(a[0], a[1])]


def _count(spans: list) -> int:
    return sum(end - start for _, start, end in spans)


def _unary_depth(entry: tuple, limit: int) -> int:
    """How many unary operators sit directly on top of each other at the root (up to
    ``limit`` + 1, enough to tell whether a rounding may still go around them)."""
    depth = 0
    while depth <= limit and entry[OP] in UNARY_SET:
        depth += 1
        entry = entry[LEFT]
    return depth


def _ln(value) -> float:
    """The natural logarithm of a positive value; for a fraction near 1 (1 + 10⁻²⁹ with
    --max-value 1e30) from its exact distance to 1, which a float would round away."""
    if type(value) is Fraction:
        n, d = value.numerator, value.denominator
        if 2 * abs(n - d) < d:
            return math.log1p((n - d) / d)
    return math.log(value)


def _clip(lo: float, hi: float, limit: int) -> tuple[float, float] | None:
    lo, hi = max(float(lo), -float(limit)), min(float(hi), float(limit))
    return (lo, hi) if lo <= hi else None


def _cost(entry) -> int:
    return entry[0]


def _union(spans: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
    """Closed intervals merged into sorted, disjoint ones."""
    out: list[tuple[float, float]] = []
    for lo, hi in sorted(spans):
        if out and lo <= out[-1][1]:
            if hi > out[-1][1]:
                out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return out


def _subtract(spans: list[tuple[float, float]], covered: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The parts of ``spans`` outside ``covered`` (both sorted and disjoint), as closed
    intervals (a part keeps the end it shares with a covered span)."""
    out: list[tuple[float, float]] = []
    j = 0
    for lo, hi in spans:
        while j < len(covered) and covered[j][1] < lo:
            j += 1
        k = j
        while lo <= hi and k < len(covered) and covered[k][0] <= hi:
            c_lo, c_hi = covered[k]
            if c_lo > lo:
                out.append((lo, c_lo))
            lo = max(lo, c_hi) if c_hi >= lo else lo
            if c_hi >= hi:
                lo = math.inf
                break
            k += 1
        if lo <= hi:
            out.append((lo, hi))
    return out
