"""The solver's public entry points: ``solve``, ``tabulate`` and ``solve_batch``.

How answers are chosen and ranked (``banana solve --list-ops`` prints the costs):

* An answer's *cost* is the sum of the costs of the numbers and operators it uses
  (``ops.py``). A search deepens by cost, so the first answers it finds are the
  cheapest there are.
* Among answers of one cost, the one with the fewest symbols comes first (its
  Unicode form, brackets included: 44−44 before 4−(4+4)+4), then the one with the
  fewest operators, then the alphabetical plain-text form.
* Answers that are the same to a person count once (``render.canonical``: order,
  grouping, signs, roots written as powers, identities such as ×1, ×(3−2) or Γ(2)
  standing for 1); the one shown is the best ranked of its kind.
* The *difficulty* of a puzzle comes from how many distinct answers exist within the
  bounds and how much the cheapest costs above the plainest conceivable one (every
  number joined by one operator): ``difficulty``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any, Callable, Iterable, Iterator

from banana.errors import PuzzleError
from banana.solver.lastlevel import Every, Top, nearest_nodes
from banana.solver.literals import OVERLINE
from banana.solver.ops import OPERATORS, PRESETS, ordered as in_table_order, resolve_ops
from banana.solver.puzzle import MAX_RANGE_SIZE, format_value, parse_batch_line, parse_numbers, parse_target
from banana.solver.render import canonical, decimal, render, working
from banana.solver.search import (
    ROUNDING,
    STEP_FLOOR,
    STEPS,
    Bounds,
    Engine,
    SearchTooLarge,
    TableCache,
)
from banana.solver.values import COST, EXACT, OP, VALUE, key_of
from banana.solver.verify import Surd, surd_or_sympy, verify

USES = ("all", "some", "fewest")
MAX_LIMIT = 1_000  # most answers one query lists (--all --limit)
RENDER_WORK = 5  # steps of work (~1-3 µs each) charged for rendering an answer and its canonical form
NEAREST_RINGS = 8  # integer steps: targets ± 1..8 are looked up before the general nearest search
APPROX_DIGITS = 10  # significant digits of Solution.approx
# difficulty: (score at most, label); score = extra cost + 2 x rarity (see ``difficulty``)
DIFFICULTY = ((2, "easy"), (5, "medium"), (8, "hard"), (math.inf, "fiendish"))


@dataclass(frozen=True)
class Solution:
    """One verified answer, in three notations."""

    text: str  # sqrt(.2)^-2
    unicode: str  # (√.2)⁻²
    latex: str  # \left(\sqrt{.2}\right)^{-2}
    value: str  # exact value, "5" or "7/3" (an irrational nearest value: "2*sqrt(6)")
    cost: int  # sum of operator and number costs (banana solve --list-ops)
    verified: bool
    approx: str = ""  # the value in decimals ("4.898979486"), for nearest values
    working: tuple[str, ...] = ()  # the steps, one a line (explain=True): "2 + 2 = 4", "4! = 24"

    def to_dict(self) -> dict[str, Any]:
        data = {
            "text": self.text,
            "unicode": self.unicode,
            "latex": self.latex,
            "value": self.value,
            "cost": self.cost,
            "verified": self.verified,
        }
        if self.approx:
            data["approx"] = self.approx
        if self.working:
            data["working"] = list(self.working)
        return data

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
                approx=str(data.get("approx", "")),
                working=tuple(str(line) for line in data.get("working", ())),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise PuzzleError(f"solution is missing or has a bad field: {exc}") from None


@dataclass(frozen=True)
class Suggestion:
    """The wider preset that solves a puzzle the chosen operators cannot, and its best answer."""

    ops: str  # a preset name: "wild"
    solutions: tuple[Solution, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"ops": self.ops, "solutions": [s.to_dict() for s in self.solutions]}


@dataclass(frozen=True)
class SolveResult:
    """The answers to one puzzle, simplest first."""

    numbers: tuple[int, ...]
    target: Fraction
    ops: tuple[str, ...]
    solutions: tuple[Solution, ...]
    nearest: tuple[Solution, ...] | None = None  # closest values, when asked and unsolved
    use: str = "all"
    integer_steps: bool = False  # every step an integer (steps is not "any")
    work: int = 0  # steps of work the search was charged (at most Bounds.max_work)
    stored: int = 0  # items it stored (at most Bounds.max_entries)
    steps: str = "any"  # what every step may be: any, integer, nonnegative, positive
    ordered: bool = False  # numbers used in the order given
    count: int | None = None  # distinct answers within the bounds (when counted)
    complete: bool = True  # the search covered every answer within the bounds
    searched_to: int | None = None  # every answer costing this or less was considered
    difficulty: str | None = None  # easy, medium, hard, fiendish (when counted)
    suggestion: Suggestion | None = None  # a wider preset's answer, when unsolved and asked

    @property
    def solved(self) -> bool:
        return bool(self.solutions)

    def to_dict(self) -> dict[str, Any]:
        return {
            "numbers": list(self.numbers),
            "target": format_value(self.target),
            "ops": list(self.ops),
            "use": self.use,
            "steps": self.steps,
            "ordered": self.ordered,
            "solutions": [solution.to_dict() for solution in self.solutions],
            "nearest": None
            if self.nearest is None
            else [solution.to_dict() for solution in self.nearest],
            "count": self.count,
            "complete": self.complete,
            "difficulty": self.difficulty,
            "suggestion": None if self.suggestion is None else self.suggestion.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SolveResult:
        try:
            nearest = data.get("nearest")
            suggestion = data.get("suggestion")
            steps = str(data.get("steps", "any"))
            return cls(
                numbers=tuple(int(n) for n in data["numbers"]),
                target=parse_target(data["target"]),
                ops=tuple(str(op) for op in data["ops"]),
                solutions=tuple(Solution.from_dict(s) for s in data["solutions"]),
                nearest=None if nearest is None else tuple(Solution.from_dict(s) for s in nearest),
                use=str(data.get("use", "all")),
                integer_steps=steps != "any",
                steps=steps,
                ordered=bool(data.get("ordered", False)),
                count=None if data.get("count") is None else int(data["count"]),
                complete=bool(data.get("complete", True)),
                difficulty=data.get("difficulty"),
                suggestion=None if suggestion is None else Suggestion(
                    str(suggestion["ops"]), tuple(Solution.from_dict(s) for s in suggestion["solutions"])),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise PuzzleError(f"solve result is missing or has a bad field: {exc}") from None


@dataclass(frozen=True)
class RangeResult:
    """Every integer of a range with its simplest expression, or missing (with the
    closest value reached, when asked)."""

    numbers: tuple[int, ...]
    ops: tuple[str, ...]
    start: int
    stop: int
    found: dict[int, Solution] = field(hash=False)
    missing: tuple[int, ...] = ()
    work: int = 0  # steps of work the search was charged (at most Bounds.max_work)
    stored: int = 0  # items it stored (at most Bounds.max_entries)
    nearest: dict[int, Solution] = field(default_factory=dict, hash=False)  # per miss, when asked
    complete: bool = True  # False: the budget ran out; a miss has no answer costing searched_to or less
    searched_to: int | None = None
    steps: str = "any"
    ordered: bool = False
    use: str = "all"

    @property
    def first_missing(self) -> int | None:
        return self.missing[0] if self.missing else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "numbers": list(self.numbers),
            "ops": list(self.ops),
            "range": [self.start, self.stop],
            "use": self.use,
            "steps": self.steps,
            "ordered": self.ordered,
            "found": {str(n): self.found[n].to_dict() for n in sorted(self.found)},
            "missing": list(self.missing),
            "first_missing": self.first_missing,
            "nearest": {str(n): self.nearest[n].to_dict() for n in sorted(self.nearest)},
            "complete": self.complete,
            "searched_to": self.searched_to,
        }


@dataclass(frozen=True)
class BatchItem:
    """One line of a batch: the puzzle's result, or the error that line raised."""

    line_number: int
    line: str
    result: SolveResult | None = None
    error: str | None = None


