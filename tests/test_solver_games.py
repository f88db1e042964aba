"""The solver as puzzle fans use it: step rules (Countdown, Krypto), numbers in order
(year puzzles), the fewest numbers, answers distinct to a person and ranked as a fan
would, counts and difficulty, the working, suggestions, ranges on one budget, proofs
without sympy, and digits other than 0-9.

The exact references here are small and independent of the solver: every value of
every expression, by dynamic programming over the numbers in ``fractions``."""

from __future__ import annotations

import itertools
import random
import subprocess
import sys
from fractions import Fraction
from functools import lru_cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from banana.errors import PuzzleError
from banana.solver import expressions, resolve_ops, solve, solve_batch, tabulate
from banana.solver.api import difficulty, rank
from banana.solver.puzzle import parse_batch_line, parse_numbers, parse_range, parse_target
from banana.solver.render import canonical, working
from banana.solver.search import Bounds, Engine, SearchTooLarge
from banana.solver.verify import Surd, surd_value, verify

E = expressions


# ----- independent references -------------------------------------------------------------

def _allowed(value: Fraction, rule: str) -> bool:
    if rule == "any":
        return True
    return value.denominator == 1 and {"integer": True, "nonnegative": value >= 0, "positive": value >= 1}[rule]


def reference_values(numbers: tuple[int, ...], rule: str) -> set[Fraction]:
    """Every + - × ÷ value using each number once, each step obeying ``rule``."""

    @lru_cache(maxsize=None)
    def values(items: tuple[int, ...]) -> frozenset[Fraction]:
        if len(items) == 1:
            value = Fraction(items[0])
            return frozenset({value} if _allowed(value, rule) else ())
        out: set[Fraction] = set()
        first, rest = items[0], items[1:]
        for size in range(len(rest) + 1):
            for chosen in set(itertools.combinations(rest, size)):
                left = (first,) + chosen
                right = list(rest)
                for c in chosen:
                    right.remove(c)
                if not right:
                    continue
                for a in values(tuple(sorted(left))):
                    for b in values(tuple(sorted(right))):
                        candidates = [a + b, a - b, b - a, a * b] + ([a / b] if b else []) + ([b / a] if a else [])
                        out.update(v for v in candidates if _allowed(v, rule))
        return frozenset(out)

    return set(values(tuple(sorted(numbers))))


def reference_in_order(digits: tuple[int, ...]) -> set[Fraction]:
    """Every value of + - × ÷ and joining neighbours, the digits in the order given."""

    @lru_cache(maxsize=None)
    def run(i: int, j: int) -> frozenset[Fraction]:
        text = "".join(map(str, digits[i:j]))
        out: set[Fraction] = set()
        if j - i == 1 or text[0] != "0":
            out.add(Fraction(int(text)))
        for k in range(i + 1, j):
            for a in run(i, k):
                for b in run(k, j):
                    out.update([a + b, a - b, a * b] + ([a / b] if b else []))
        return frozenset(out)

    return set(run(0, len(digits)))


def steps_of(text: str) -> list[Fraction]:
    """The value of every step of a + - × ÷ answer (an independent reading)."""
    out: list[Fraction] = []
    node = E.parse(text)

    def walk(n) -> Fraction:
        if E.operator(n) == "lit":
            return Fraction(E.value(n))
        a, b = walk(n[3]), walk(n[4])
        value = {"add": a + b, "sub": a - b, "mul": a * b, "div": a / b if b else None}[E.operator(n)]
        out.append(value)
        return value

    walk(node)
    return out


# ----- step rules ------------------------------------------------------------------------------

