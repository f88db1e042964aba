"""The solver's public entry points: ``solve``, ``tabulate`` and ``solve_batch``."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable, Iterable, Iterator

from banana.errors import PuzzleError
from banana.solver.lastlevel import Every, Top, nearest_nodes
from banana.solver.ops import OPERATORS, ordered, resolve_ops
from banana.solver.puzzle import MAX_RANGE_SIZE, format_value, parse_batch_line, parse_numbers, parse_target
from banana.solver.render import canonical, render
from banana.solver.search import Bounds, Engine, TableCache
from banana.solver.values import COST, EXACT, VALUE, key_of
from banana.solver.verify import exact_value, verify

USES = ("all", "some")
MAX_LIMIT = 1_000  # most answers one query lists (--all --limit)
RENDER_WORK = 5  # steps of work (~1-3 µs each) charged for rendering an answer and its canonical form


@dataclass(frozen=True)
class Solution:
    """One verified answer, in three notations."""

    text: str  # sqrt(.2)^-2
    unicode: str  # (√.2)⁻²
    latex: str  # \left(\sqrt{.2}\right)^{-2}
    value: str  # exact value, "5" or "7/3" (or a sympy form for an irrational nearest value)
    cost: int  # sum of operator and number costs (banana solve --list-ops)
    verified: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "unicode": self.unicode,
            "latex": self.latex,
            "value": self.value,
            "cost": self.cost,
            "verified": self.verified,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Solution:
        try:
            return cls(
                text=str(data["text"]),
                unicode=str(data["unicode"]),
                latex=str(data["latex"]),
                value=str(data["value"]),
                cost=int(data["cost"]),
                verified=bool(data["verified"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise PuzzleError(f"solution is missing or has a bad field: {exc}") from None


@dataclass(frozen=True)
class SolveResult:
    """The answers to one puzzle, simplest first."""

    numbers: tuple[int, ...]
    target: Fraction
    ops: tuple[str, ...]
    solutions: tuple[Solution, ...]
    nearest: tuple[Solution, ...] | None = None  # closest values, when asked and unsolved
    use: str = "all"
    integer_steps: bool = False
    work: int = 0  # steps of work the search was charged (at most Bounds.max_work)
    stored: int = 0  # items it stored (at most Bounds.max_entries)

    @property
    def solved(self) -> bool:
        return bool(self.solutions)

    def to_dict(self) -> dict[str, Any]:
        return {
            "numbers": list(self.numbers),
            "target": format_value(self.target),
            "ops": list(self.ops),
            "solutions": [solution.to_dict() for solution in self.solutions],
            "nearest": None
            if self.nearest is None
            else [solution.to_dict() for solution in self.nearest],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SolveResult:
        try:
            nearest = data.get("nearest")
            return cls(
                numbers=tuple(int(n) for n in data["numbers"]),
                target=parse_target(data["target"]),
                ops=tuple(str(op) for op in data["ops"]),
                solutions=tuple(Solution.from_dict(s) for s in data["solutions"]),
                nearest=None if nearest is None else tuple(Solution.from_dict(s) for s in nearest),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise PuzzleError(f"solve result is missing or has a bad field: {exc}") from None


@dataclass(frozen=True)
class RangeResult:
    """Every integer of a range with its simplest expression, or missing."""

    numbers: tuple[int, ...]
    ops: tuple[str, ...]
    start: int
    stop: int
    found: dict[int, Solution] = field(hash=False)
    missing: tuple[int, ...] = ()
    work: int = 0  # steps of work the search was charged (at most Bounds.max_work)
    stored: int = 0  # items it stored (at most Bounds.max_entries)

    @property
    def first_missing(self) -> int | None:
        return self.missing[0] if self.missing else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "found": {str(n): self.found[n].text for n in sorted(self.found)},
            "missing": list(self.missing),
            "first_missing": self.first_missing,
        }


@dataclass(frozen=True)
class BatchItem:
    """One line of a batch: the puzzle's result, or the error that line raised."""

    line_number: int
    line: str
    result: SolveResult | None = None
    error: str | None = None