@dataclass(frozen=True)
class _Query:
    """A query's settings, parsed and checked (shared by every puzzle of a batch)."""

    ops: frozenset[str]
    bounds: Bounds
    use: str = "all"
    steps: str = "any"
    ordered: bool = False
    explain: bool = False

    def engine(self, numbers, *, cache: TableCache | None = None, prune: bool = False) -> Engine:
        """The search engine; ``prune``: one answer is wanted and not counted, so a
        larger sub-multiset may leave out what a smaller one makes (``Engine.prune``)."""
        return Engine(numbers, self.ops, steps=self.steps, ordered=self.ordered,
                      use="some" if self.use == "fewest" else self.use, bounds=self.bounds, cache=cache,
                      prune=prune)


# ----- the entry points ------------------------------------------------------------------


def solve(
    numbers: Iterable[int | str],
    target: int | str | Fraction,
    *,
    ops: str | Iterable[str] | None = None,
    use: str = "all",
    integer_steps: bool = False,
    steps: str | None = None,
    ordered: bool = False,
    limit: int = 5,
    all_solutions: bool = False,
    nearest: bool = False,
    explain: bool = False,
    count: bool = False,
    count_work: int | None = None,
    suggest: bool = False,
    cache: TableCache | None = None,
    **bounds: int,
) -> SolveResult:
    """Solve one puzzle: expressions over ``numbers`` equal to ``target``.

    ``use="all"``: every number exactly once; ``"some"``: each at most once;
    ``"fewest"``: as few numbers as possible. ``steps``: what every step (and the
    answer) may be: "any" (default), "integer", "nonnegative" (Krypto) or "positive"
    (Countdown; ``integer_steps=True`` is the same). ``ordered``: the numbers are used
    in the order given and only neighbours are joined (year puzzles: 1 9 8 4 -> 100).

    Returns the simplest verified answer (``all_solutions``: up to ``limit`` distinct
    ones); with ``nearest``, an unsolved puzzle also reports the closest values;
    ``explain`` adds each answer's working; ``count`` counts the distinct answers
    within the bounds and rates the puzzle's difficulty (spending at most
    ``count_work`` more steps on it: past that, the count is a lower bound and
    ``complete`` is False); ``suggest``: an unsolved
    puzzle is tried with the wider presets, and the first that solves it is reported.
    ``bounds``: the fields of ``Bounds`` (max_unary_depth, max_factorial, ...).
    """
    numbers = parse_numbers(numbers)
    target = parse_target(target)
    _check_limit(limit)
    query = _query(ops, use, integer_steps, steps, ordered, explain, bounds)
    if count_work is not None and (isinstance(count_work, bool) or not isinstance(count_work, int)
                                   or count_work < 0):
        raise PuzzleError(f"count_work must be a whole number of steps, not {count_work!r}")
    result = _solve_checked(numbers, target, query, wanted=limit if all_solutions else 1,
                            nearest=nearest, count=count, cache=cache, count_work=count_work)
    if suggest and not result.solutions:
        result = _with_suggestion(result, numbers, target, query)
    return result