def test_krypto_allows_a_zero_step_and_countdown_does_not():
    """(24−24)×16×22+25: Krypto allows a step worth 0 (--steps nonnegative); with every
    step a positive integer (--integer-steps, Countdown's rule) the deal has no answer."""
    deal = ([24, 24, 16, 22, 25], 25)
    krypto = solve(*deal, ops="arithmetic", steps="nonnegative", explain=True)
    assert krypto.solved and krypto.steps == "nonnegative"
    assert "24−24 = 0" in krypto.solutions[0].working
    assert not solve(*deal, ops="arithmetic", steps="positive").solved
    assert not solve(*deal, ops="arithmetic", integer_steps=True).solved
    assert solve(*deal, ops="arithmetic", integer_steps=True).steps == "positive"


@pytest.mark.parametrize("rule", ["nonnegative", "positive", "integer", "any"])
def test_step_rules_match_an_exact_reference(rule):
    rng = random.Random(17)
    deals = [(tuple(rng.randint(0 if rule != "positive" else 1, 13) for _ in range(4)), rng.randint(-10, 40))
             for _ in range(40)]
    lines = [f"{' '.join(map(str, numbers))} -> {target}" for numbers, target in deals]
    for item, (numbers, target) in zip(solve_batch(lines, ops="arithmetic", steps=rule), deals):
        reachable = Fraction(target) in reference_values(numbers, rule)
        assert item.result.solved == reachable, item.line
        if item.result.solved:
            assert all(_allowed(v, rule) for v in steps_of(item.result.solutions[0].text)), item.line


def test_integer_steps_allow_negatives_but_no_fractions():
    assert solve([1, 2, 3], -4, ops="arithmetic", steps="integer").solved  # 1-2-3
    assert not solve([1, 2, 3], -4, ops="arithmetic", steps="positive").solved
    assert solve([3, 8, 8, 3], 24, ops="arithmetic").solved  # 8/(3-8/3) needs fractions
    assert not solve([3, 8, 8, 3], 24, ops="arithmetic", steps="integer").solved
    assert not solve([1, 2], "1/2", ops="arithmetic", steps="integer").solved  # the answer is a step too


def test_step_options_are_checked():
    with pytest.raises(PuzzleError, match="steps must be one of any, integer, nonnegative, positive"):
        solve([1, 2], 3, steps="odd")
    with pytest.raises(PuzzleError, match="--integer-steps means --steps positive"):
        solve([1, 2], 3, steps="any", integer_steps=True)


# ----- numbers in order ----------------------------------------------------------------------

def test_year_puzzle_in_order():
    """1 9 8 4 → 100 with the digits in the order written (the analysis asks for this)."""
    result = solve([1, 9, 8, 4], 100, ordered=True)
    assert result.solved and result.ordered
    assert "".join(E.digits(E.parse(result.solutions[0].text))) == "1984"


def test_in_order_joins_only_neighbours_and_keeps_operands_in_order():
    assert solve([1, 2, 3], 33, ops="add,concat").solved  # 32+1
    assert not solve([1, 2, 3], 33, ops="add,concat", ordered=True).solved
    assert solve([1, 2, 3], 24, ops="add,concat", ordered=True).solutions[0].text == "1+23"
    assert not solve([1, 9], 8, ops="arithmetic", ordered=True).solved  # 9-1 takes 9 first
    assert solve([1, 9], -8, ops="arithmetic", ordered=True).solutions[0].text == "1-9"
    assert solve([9, 1], 8, ops="arithmetic", ordered=True).solved


@pytest.mark.parametrize("digits", [(1, 9, 8, 4), (2, 0, 2, 4), (3, 0, 7), (5, 1, 2, 6, 1)])
def test_in_order_ranges_match_an_exact_reference(digits):
    values = reference_in_order(digits)
    expected = {n for n in range(-50, 151) if Fraction(n) in values}
    result = tabulate(list(digits), -50, 150, ops="arithmetic,concat", ordered=True)
    assert set(result.found) == expected and result.complete
    for n, solution in result.found.items():
        assert "".join(E.digits(E.parse(solution.text))) == "".join(map(str, digits))
        assert E.equals(E.parse(solution.text), n)


