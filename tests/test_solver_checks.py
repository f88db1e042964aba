"""The checks the issue names, each computed by the solver (nothing here is a stored answer)."""

from __future__ import annotations

import ast
import itertools
import re
from collections import Counter
from fractions import Fraction

import pytest

from banana.solver import resolve_ops, solve, solve_batch, tabulate


def test_two_twos_make_five_with_wild_including_the_known_answers():
    """The teaser's call: among the default handful, (√.2)⁻² and ⌈√22⌉, all verified."""
    result = solve([2, 2], Fraction(5), ops=resolve_ops("wild"), all_solutions=True)
    unicode = [s.unicode for s in result.solutions]
    text = [s.text for s in result.solutions]
    assert "(√.2)⁻²" in unicode and "⌈√22⌉" in unicode
    assert "sqrt(.2)^-2" in text and "ceil(sqrt(22))" in text
    assert all(s.verified and s.value == "5" for s in result.solutions)
    assert len(result.solutions) == 5


def test_eight_over_three_minus_eight_thirds():
    """The float-round-off trap: 8/(3-8/3) is exactly 24."""
    result = solve([3, 3, 8, 8], 24, ops="arithmetic", all_solutions=True)
    assert [s.text for s in result.solutions] == ["8/(3-8/3)"]
    assert result.solutions[0].unicode == "8÷(3−8÷3)"


def test_1362_of_the_1820_hands_reach_24():
    hands = list(itertools.combinations_with_replacement(range(1, 14), 4))
    assert len(hands) == 1820
    lines = [" ".join(map(str, hand)) + " -> 24" for hand in hands]
    items = list(solve_batch(lines, ops="arithmetic"))
    assert all(item.error is None for item in items)
    solved = [item for item in items if item.result.solved]
    assert len(solved) == 1362
    for item in solved[::97]:  # spot-check answers with plain exact arithmetic
        assert _exact(item.result.solutions[0].text) == 24


def test_four_fours_with_arithmetic_first_miss_10():
    result = tabulate([4, 4, 4, 4], 0, 100, ops="arithmetic")
    assert result.first_missing == 10
    assert all(_exact(result.found[n].text) == n for n in range(10))


def test_four_fours_with_classic_reach_every_integer_to_100():
    result = tabulate([4, 4, 4, 4], 0, 100, ops="classic")
    assert result.missing == () and result.first_missing is None
    assert sorted(result.found) == list(range(101))
    assert all(s.verified and s.value == str(n) for n, s in result.found.items())
    for solution in result.found.values():
        assert sorted(re.findall(r"\d", solution.text)) == ["4"] * 4  # exactly four fours


def test_countdown_with_some_numbers_and_integer_steps():
    tiles = [100, 75, 50, 25, 6, 3]
    result = solve(tiles, 952, ops="arithmetic", use="some", integer_steps=True, all_solutions=True)
    assert result.solved
    for solution in result.solutions:
        tree = ast.parse(solution.text, mode="eval").body
        steps = []
        assert _evaluate(tree, steps) == 952
        assert all(step == int(step) and step > 0 for step in steps)  # every step a positive integer
        used = Counter(node.value for node in ast.walk(tree) if isinstance(node, ast.Constant))
        assert not used - Counter(tiles)  # each tile at most once


def test_countdown_nearest_when_there_is_no_exact_answer():
    result = solve([1, 2, 3], 1000, ops="arithmetic", use="some", integer_steps=True, nearest=True)
    assert not result.solved
    assert [s.value for s in result.nearest] == ["9"]  # (1+2)*3 is as close as it gets
    assert _exact(result.nearest[0].text) == 9


@pytest.mark.parametrize(
    "numbers, target, ops, use",
    [([25, 50, 75, 100, 3, 6], 952, "arithmetic", "some"), ([1, 3, 4, 6], 24, "arithmetic", "all")],
)
def test_answers_are_exact_not_float_approximations(numbers, target, ops, use):
    for solution in solve(numbers, target, ops=ops, use=use, all_solutions=True).solutions:
        assert _exact(solution.text) == target


def _exact(text: str) -> Fraction:
    return _evaluate(ast.parse(text.replace("^", "**"), mode="eval").body, [])


def _evaluate(node, steps: list) -> Fraction:
    """Exact rational evaluation of + - * / ** trees, collecting every intermediate value."""
    if isinstance(node, ast.Constant):
        return Fraction(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_evaluate(node.operand, steps)
    left, right = _evaluate(node.left, steps), _evaluate(node.right, steps)
    ops = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
           ast.Div: lambda a, b: a / b, ast.Pow: lambda a, b: a**b}
    value = ops[type(node.op)](left, right)
    steps.append(value)
    return value