def _query(ops, use, integer_steps, steps, ordered, explain, bounds: dict) -> _Query:
    op_names = _check_ops(ops)
    _check_use(use)
    steps = _check_steps(steps, integer_steps)
    if ordered and use != "all":
        raise PuzzleError("--ordered uses every number, in the order given: it cannot go with "
                          f"--use {use}" if use == "some" else "--ordered cannot go with --fewest")
    return _Query(op_names, Bounds.from_options(bounds), use, steps, bool(ordered), bool(explain))


def _solve_checked(numbers, target: Fraction, query: _Query, *, wanted: int, nearest: bool, count: bool,
                   cache: TableCache | None, count_work: int | None = None) -> SolveResult:
    """``solve`` after its arguments were parsed and validated."""
    _check_size(numbers, target, query.bounds)
    engine = query.engine(numbers, cache=cache, prune=wanted == 1 and not count)
    goal = target.numerator if target.denominator == 1 else target
    if target.denominator != 1:
        engine.float_goals = [goal]
    outcome = _Outcome(count_work)
    if _allowed(target, query.steps):
        if query.use == "fewest":
            _fewest(engine, goal, wanted, count, query, outcome)
        else:
            search = _searcher(engine, {goal}, [], query.use, alternatives=True)
            _deepen(search, engine, goal, wanted, count, query, outcome)
    closest = None
    if nearest and not outcome.found:
        closest = _nearest(engine, target, query, wanted)
    return SolveResult(
        numbers=numbers,
        target=target,
        ops=tuple(in_table_order(query.ops)),
        solutions=tuple(outcome.found),
        nearest=closest,
        use=query.use,
        integer_steps=query.steps != "any",
        work=engine.work,
        stored=engine.entries,
        steps=query.steps,
        ordered=query.ordered,
        count=outcome.count,
        complete=outcome.complete,
        searched_to=outcome.searched_to,
        difficulty=outcome.difficulty,
    )