# ----- the entry points ------------------------------------------------------------------


def solve(
    numbers: Iterable[int | str],
    target: int | str | Fraction,
    *,
    ops: str | Iterable[str] | None = None,
    use: str = "all",
    integer_steps: bool = False,
    limit: int = 5,
    all_solutions: bool = False,
    nearest: bool = False,
    cache: TableCache | None = None,
    **bounds: int,
) -> SolveResult:
    """Solve one puzzle: expressions over ``numbers`` equal to ``target``.

    ``use="all"``: every number exactly once; ``"some"``: each at most once.
    Returns the simplest verified answer (``all_solutions``: up to ``limit`` distinct
    ones); with ``nearest``, an unsolved puzzle also reports the closest values.
    ``bounds``: the fields of ``Bounds`` (max_unary_depth, max_factorial, ...).
    """
    numbers = parse_numbers(numbers)
    target = parse_target(target)
    op_names = _check_ops(ops)
    _check_use(use)
    _check_limit(limit)
    settings = Bounds.from_options(bounds)
    return _solve_checked(
        numbers, target, op_names, settings,
        use=use, integer_steps=integer_steps, wanted=limit if all_solutions else 1,
        nearest=nearest, cache=cache,
    )


def _solve_checked(numbers, target, op_names, settings, *, use, integer_steps, wanted, nearest, cache):
    """``solve`` after its arguments were parsed and validated."""
    _check_size(numbers, target, settings)
    engine = Engine(
        numbers, op_names, integer_steps=integer_steps, use=use, bounds=settings, cache=cache
    )
    goal = target.numerator if target.denominator == 1 else target
    if target.denominator != 1:
        engine.float_goals = [goal]
    search = _searcher(engine, {goal}, [], use, alternatives=True)
    solutions = _deepen(search, engine, goal, wanted)
    closest = None
    if nearest and not solutions:
        closest = _nearest(engine, target, use, wanted)
    return SolveResult(
        numbers=numbers,
        target=target,
        ops=tuple(ordered(op_names)),
        solutions=tuple(solutions),
        nearest=closest,
        use=use,
        integer_steps=integer_steps,
        work=engine.work,
        stored=engine.entries,
    )


def _deepen(search, engine: Engine, goal, wanted: int) -> list[Solution]:
    """Deepen by cost: build every expression costing the cheapest conceivable answer,
    then one more, ... (each step only adds the new cost layer) until ``wanted``
    answers are found or every table is exhausted. Answers are therefore the simplest
    there are; an empty result after exhaustion means no answer within the bounds; a
    query whose space is too large still finds its cheap answers before the budget
    runs out."""
    hits = search.hits
    cap = engine.min_cost()
    found: list[Solution] = []
    verified: dict = {}
    seen = 0
    while True:
        try:
            search.extend(cap)
        except PuzzleError as exc:
            if found:
                return found  # complete up to the previous cap
            raise PuzzleError(f"{exc} (no answer costs {cap - 1} or less)") from None
        if len(hits) > seen:
            seen = len(hits)
            try:
                found = _select(hits, goal, wanted, verified=verified, charge=engine.charge)
            except PuzzleError as exc:  # the budget ran out while proving this cap's answers
                if found:
                    return found
                raise PuzzleError(f"{exc} (no answer costs {cap - 1} or less)") from None
            if len(found) >= wanted:
                return found
        if search.exhausted:
            return found
        cap += 1


def _searcher(engine: Engine, goals: set, hits: list, use: str, *, alternatives: bool):
    """What a query extends cost by cost: the lean last level (every number used), or
    one for every sub-multiset (--use some)."""
    lookups = engine.lookup_ok and len(goals) == 1
    if use == "all":
        return Top(engine, goals=goals, hits=hits, alternatives=alternatives, lookups=lookups)
    return Every(engine, goals, hits, alternatives=alternatives, lookups=lookups)