def test_in_order_cannot_leave_numbers_out():
    with pytest.raises(PuzzleError, match="--ordered uses every number"):
        solve([1, 2, 3], 6, ordered=True, use="some")


# ----- the fewest numbers --------------------------------------------------------------------

def test_fewest_uses_as_few_numbers_as_possible():
    assert solve([1, 2, 3, 4, 5], 5, use="fewest").solutions[0].text == "5"
    assert solve([2, 3, 50, 7], 6, use="fewest", ops="arithmetic").solutions[0].text == "2*3"
    # plain --use some finds the cheapest, which may use more numbers than --fewest needs
    some = solve([4, 4, 9], 3, use="some", ops="classic")
    fewest = solve([4, 4, 9], 3, use="fewest", ops="classic")
    assert len(E.digits(E.parse(fewest.solutions[0].text))) <= len(E.digits(E.parse(some.solutions[0].text)))
    assert fewest.use == "fewest"


# ----- distinct to a person -------------------------------------------------------------------

@pytest.mark.parametrize("same", [
    ["gamma(2)/.2", ".2^(-gamma(2))", "root(.2, -gamma(2))", "gamma(2)%/.2%", "(gamma(2)/.2%)%", ".2^(-ceil(.2))",
     ],
    ["sqrt(.2)^-2", "sqrt(.2^-2)", "(-sqrt(.2))^-2"],
    ["(1+2+3)*4*(3-2)", "(1+2+3)*4/(3-2)", "4*(3+2+1)*(3-2)"],
    ["4-4+4-4", "(4-4)+(4-4)", "4-(4-4)-4", "-(4-4)+4-4"],
    ["8/(3-8/3)", "8/(-8/3+3)"],
])
def test_answers_the_same_to_a_person_have_one_canonical_form(same):
    forms = {canonical(E.parse(text)) for text in same}
    assert len(forms) == 1, same


@pytest.mark.parametrize("a, b", [
    ("sqrt(.2)^-2", "gamma(2)/.2"), ("2^2", "2*2"), ("2+2", "2*2"), ("ceil(sqrt(22))", "ceil(sqrt((2+2)!))"),
    ("44-44", "4-4+4-4"), ("(3+.3)/.3", "33/3"),
])
def test_different_answers_keep_different_forms(a, b):
    assert canonical(E.parse(a)) != canonical(E.parse(b))


def test_all_lists_distinct_answers_with_the_famous_one_and_a_count():
    """2 2 → 5 wild: six answers were 1 ÷ .2 with Γ(2) standing for 1, (−√.2)⁻² repeated
    (√.2)⁻², and ⌈√((2+2)!)⌉ needed --max-depth 3."""
    result = solve([2, 2], 5, ops="wild", all_solutions=True, limit=30, count=True)
    texts = [s.text for s in result.solutions]
    assert "ceil(sqrt((2+2)!))" in texts[:5]
    forms = [canonical(E.parse(text)) for text in texts]
    assert len(set(forms)) == len(forms) == 30
    ones = {"gamma(2)/.2", ".2^(-gamma(2))", "root(.2, -gamma(2))", "gamma(2)%/.2%", "(gamma(2)/.2%)%", ".2^(-ceil(.2))"}
    assert len(ones & set(texts)) == 1 and "(-sqrt(.2))^-2" not in texts
    assert result.count >= 30 and result.complete
    everything = solve([2, 2], 5, ops="wild", all_solutions=True, limit=1000, count=True)
    assert len(everything.solutions) == everything.count  # asked for more: all there are, counted


def test_the_24_game_counts_times_and_divided_by_three_minus_two_once():
    result = solve([1, 2, 3, 4], 24, ops="arithmetic", all_solutions=True, limit=50, count=True)
    assert result.count == len(result.solutions) == 3
    assert {s.unicode for s in result.solutions} == {"1×2×3×4", "(1+2+3)×4", "(2+4)×(1+3)"}