class _Outcome:
    """What a deepening found: the answers, and when counted, how many exist."""

    def __init__(self, count_work: int | None = None) -> None:
        self.count_work = count_work  # most steps counting may add (None: the budget)
        self.found: list[Solution] = []
        self.count: int | None = None
        self.complete = True
        self.searched_to: int | None = None
        self.difficulty: str | None = None


def _deepen(search, engine: Engine, goal, wanted: int, count: bool, query: _Query, outcome: _Outcome,
            *, first_cost: int | None = None) -> None:
    """Deepen by cost: build every expression costing the cheapest conceivable answer,
    then one more, ... (each step only adds the new cost layer) until ``wanted``
    answers are found or every table is exhausted. Answers are therefore the simplest
    there are; an empty result after exhaustion means no answer within the bounds; a
    query whose space is too large still finds its cheap answers before the budget
    runs out. ``count``: go on to the end of the search space (as far as the budget
    allows) and count the distinct answers."""
    hits = search.hits
    cap = engine.min_cost() if first_cost is None else first_cost
    sizes = search.sizes
    found: list[tuple[Solution, tuple]] = []
    verified: dict = {}
    seen = 0
    while True:
        try:
            search.extend(cap)
        except SearchTooLarge as exc:
            if found:
                outcome.complete = False
                break  # complete up to the previous cap
            raise SearchTooLarge(f"{exc} (no answer costs {cap - 1} or less)") from None
        outcome.searched_to = cap
        if len(hits) > seen and len(found) < wanted:
            seen = len(hits)
            try:
                found = _select(hits, goal, wanted, verified=verified, charge=engine.charge, query=query)
            except SearchTooLarge as exc:  # the budget ran out while proving this cap's answers
                if found:
                    outcome.complete = False
                    break
                raise SearchTooLarge(f"{exc} (no answer costs {cap - 1} or less)") from None
        if search.exhausted:
            break
        if len(found) >= wanted and not count:
            outcome.complete = False
            break
        if len(found) >= wanted and outcome.count_work is not None:
            engine.work_limit = min(engine.bounds.max_work, engine.work + outcome.count_work)
            outcome.count_work = None  # set once, when counting starts
        cap = engine.next_cost(cap, sizes)
    engine.work_limit = engine.bounds.max_work
    outcome.found = [solution for solution, _ in found]
    if count:
        try:
            outcome.count = _count(hits, goal, charge=engine.charge)
        except SearchTooLarge:
            outcome.count = len(found)
            outcome.complete = False
        if found:
            solution, node = found[0]
            least = engine.cheapest(_numbers_used(node))
            outcome.difficulty = difficulty(outcome.count, solution.cost, least)