def tabulate(
    numbers: Iterable[int | str],
    start: int,
    stop: int,
    *,
    ops: str | Iterable[str] | None = None,
    use: str = "all",
    integer_steps: bool = False,
    progress: Callable[[int, int], None] | None = None,
    **bounds: int,
) -> RangeResult:
    """The simplest verified expression for every integer in ``start..stop`` (inclusive).

    ``progress(done, total)`` is called as the work advances (tables built, then
    integers verified); the library never prints.
    """
    numbers = parse_numbers(numbers)
    op_names = _check_ops(ops)
    _check_use(use)
    if start > stop:
        raise PuzzleError(f"empty range {start}..{stop}: the start must not be larger than the end")
    if stop - start + 1 > MAX_RANGE_SIZE:
        raise PuzzleError(f"range {start}..{stop} has {stop - start + 1:,} integers (at most {MAX_RANGE_SIZE:,})")
    settings = Bounds.from_options(bounds)
    for end in (start, stop):
        _check_size(numbers, Fraction(end), settings)
    n_targets = stop - start + 1
    engine = Engine(numbers, op_names, integer_steps=integer_steps, use=use, bounds=settings)
    total = engine.n_codes - 1 + n_targets
    if progress is not None:
        engine.progress = lambda done, _total: progress(done, total)
    goals = set(range(start, stop + 1))
    hits: list = []
    _searcher(engine, goals, hits, use, alternatives=False).extend(math.inf)
    by_value: dict[int, list] = {}
    for node in hits:
        by_value.setdefault(node[VALUE], []).append(node)
    found: dict[int, Solution] = {}
    missing: list[int] = []
    for i, n in enumerate(range(start, stop + 1)):
        chosen = _select(by_value.get(n, []), n, 1, charge=engine.charge)
        if chosen:
            found[n] = chosen[0]
        else:
            missing.append(n)
        if progress is not None:
            progress(engine.n_codes - 1 + i + 1, total)
    return RangeResult(
        numbers=numbers,
        ops=tuple(ordered(op_names)),
        start=start,
        stop=stop,
        found=found,
        missing=tuple(missing),
        work=engine.work,
        stored=engine.entries,
    )