def test_ranking_is_cost_then_fewest_symbols_then_fewest_operators():
    """0 = 4−(4+4)+4 was printed where 44−44 (or 4−4+4−4) is the natural answer."""
    found = tabulate([4, 4, 4, 4], 0, 3).found
    assert found[0].unicode == "44−44"
    assert rank(E.parse("44-44")) < rank(E.parse("4-(4+4)+4"))
    assert rank(E.parse("4-4+4-4")) < rank(E.parse("4-(4+4)+4"))


def test_repeating_decimals_are_written_the_shortest_way():
    """99 = 44÷.4̄4̄ padded .4̄ with a 4; the range now has a natural 99."""
    found = tabulate([4, 4, 4, 4], 95, 100).found
    assert len(found) == 6
    assert all(".(44)" not in s.text and "4(4)" not in s.text for s in found.values())


def test_rounding_does_not_count_towards_the_depth():
    texts = [s.text for s in solve([2, 2], 5, ops="wild", all_solutions=True, limit=10).solutions]
    assert "ceil(sqrt((2+2)!))" in texts  # ⌈ ⌉ around √ around !: two counted
    shallow = [s.text for s in solve([2, 2], 5, ops="wild", all_solutions=True, limit=1000,
                                     max_unary_depth=1).solutions]
    assert "ceil(sqrt(22))" in shallow and "ceil(sqrt((2+2)!))" not in shallow
    none = solve([2, 2], 5, ops="wild", all_solutions=True, limit=1000, max_unary_depth=0).solutions
    assert all(not any(op in s.text for op in ("ceil", "floor", "sqrt", "!")) for s in none)


# ----- counts, difficulty, working, suggestions ------------------------------------------------

def test_difficulty_comes_from_the_count_and_the_cheapest_cost():
    assert solve([3, 3, 8, 8], 24, ops="arithmetic", count=True).difficulty == "hard"  # one answer
    assert solve([4, 4, 4, 4], 7, count=True).difficulty == "easy"
    assert difficulty(1, 7, 7) == "hard" and difficulty(25, 7, 7) == "easy"
    assert difficulty(3, 7, 7) == "medium" and difficulty(1, 12, 7) == "fiendish"
    assert solve([3, 3, 8, 8], 24, ops="arithmetic").difficulty is None  # not counted unless asked


def test_counting_is_bounded_by_its_own_work():
    result = solve([4, 4, 4, 4], 7, ops="wild", count=True, count_work=20_000)
    assert result.solved and not result.complete and result.count >= 1
    assert result.work <= 20_000 + 10_000


def test_working_shows_each_step_with_its_value():
    node = E.parse("ceil(sqrt((2+2)!))")
    assert working(node) == ("2+2 = 4", "4! = 24", "√24 ≈ 4.899", "⌈√((2+2)!)⌉ = 5")
    assert working(E.parse("8/(3-8/3)")) == ("8÷3 = 8/3", "3−8/3 = 1/3", "8÷(1/3) = 24")
    assert working(E.parse("22")) == ("22",)
    solution = solve([3, 3, 8, 8], 24, ops="arithmetic", explain=True).solutions[0]
    assert solution.working[-1].endswith("= 24")
    assert solve([3, 3, 8, 8], 24, ops="arithmetic").solutions[0].working == ()


def test_an_unsolved_puzzle_points_to_the_wider_preset_that_solves_it():
    """banana solve 2 2 --target 5 said only "no solution" (classic has no negation)."""
    result = solve([2, 2], 5, suggest=True)
    assert not result.solved
    assert result.suggestion.ops == "wild" and result.suggestion.solutions[0].verified
    assert result.to_dict()["suggestion"]["ops"] == "wild"
    assert solve([1, 1, 1, 1], 24, ops="arithmetic", suggest=True).suggestion.ops == "classic"
    assert solve([2, 2], 5).suggestion is None  # only when asked