def _numbers_used(node: tuple) -> int:
    if node[OP] == "lit":
        return node[3].parts
    return _numbers_used(node[3]) + (0 if node[4] is None else _numbers_used(node[4]))


def _fewest(engine: Engine, goal, wanted: int, count: bool, query: _Query, outcome: _Outcome) -> None:
    """--fewest: sub-multisets of one size at a time, smallest first; the first size
    with an answer gives the answers (each size searched to the end before the next)."""
    for size in range(1, len(engine.numbers) + 1):
        codes = [code for code in engine.codes_by_size() if engine.size(code) == size]
        lookups = engine.lookup_ok
        search = Every(engine, [goal], [], alternatives=True, lookups=lookups, codes=codes)
        _deepen(search, engine, goal, wanted, count, query, outcome, first_cost=engine.cheapest(size))
        if outcome.found:
            return


def _searcher(engine: Engine, goals: set, hits: list, use: str, *, alternatives: bool):
    """What a query extends cost by cost: the lean last level (every number used), or
    one for every sub-multiset (--use some)."""
    lookups = engine.lookup_ok and len(goals) == 1
    if use == "all":
        return Top(engine, goals=goals, hits=hits, alternatives=alternatives, lookups=lookups)
    return Every(engine, goals, hits, alternatives=alternatives, lookups=lookups)


def _with_suggestion(result: SolveResult, numbers, target: Fraction, query: _Query) -> SolveResult:
    """Try the presets wider than the query's operators, narrowest first; the first
    that solves the puzzle is the suggestion (a preset too large for the budget is
    passed over)."""
    for name, members in PRESETS.items():
        if not (query.ops < members):
            continue
        wider = _Query(members, query.bounds, query.use, query.steps, query.ordered, query.explain)
        try:
            found = _solve_checked(numbers, target, wider, wanted=1, nearest=False, count=False, cache=None)
        except SearchTooLarge:
            continue
        if found.solutions:
            return replace(result, suggestion=Suggestion(name, found.solutions))
    return result


def tabulate(
    numbers: Iterable[int | str],
    start: int,
    stop: int,
    *,
    ops: str | Iterable[str] | None = None,
    use: str = "all",
    integer_steps: bool = False,
    steps: str | None = None,
    ordered: bool = False,
    nearest: bool = False,
    explain: bool = False,
    progress: Callable[[int, int], None] | None = None,
    **bounds: int,
) -> RangeResult:
    """The simplest verified expression for every integer in ``start..stop`` (inclusive).

    One engine and one budget: the targets deepen by cost together, so the budget
    goes to the cheapest answers first, and a range answers what the same targets
    answer one by one (``solve_batch``) while the budget lasts. Without rounding
    operators the targets share one last level; with ⌊⌋ or ⌈⌉ (whose preimages are
    intervals that would together keep most values) each target has its own (with
    --use some they share them). When
    the budget runs out after some answers were found, the result is partial
    (``complete`` False, the misses have no answer costing ``searched_to`` or less).
    ``nearest``: each miss also gets the closest value reached. ``progress(done,
    total)`` is called as targets are settled; the library never prints.
    """
    numbers = parse_numbers(numbers)
    if use == "fewest":
        raise PuzzleError("--fewest is for one target, not a --range")
    query = _query(ops, use, integer_steps, steps, ordered, explain, bounds)
    if start > stop:
        raise PuzzleError(f"empty range {start}..{stop}: the start must not be larger than the end")
    if stop - start + 1 > MAX_RANGE_SIZE:
        raise PuzzleError(f"range {start}..{stop} has {stop - start + 1:,} integers (at most {MAX_RANGE_SIZE:,})")
    for end in (start, stop):
        _check_size(numbers, Fraction(end), query.bounds)
    engine = query.engine(numbers)
    targets = list(range(start, stop + 1))
    ranged = _Range(engine, query, [n for n in targets if _allowed(Fraction(n), query.steps)], progress,
                    len(targets))
    ranged.run()
    closest: dict[int, Solution] = {}
    missing = [n for n in targets if n not in ranged.found]
    if nearest and missing:
        try:
            for n in missing:
                near = _nearest(engine, Fraction(n), query, 1)
                if near:
                    closest[n] = near[0]
        except SearchTooLarge:
            pass  # the budget is spent: the misses left have no nearest value shown
    return RangeResult(
        numbers=numbers,
        ops=tuple(in_table_order(query.ops)),
        start=start,
        stop=stop,
        found=dict(sorted(ranged.found.items())),
        missing=tuple(missing),
        work=engine.work,
        stored=engine.entries,
        nearest=closest,
        complete=ranged.complete,
        searched_to=ranged.searched_to,
        steps=query.steps,
        ordered=query.ordered,
        use=query.use,
    )