def solve_batch(lines: Iterable[str], **options: Any) -> Iterator[BatchItem]:
    """Solve one ``"1 3 4 6 -> 24"`` puzzle per line with the same ``solve`` options.

    Blank lines and ``#`` comments are skipped. Tables of sub-multisets are shared
    between lines, so a thousand puzzles cost little more than their distinct parts.
    A bad line yields a BatchItem with ``error`` set; the other lines still run.
    """
    op_names = _check_ops(options.pop("ops", None))
    use = options.pop("use", "all")
    _check_use(use)
    integer_steps = bool(options.pop("integer_steps", False))
    limit = options.pop("limit", 5)
    _check_limit(limit)
    wanted = limit if options.pop("all_solutions", False) else 1
    nearest = bool(options.pop("nearest", False))
    cache = options.pop("cache", None) or TableCache()
    settings = Bounds.from_options(options)
    for number, raw in enumerate(lines, start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        try:
            numbers, target = parse_batch_line(line)
            result = _solve_checked(
                numbers, target, op_names, settings, use=use, integer_steps=integer_steps,
                wanted=wanted, nearest=nearest, cache=cache,
            )
        except PuzzleError as exc:
            yield BatchItem(number, line, error=str(exc))
            continue
        yield BatchItem(number, line, result=result)


# ----- helpers ----------------------------------------------------------------------


def _check_ops(ops) -> frozenset[str]:
    if ops is None or isinstance(ops, str):
        return resolve_ops(ops)
    names = frozenset(ops)
    unknown = sorted(names - set(OPERATORS))
    if unknown:
        return resolve_ops(",".join(names))  # raises with the standard message
    if not names:
        raise PuzzleError("no operators given")
    return names


def _check_limit(limit) -> None:
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise PuzzleError(f"limit must be a positive integer, not {limit!r}")
    if limit > MAX_LIMIT:
        raise PuzzleError(f"limit must be at most {MAX_LIMIT:,}, not {limit:,}")


def _check_use(use: str) -> None:
    if use not in USES:
        raise PuzzleError(f"use must be 'all' or 'some', not {use!r}")


def _check_size(numbers: tuple[int, ...], target: Fraction, bounds: Bounds) -> None:
    limit = bounds.max_magnitude
    big = [n for n in numbers if n > limit]
    if big:
        raise PuzzleError(f"number {big[0]} is larger than the bound --max-value {limit}")
    if abs(target.numerator) > limit or target.denominator > limit:
        shown = str(target) if len(str(target)) <= 24 else f"with {len(str(abs(target.numerator)))} digits"
        raise PuzzleError(f"target {shown} is beyond the bound --max-value {limit}")


def _solution(node: tuple, value, verified: bool) -> Solution:
    return Solution(
        text=render(node, "text"),
        unicode=render(node, "unicode"),
        latex=render(node, "latex"),
        value=format_value(value),
        cost=node[COST],
        verified=verified,
    )


def _select(hits: list, claimed, wanted: int, *, verified: dict | None = None,
            charge: Callable[[int], None]) -> list[Solution]:
    """The ``wanted`` cheapest distinct hits that verify, cheapest first.

    Ties in cost are broken by the plain-text form (shorter, then alphabetical) when
    several answers are wanted; a single answer is the first cheapest one found.
    ``verified`` caches proofs by text between calls. ``charge(steps)`` is told the
    work (sorting, rendering, proofs) before it is done: the search's budget.
    """
    if not hits:
        return []
    charge(len(hits))
    hits = sorted(hits, key=_by_cost)
    if wanted == 1:
        for node in hits:
            if verify(node, claimed, charge=charge):
                return [_solution(node, claimed, True)]
        return []
    cache = {} if verified is None else verified
    out: list[Solution] = []
    seen: set = set()
    i = 0
    while i < len(hits) and len(out) < wanted:
        j = i
        cost = hits[i][COST]
        while j < len(hits) and hits[j][COST] == cost:
            j += 1
        charge((j - i) * RENDER_WORK)
        group = sorted(((render(node, "text"), node) for node in hits[i:j]), key=_text_order)
        for text, node in group:
            key = canonical(node)
            if key in seen:
                continue
            seen.add(key)
            proved = cache.get(text)
            if proved is None:
                proved = cache[text] = verify(node, claimed, charge=charge)
            if not proved:
                continue
            out.append(_solution(node, claimed, True))
            if len(out) >= wanted:
                break
        i = j
    return out


def _text_order(pair: tuple) -> tuple:
    return (len(pair[0]), pair[0])


def _by_cost(node: tuple) -> int:
    return node[COST]


def _nearest(engine: Engine, target: Fraction, use: str, wanted: int) -> tuple[Solution, ...]:
    """The values closest to ``target`` within the bounds (below and/or above it), each
    with its simplest expression; every value is re-derived exactly from its
    expression (rationally, or by sympy for an irrational one). The search is complete
    (exhausted) when this is asked."""
    goal = float(target)
    codes = [engine.full] if use == "all" else engine.codes_by_size()
    nodes = nearest_nodes(engine, goal, codes)
    best = math.inf
    closest: dict = {}  # value key -> cheapest node at the best distance
    for node in nodes:
        distance = abs(float(node[VALUE]) - goal)
        if distance < best * (1 - 1e-12) - 1e-300:
            best, closest = distance, {}
        if distance <= best * (1 + 1e-12) + 1e-300:
            key = key_of(node[VALUE])
            if key not in closest or node[COST] < closest[key][COST]:
                closest[key] = node
    out: list[Solution] = []
    for node in sorted(closest.values(), key=_by_cost):
        value = exact_value(node, charge=engine.charge)
        if isinstance(value, Fraction) and value.denominator == 1:
            value = value.numerator
        if node[EXACT] or verify(node, value, charge=engine.charge):
            out.append(_solution(node, value, True))
    return tuple(out[: max(wanted, 2)])