@pytest.mark.parametrize("numbers, target", [((2, 2), 5), ((3, 3, 3), 11), ((5, 5), 24), ((4, 4, 4), 100)])
def test_the_shows_teasers_solve_with_default_options(numbers, target):
    """The seed episode's and every sample episode's teaser, with the CLI's defaults."""
    result = solve(list(numbers), target, suggest=True)
    assert result.solved or (result.suggestion and result.suggestion.solutions[0].verified)


def test_nearest_values_come_with_decimals():
    """--nearest printed 2*sqrt(6) where a fan wants ≈ 4.899."""
    result = solve([2, 3], 4, ops="sqrt,mul", nearest=True)
    assert not result.solved
    [near] = result.nearest
    assert (near.unicode, near.value, near.approx) == ("√(2×3)", "sqrt(6)", "2.449489743")
    rational = solve([1, 1, 1], -11, nearest=True).nearest[0]
    assert (rational.value, rational.approx) == ("-109/10", "-10.9")


# ----- ranges: one engine, one budget --------------------------------------------------------

def test_a_range_answers_what_the_same_targets_answer_one_by_one():
    """Four 4s wild 0..100 was refused after 10 s while --batch solved the 101 targets."""
    lines = [f"3 3 3 -> {n}" for n in range(0, 31)]
    one_by_one = {int(item.line.split("->")[1]): item.result.solutions[0].cost
                  for item in solve_batch(lines, ops="wild") if item.result.solved}
    ranged = tabulate([3, 3, 3], 0, 30, ops="wild")
    assert {n: s.cost for n, s in ranged.found.items()} == one_by_one
    assert ranged.complete and ranged.work <= Bounds().max_work


def test_a_range_out_of_budget_shows_what_it_reached():
    result = tabulate([4, 4, 4, 4], 0, 100, ops="wild", max_work=30_000)
    assert result.found and not result.complete and result.missing
    assert result.to_dict()["complete"] is False and result.searched_to
    with pytest.raises(SearchTooLarge, match="search too large"):
        tabulate([4, 4, 4, 4], 0, 100, ops="wild", max_work=50)


def test_a_range_gives_the_nearest_value_for_each_miss():
    result = tabulate([4, 4, 4, 4], 8, 12, ops="arithmetic", nearest=True)
    assert result.missing == (10, 11) and set(result.nearest) == {10, 11}
    assert all(abs(Fraction(s.value) - n) >= 1 for n, s in result.nearest.items())
    assert result.to_dict()["nearest"]["10"]["approx"]


# ----- proofs without sympy --------------------------------------------------------------------

@pytest.mark.parametrize("text, value", [
    ("sqrt(.2)^-2", 5), ("ceil(sqrt(22))", 5), ("floor(sqrt(22))", 4), ("sqrt(2)*sqrt(8)", 4),
    ("sqrt(8)-sqrt(2)-sqrt(2)", 0), ("root(4, .5)", 16), ("4^.5", 2), ("(sqrt(sqrt(4)))^(4!)", 4096),
    ("log(8, 2)", 3), ("ceil(sqrt(10^10+1))", 100001), ("floor(-sqrt(2))", -2),
])
def test_surds_are_proved_exactly(text, value):
    node = E.parse(text)
    assert surd_value(node) == value
    assert verify(node, value) and not verify(node, value + 1)


def test_a_surd_that_is_irrational_is_never_a_rational():
    assert surd_value(E.parse("sqrt(2)*sqrt(3)")) != Fraction(245, 100)
    assert not Surd(1, {Fraction(2): Fraction(1, 2)}).is_rational
    assert Surd(2, {Fraction(6): Fraction(1, 2)}) == surd_value(E.parse("sqrt(24)"))
    assert str(surd_value(E.parse("sqrt(6)*2"))) == "2*sqrt(6)"


