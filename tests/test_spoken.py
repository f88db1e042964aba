"""Spoken arithmetic: answers said aloud → solver expressions, checked against the
puzzle and compared with the solver's answers."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import pytest

from banana.analysis import analyse
from banana.analysis.episode import announced_answer, answered_puzzle
from banana.analysis.profile import ANSWERS
from banana.analysis.puzzle import TeaserQuery
from banana.analysis.spoken import (SpokenAnswer, announce, answers_puzzle, equal_values,
                                    parse_spoken_answer, spoken_expressions, uses_numbers)
from banana.formats import read_transcript
from banana.solver import expressions
from conftest import SAMPLES, need


@pytest.mark.parametrize("said, text, value", [
    ("Five factorial over five.", "5!/5", 24),
    ("Three point three over point three is eleven.", "3.3/.3", 11),
    ("Three plus point three, in parentheses, so that's three point three, and then you divide "
     "by point three.", "(3+.3)/.3", 11),
    ("It's thirty-three divided by three.", "33/3", 11),
    ("the square root of point two to the power of negative two", "sqrt(.2)^-2", 5),
    ("a hundred and twenty minus four squared", "120-4^2", 104),
    ("two plus two times two", "2+2*2", 6),
    ("two to the three to the two", "2^(3^2)", 512),
    ("five factorial minus four cubed", "5!-4^3", 56),
    ("four double factorial times fifty percent", "4!!*50%", 4),
    ("the square root of two multiplied by the square root of eight", "sqrt(2)*sqrt(8)", 4),
])
def test_spoken_expressions(said, text, value):
    found = spoken_expressions(said)
    assert found, said
    match = next(f for f in found if f.text == text)
    assert expressions.value(match.expression) == value


def test_spoken_expressions_are_solver_expressions_in_the_order_said():
    (answer,) = [f for f in spoken_expressions("three plus point three, in parentheses, divided "
                                               "by point three") if f.text == "(3+.3)/.3"]
    assert isinstance(answer, SpokenAnswer) and answer.said.startswith("three plus")
    assert answer.expression == expressions.parse("(3+.3)/.3")
    assert expressions.unicode(answer.expression) == "(3+.3)÷.3"


def test_restatements_are_not_answers():
    # "which is a hundred and twenty" restates 5! and does not start a new expression
    found = [f.text for f in spoken_expressions(
        "Five factorial is five times four times three times two times one, which is a hundred "
        "and twenty.")]
    assert found == ["5!", "5*4*3*2*1"]
    assert spoken_expressions("It was ninety-one percent accurate, three times a day.") == []


def test_an_expression_without_a_value_is_still_said():
    (said,) = spoken_expressions("one divided by zero")
    assert said.text == "1/0" and not expressions.defined(said.expression)
    q = TeaserQuery("", (1, 0), 1, ("arithmetic",))
    got = announce(said, q)
    assert (got.value, got.correct) == ("undefined", False)


def test_spoken_answer_prefers_the_one_that_answers_the_puzzle():
    q = TeaserQuery("", (5, 5), 24, ("wild",))
    said = ("I kept trying five squared minus one. The answer is factorials. Five factorial is "
            "five times four times three times two times one. Five factorial over five.")
    assert parse_spoken_answer(said, q).text == "5!/5"


@pytest.mark.parametrize("text, numbers, ok", [
    ("(3+.3)/.3", (3, 3, 3), True),
    ("3.3/.3", (3, 3, 3), True),
    ("33/3", (3, 3, 3), True),
    ("33/3", (3, 3), False),
    ("5!/5", (5, 5), True),
    ("5*4*3*2*1/5", (5, 5), False),
    (".(3)*3", (3, 3), True),
])
def test_uses_numbers(text, numbers, ok):
    assert uses_numbers(expressions.parse(text), numbers) is ok


@dataclass
class FakeSolution:
    text: str


def test_compare_answer_form_value_or_none():
    q = TeaserQuery("", (3, 3, 3), 11, ("wild",))
    said = spoken_expressions("Three plus point three, in parentheses, and then you divide by "
                              "point three. Three point three over point three is eleven.")
    got = announce(said, q, [FakeSolution("33/3"), FakeSolution("3.3/.3")], announced_in="ep2")
    assert (got.match, got.solution, got.expression, got.correct) == ("form", "3.3/.3", "3.3/.3", True)
    got = announce(said, q, [FakeSolution("33/3")], announced_in="ep2")
    assert (got.match, got.solution, got.expression) == ("value", "33/3", "(3+.3)/.3")
    got = announce(said, q, [], announced_in="ep2")
    assert got.match is None and got.correct and got.value == "11"
    wrong = announce(spoken_expressions("three plus three"), q, [FakeSolution("33/3")],
                     announced_in="ep2")
    assert wrong.correct is False and wrong.match is None


def test_the_same_form_is_the_solvers_canonical_form():
    """The solver prints (.3+3)/.3 where the host said (3+.3)/.3: the same answer."""
    q = TeaserQuery("", (3, 3, 3), 11, ("wild",))
    said = spoken_expressions("three plus point three, in parentheses, divided by point three")
    got = announce(said, q, [FakeSolution("33/3"), FakeSolution("(.3+3)/.3")])
    assert (got.match, got.solution, got.expression) == ("form", "(.3+3)/.3", "(3+.3)/.3")


def test_answers_puzzle():
    q = TeaserQuery("", (2, 2), 5, ("wild",))
    assert answers_puzzle(expressions.parse("sqrt(.2)^-2"), q)
    assert not answers_puzzle(expressions.parse("2+2"), q)
    assert not answers_puzzle(expressions.parse("2/0"), q)
    assert not answers_puzzle(expressions.parse("5"), q)


def test_equal_values():
    assert equal_values(Fraction(7), 7) and not equal_values(Fraction(7, 2), 3)


def test_announced_answer_in_sample():
    t = read_transcript(need(SAMPLES / "s01e03-synthetic-data-and-small-models.txt"))
    segs = analyse(t).with_role(ANSWERS)
    restated = answered_puzzle(t, segs)
    assert (restated.numbers, restated.target) == ((5, 5), 24)
    spoken = announced_answer(t, segs, restated)
    assert spoken.text == "5!/5" and answers_puzzle(spoken.expression, restated)
    assert expressions.value(spoken.expression) == 24
