"""banana.solver.expressions: expressions built one at a time, valued by the search's own
step, rendered, compared and read back from the solver's text format."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from banana.errors import PuzzleError
from banana.solver import OPERATORS, expressions, resolve_ops, solve, tabulate
from banana.solver.ops import COMMUTATIVE
from banana.solver.render import render

E = expressions


@pytest.mark.parametrize("digits, value, text", [
    ("3", 3, "3"), (".3", Fraction(3, 10), ".3"), ("3.3", Fraction(33, 10), "3.3"),
    (".(3)", Fraction(1, 3), ".(3)"), ("1.(6)", Fraction(5, 3), "1.(6)"), ("33", 33, "33"),
    ("0", 0, "0"),
])
def test_literal(digits, value, text):
    node = E.literal(digits)
    assert E.value(node) == value and E.text(node) == text and E.digits(node) == [digits.replace(".", "").replace("(", "").replace(")", "")]


@pytest.mark.parametrize("digits", ["", ".", "()", "3a", "(3)", "-3", "1" * 31, "3.(", "3.3.3"])
def test_bad_literal(digits):
    with pytest.raises(PuzzleError):
        E.literal(digits)


@pytest.mark.parametrize("text, value", [
    ("(3+.3)/.3", 11), ("5!/5", 24), ("root(8, 3)", 2), ("log(8, 2)", 3), ("4!!", 8),
    ("gamma(5)", 24), ("50%", Fraction(1, 2)), ("floor(sqrt(22))", 4), ("ceil(sqrt(22))", 5),
    ("-2^2", -4), ("2^3^2", 512), ("2^-2", Fraction(1, 4)), (".(3)*3", 1), ("8/(3-8/3)", 24),
    # steps a search never takes (they leave the value as it was) still have their value
    ("sqrt(1)", 1), ("sqrt(0)", 0), ("2!", 2), ("1!!", 1), ("gamma(1)", 1), ("floor(3)", 3),
    ("ceil(3)", 3), ("-0", 0), ("0%", 0),
])
def test_values(text, value):
    node = E.parse(text)
    assert E.defined(node) and E.value(node) == value and E.equals(node, value)


def test_a_float_step_snapped_to_a_rational_is_proved():
    node = E.parse("sqrt(.2)^-2")
    assert node[5] is False  # inexact, as the search marks it
    assert E.value(node) == 5 and E.equals(node, 5) and not E.equals(node, 4)


def test_a_step_the_search_does_not_take_keeps_its_value():
    node = E.parse("sqrt(2)*sqrt(3)")  # irrational, not brought back to a rational
    assert E.defined(node) and str(E.value(node)) == "sqrt(6)"
    assert not E.equals(node, 2)


@pytest.mark.parametrize("text", ["1/0", "(.5)!", "0^-1", "sqrt(-4)", "log(0, 2)", "log(2, 1)",
                                  "9^9^9", "((4!)!)!", "(1/0)+2", "gamma(0)"])
def test_undefined(text):
    node = E.parse(text)
    assert not E.defined(node) and not E.equals(node, 0)
    with pytest.raises(PuzzleError, match="has no value"):
        E.value(node)
    assert E.text(node) == E.text(E.parse(E.text(node)))


@pytest.mark.parametrize("name, operands", [
    ("plus", 2), ("concat", 2), ("decimal", 1), ("add", 1), ("sqrt", 2), ("root", 1),
])
def test_apply_refuses_what_is_not_an_operator_step(name, operands):
    with pytest.raises(PuzzleError):
        E.apply(name, *[E.literal("2")] * operands)


@pytest.mark.parametrize("name", sorted(n for n, op in OPERATORS.items() if op.kind == "binary"))
def test_the_commutative_flag_is_what_the_operator_does(name):
    two, three = E.literal("2"), E.literal("3")
    swapped_equal = E.value(E.apply(name, two, three)) == E.value(E.apply(name, three, two))
    assert swapped_equal is (name in COMMUTATIVE)
    assert COMMUTATIVE == {n for n, op in OPERATORS.items() if op.commutative}


def test_chain_groups_as_written_arithmetic():
    n = [E.literal(d) for d in "2342"]
    assert E.text(E.chain(n, ["add", "mul", "pow"])) == "2+3*4^2"
    assert E.value(E.chain(n, ["add", "mul", "pow"])) == 50
    assert E.text(E.chain(n[:3], ["pow", "pow"])) == "2^(3^4)"
    assert E.text(E.chain(n, ["sub", "sub", "div"])) == "2-3-4/2"
    with pytest.raises(PuzzleError):
        E.chain(n, ["add"])
    with pytest.raises(PuzzleError):
        E.chain(n[:2], ["root"])


def test_text_keeps_the_order_given_and_canonical_does_not_care():
    said = E.parse("3+.3")
    assert E.text(said) == "3+.3" and render(said) == ".3+3"  # the search's order
    assert E.canonical(said) == E.canonical(E.parse(".3+3"))


@pytest.mark.parametrize("text, same_as", [
    ("(3+.3)/.3", "(.3+3)/.3"),
    ("2*3+4", "4+3*2"),
    ("sqrt(.2)^-2", "sqrt(.2)^(-2)"),
    ("5!/5", "5!/(5)"),
    ("2*1", "2/1"),  # the same trivial identity, wherever it sits
    ("2+0", "0-(-2)"),
    ("2-(3-4)", "2-3+4"),
])
def test_canonical(text, same_as):
    assert E.canonical(E.parse(text)) == E.canonical(E.parse(same_as))


def test_canonical_tells_different_forms_apart():
    assert E.canonical(E.parse("3.3/.3")) != E.canonical(E.parse("(3+.3)/.3"))
    assert E.canonical(E.parse("3-2")) != E.canonical(E.parse("2-3"))


@pytest.mark.parametrize("text", ["3/", "(3", "3 $ 4", "sqrt(", "", "add(2, 3)", "root(8)",
                                  "sqrt(1, 2)", "3(3)", ".5.5", "2^", "()", "-", "x", "1" * 40,
                                  "(" * 150 + "1" + ")" * 150, "-" * 150 + "1", "√" * 150 + "1",
                                  "1+" * 300 + "1"])
def test_parse_errors(text):
    with pytest.raises(PuzzleError):
        E.parse(text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60) | st.text(alphabet="0123456789.()+-*/^!%, sqrtflogceilamr√×÷",
                                       max_size=60))
def test_parse_is_total(text):
    """Garbage gives PuzzleError, never another exception."""
    try:
        node = E.parse(text)
    except PuzzleError:
        return
    assert E.text(E.parse(E.text(node))) == E.text(node)
    E.canonical(node)


_LITERALS = st.sampled_from(["0", "1", "2", "3", "4", "12", ".5", ".(3)", "2.5", "1.(6)"]).map(E.literal)
_BINARY = sorted(n for n, op in OPERATORS.items() if op.kind == "binary")
_UNARY = sorted(n for n, op in OPERATORS.items() if op.kind == "unary")
_TREES = st.recursive(
    _LITERALS,
    lambda children: st.one_of(
        st.builds(E.apply, st.sampled_from(_BINARY), children, children),
        st.builds(E.apply, st.sampled_from(_UNARY), children)),
    max_leaves=8)


@settings(max_examples=300, deadline=None)
@given(_TREES)
def test_text_round_trips(node):
    """The parser reads back what the renderer writes: the same text, the same form."""
    again = E.parse(E.text(node))
    assert E.text(again) == E.text(node)
    assert E.canonical(again) == E.canonical(node)


def test_the_solvers_answers_read_back_with_their_values():
    """Every printed answer parses to its own text, and proves equal to its target: the
    values come from the search's own step."""
    result = solve([2, 2], 5, ops=resolve_ops("wild"), all_solutions=True, limit=50)
    table = tabulate([4, 4, 4, 4], 0, 40, ops="classic")
    answers = [(s, 5) for s in result.solutions] + [(s, n) for n, s in table.found.items()]
    assert len(answers) > 40
    for solution, target in answers:
        node = E.parse(solution.text)
        assert E.text(node) == solution.text
        assert E.unicode(node) == solution.unicode
        assert E.equals(node, target), solution.text
        assert sorted("".join(E.digits(node))) == sorted(c for c in solution.text if c.isdigit())