class _Range:
    """The targets of a range, deepened by cost together on one engine."""

    def __init__(self, engine: Engine, query: _Query, goals: list[int], progress, total: int) -> None:
        self.engine, self.query, self.progress, self.total = engine, query, progress, total
        self.found: dict[int, Solution] = {}
        self.complete = True
        self.searched_to: int | None = None
        self.verified: dict = {}
        joint = not (engine.ops & ROUNDING) or query.use != "all"  # (--use some: one level per sub-multiset)
        if joint:
            hits: list = []
            self.searches = [(_searcher(engine, set(goals), hits, query.use, alternatives=False), set(goals))]
        else:
            self.searches = [(_searcher(engine, {n}, [], query.use, alternatives=True), {n}) for n in goals]
        self.settled = total - len(goals)  # targets the step rule rules out are settled at once

    def run(self) -> None:
        engine = self.engine
        cap = engine.min_cost()
        while self.searches:
            try:
                for search, goals in self.searches:
                    search.extend(cap)
                    self._collect(search, goals)
            except SearchTooLarge as exc:
                if not self.found:
                    raise SearchTooLarge(f"{exc} (no target has an answer costing {cap - 1} or less)") from None
                self.complete = False
                return
            self.searched_to = cap
            kept = []
            for search, goals in self.searches:
                if goals and not search.exhausted:
                    kept.append((search, goals))
                else:
                    self.settled += len(goals)
                    _release(search)
            self.searches = kept
            self._report()
            cap = engine.next_cost(cap, {size for search, _ in self.searches for size in search.sizes} or {1})

    def _collect(self, search, goals: set) -> None:
        """Settle the goals the search reached (their cheapest answers are in)."""
        hits = search.hits
        if not hits:
            return
        by_value: dict = {}
        for node in hits:
            value = node[VALUE]
            if value in goals:
                by_value.setdefault(value, []).append(node)
        for n, nodes in by_value.items():
            chosen = _select(nodes, n, 1, verified=self.verified, charge=self.engine.charge, query=self.query)
            if chosen:
                self.found[n] = chosen[0][0]
                goals.discard(n)
                self.settled += 1
        hits.clear()  # a goal left has none that verify: its later hits come afresh

    def _report(self) -> None:
        if self.progress is not None:
            self.progress(self.settled, self.total)


def _release(search) -> None:
    for top in getattr(search, "tops", None) or [search]:
        top.release()