def test_classic_answers_never_import_sympy():
    """Four fours classic spent 75 % of its time importing sympy to prove answers such
    as ⌈√22⌉ and 73 = √((√√4)^(4!))+4÷.4̄; surds prove them now."""
    code = ("import sys; from banana.solver import tabulate, solve; "
            "r = tabulate([4, 4, 4, 4], 0, 100); assert not r.missing; "
            "assert solve([2, 2], 5, ops='wild', all_solutions=True).solved; "
            "print('sympy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ----- digits other than 0-9 ---------------------------------------------------------------------

@pytest.mark.parametrize("call, text", [
    (lambda t: parse_numbers([t]), "٣"), (lambda t: parse_numbers([t]), "３"), (parse_target, "２٤"),
    (parse_target, "1/٣"), (parse_range, "0..١٠"), (parse_batch_line, "٣ 3 -> 6"), (parse_batch_line, "3 3 -> ６"),
])
def test_digits_other_than_ascii_are_refused_by_name(call, text):
    """Arabic-Indic and full-width digits were read silently as 0-9."""
    with pytest.raises(PuzzleError, match="write numbers with the digits 0-9"):
        call(text)


# ----- the engine's shortcuts change no answer --------------------------------------------------

@settings(max_examples=40, deadline=None)
@given(numbers=st.lists(st.integers(1, 9), min_size=1, max_size=4),
       ops=st.sampled_from(["arithmetic", "classic", "wild", "add,mul,concat", "sub,div,fact,sqrt", "pow,neg,decimal"]),
       depth=st.integers(0, 3))
def test_every_cost_a_table_holds_is_one_the_deepening_stops_at(numbers, ops, depth):
    """next_cost skips costs no expression over as many numbers can have; it must never
    skip one a table holds."""
    engine = Engine(numbers, resolve_ops(ops), bounds=Bounds(max_unary_depth=depth, max_work=200_000,
                                                              max_entries=200_000))
    try:
        for code in engine.codes_by_size():
            engine.extend(code, 14)
    except SearchTooLarge:
        pass
    sets = engine._cost_sets(len(numbers))
    for code, table in engine.tables.items():
        assert set(table.costs) <= set(sets[engine.size(code)]), (code, table.costs)


@settings(max_examples=25, deadline=None)
@given(numbers=st.lists(st.sampled_from([1, 2, 3, 5, 7, 10, 25, 50, 75, 100]), min_size=3, max_size=5),
       target=st.integers(1, 400))
def test_leaving_out_what_fewer_numbers_make_keeps_the_cheapest_answer(numbers, target):
    """--use some with one answer wanted prunes a larger sub-multiset's table of what a
    smaller one makes; the cheapest answer's cost is unchanged."""
    options = dict(ops="arithmetic", use="some", steps="positive")
    pruned = solve(numbers, target, **options)
    full = solve(numbers, target, all_solutions=True, limit=1, **options)
    assert pruned.solved == full.solved
    if pruned.solved:
        assert pruned.solutions[0].cost == full.solutions[0].cost
        assert E.equals(E.parse(pruned.solutions[0].text), target)


def test_countdown_games_match_an_exact_reference():
    """--use some with whole positive steps (pruned tables, nearest by lookups) against
    every value of every sub-multiset; the nearest value's distance too."""
    rng = random.Random(5)
    games = [(tuple(rng.sample([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 25, 50, 75, 100], 5)), rng.randint(101, 999))
             for _ in range(25)]
    lines = [f"{' '.join(map(str, numbers))} -> {target}" for numbers, target in games]
    items = solve_batch(lines, ops="arithmetic", use="some", steps="positive", nearest=True)
    for item, (numbers, target) in zip(items, games):
        values = set()
        for size in range(1, len(numbers) + 1):
            for subset in itertools.combinations(numbers, size):
                values |= reference_values(subset, "positive")
        distance = min(abs(v - target) for v in values)
        result = item.result
        assert result.solved == (distance == 0), item.line
        if not result.solved:
            assert {abs(Fraction(s.value) - target) for s in result.nearest} == {distance}, item.line