def solve_batch(lines: Iterable[str], **options: Any) -> Iterator[BatchItem]:
    """Solve one ``"1 3 4 6 -> 24"`` puzzle per line with the same ``solve`` options.

    Blank lines and ``#`` comments are skipped. Tables of sub-multisets are shared
    between lines (``TableCache``, bounded in bytes), so a thousand puzzles cost little
    more than their distinct parts. Each line has its own work budget. A bad line
    yields a BatchItem with ``error`` set; the other lines still run.
    """
    limit = options.pop("limit", 5)
    _check_limit(limit)
    wanted = limit if options.pop("all_solutions", False) else 1
    nearest = bool(options.pop("nearest", False))
    count = bool(options.pop("count", False))
    cache = options.pop("cache", None) or TableCache()
    query = _query(options.pop("ops", None), options.pop("use", "all"), options.pop("integer_steps", False),
                   options.pop("steps", None), options.pop("ordered", False), options.pop("explain", False),
                   options)
    for number, raw in enumerate(lines, start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        try:
            numbers, target = parse_batch_line(line)
            result = _solve_checked(numbers, target, query, wanted=wanted, nearest=nearest, count=count,
                                    cache=cache)
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
        raise PuzzleError(f"use must be 'all', 'some' or 'fewest', not {use!r}")


def _check_steps(steps: str | None, integer_steps: bool) -> str:
    if steps is None:
        return "positive" if integer_steps else "any"
    if steps not in STEPS:
        raise PuzzleError(f"steps must be one of {', '.join(STEPS)}, not {steps!r}")
    if integer_steps and steps != "positive":
        raise PuzzleError(f"--integer-steps means --steps positive: it cannot go with --steps {steps}")
    return steps


def _allowed(value: Fraction, steps: str) -> bool:
    """May the answer (the last step) be ``value`` under the step rule?"""
    if steps == "any":
        return True
    floor = STEP_FLOOR[steps]
    return value.denominator == 1 and (floor is None or value >= floor)


def _check_size(numbers: tuple[int, ...], target: Fraction, bounds: Bounds) -> None:
    limit = bounds.max_magnitude
    big = [n for n in numbers if n > limit]
    if big:
        raise PuzzleError(f"number {big[0]} is larger than the bound --max-value {limit}")
    if abs(target.numerator) > limit or target.denominator > limit:
        shown = str(target) if len(str(target)) <= 24 else f"with {len(str(abs(target.numerator)))} digits"
        raise PuzzleError(f"target {shown} is beyond the bound --max-value {limit}")


def _solution(node: tuple, value, verified: bool, query: _Query, *, approx: bool = False) -> Solution:
    sort = not query.ordered  # in order, the numbers are printed as given
    return Solution(
        text=render(node, "text", sort=sort),
        unicode=render(node, "unicode", sort=sort),
        latex=render(node, "latex", sort=sort),
        value=format_value(value),
        cost=node[COST],
        verified=verified,
        approx=decimal(value, APPROX_DIGITS) if approx else "",
        working=working(node, "unicode", sort=sort) if query.explain else (),
    )


def rank(node: tuple, *, sort: bool = True) -> tuple:
    """How a fan ranks answers: cheapest first, then the fewest symbols (brackets
    included; a repeating decimal's bar is no symbol), the fewest operators, and the
    Unicode form."""
    shown = render(node, "unicode", sort=sort)
    return (node[COST], len(shown) - shown.count(OVERLINE), _operators(node), shown)


def _operators(node: tuple) -> int:
    if node[OP] == "lit":
        return 0
    return 1 + _operators(node[3]) + (0 if node[4] is None else _operators(node[4]))


def _select(hits: list, claimed, wanted: int, *, verified: dict | None = None,
            charge: Callable[[int], None], query: _Query) -> list[tuple[Solution, tuple]]:
    """The ``wanted`` best-ranked distinct hits that verify (``rank``), as (answer,
    expression) pairs.

    ``verified`` caches proofs by Unicode form between calls. ``charge(steps)`` is told the
    work (sorting, rendering, proofs) before it is done: the search's budget.
    """
    if not hits:
        return []
    charge(len(hits))
    hits = sorted(hits, key=_by_cost)
    cache = {} if verified is None else verified
    sort = not query.ordered
    out: list[tuple[Solution, tuple]] = []
    seen: set = set()
    i = 0
    while i < len(hits) and len(out) < wanted:
        j = i
        cost = hits[i][COST]
        while j < len(hits) and hits[j][COST] == cost:
            j += 1
        charge((j - i) * RENDER_WORK)
        group = sorted(((rank(node, sort=sort), node) for node in hits[i:j]), key=_first)
        for key, node in group:
            form = canonical(node) if wanted > 1 else None
            if form is not None and form in seen:
                continue
            text = key[3]
            proved = cache.get(text)
            if proved is None:
                proved = cache[text] = verify(node, claimed, charge=charge)
            if not proved:
                continue
            if form is not None:
                seen.add(form)
            out.append((_solution(node, claimed, True, query), node))
            if len(out) >= wanted:
                break
        i = j
    return out


def _count(hits: list, claimed, *, charge: Callable[[int], None]) -> int:
    """How many distinct answers (``render.canonical``) among ``hits`` verify."""
    charge(len(hits) * RENDER_WORK)
    groups: dict = {}
    for node in sorted(hits, key=_by_cost):
        groups.setdefault(canonical(node), []).append(node)
    total = 0
    for nodes in groups.values():
        # one proof settles a kind, unless its cheapest is a float that only came near
        if any(verify(node, claimed, charge=charge) for node in nodes[:3]):
            total += 1
    return total


def difficulty(count: int, cheapest: int, least: int) -> str:
    """easy, medium, hard or fiendish: the cost of the cheapest answer above the
    plainest conceivable one over as many numbers (``least``: the numbers joined by
    one operator each: 8÷(3−8÷3) costs no more, ⌈√((2+2)!)⌉ 7 more) plus
    twice its rarity (0 for 20 or more distinct answers, 1 for 5-19, 2 for 2-4, 3 for
    a single one); at most 2 is easy, 5 medium, 8 hard, more fiendish."""
    rarity = 0 if count >= 20 else 1 if count >= 5 else 2 if count >= 2 else 3
    score = max(0, cheapest - least) + 2 * rarity
    return next(label for top, label in DIFFICULTY if score <= top)


def _first(pair: tuple):
    return pair[0]


def _by_cost(node: tuple) -> int:
    return node[COST]


def _nearest(engine: Engine, target: Fraction, query: _Query, wanted: int) -> tuple[Solution, ...]:
    """The values closest to ``target`` within the bounds (below and/or above it), each
    with its simplest expression; every value is re-derived exactly from its
    expression (rationally, as a surd, or by sympy). The search is complete
    (exhausted) when this is asked."""
    codes = [engine.full] if query.use == "all" else engine.codes_by_size()
    ringed = _nearest_by_lookups(engine, target, codes, query)
    if ringed is not None:
        return ringed
    goal = float(target)
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
        value = surd_or_sympy(node, charge=engine.charge)
        if isinstance(value, Fraction) and value.denominator == 1:
            value = value.numerator
        if node[EXACT] or isinstance(value, Surd) or verify(node, value, charge=engine.charge):
            out.append(_solution(node, value, True, query, approx=True))
    return tuple(out[: max(wanted, 2)])


def _nearest_by_lookups(engine: Engine, target: Fraction, codes: list[int], query: _Query):
    """With integer steps and only + - × ÷ (Countdown, Krypto), every value is an
    integer: look up target ± 1, ± 2, ... (up to NEAREST_RINGS) in the complete
    tables; None when that does not apply or finds nothing."""
    if not (engine.integer_steps and engine.lookup_ok and not engine.unary and target.denominator == 1):
        return None
    t = target.numerator
    for d in range(1, NEAREST_RINGS + 1):
        goals = [g for g in (t - d, t + d) if _allowed(Fraction(g), query.steps)]
        hits: list = []
        for code in codes:
            top = Top(engine, code=code, goals=goals, hits=hits, alternatives=True, lookups=True)
            top.extend(math.inf)
            top.release()
        out = []
        for goal in goals:
            chosen = _select([h for h in hits if h[VALUE] == goal], goal, 1, charge=engine.charge, query=query)
            out += [_solution_from(s, goal) for s, _ in chosen]
        if out:
            return tuple(out)
    return None


def _solution_from(solution: Solution, value: int) -> Solution:
    return replace(solution, approx=decimal(value, APPROX_DIGITS))
