"""The brain teaser's statement: puzzle statements → solver queries (spoken answers:
tests/test_spoken.py; operator words: tests/test_opwords.py)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from banana.analysis import analyse
from banana.analysis.numbers import _integer_words, tokens
from banana.analysis.profile import PUZZLE
from banana.analysis.puzzle import TeaserQuery, parse_puzzle, puzzle_ops, solve_query
from banana.analysis.spoken import answers_puzzle
from banana.errors import PuzzleError
from banana.formats import parse_transcript, read_transcript
from banana.solver import expressions
from conftest import BANANA_DATA, SAMPLES, need

BANANA_STATEMENT = (
    "Okay. So our first brainteaser of season three, you are going to write an equation, a "
    "mathematical equation, where the answer comes out to five but you could only use the number "
    "two and you can only use the number two twice. You can use any kind of mathematical symbol. "
    "So you could do parentheses, you could do exponents, factorials, decimals, square roots, "
    "anything, but you could only use the number two twice. We'll see if you get it next week.")


def unpunctuated(text: str) -> str:
    return re.sub(r"[^\w\s]", "", text.lower())


@pytest.mark.parametrize("text, numbers, target, ops", [
    (BANANA_STATEMENT, (2, 2), 5, {"pow", "fact", "decimal", "sqrt", "wild"}),
    (unpunctuated(BANANA_STATEMENT), (2, 2), 5, {"pow", "fact", "decimal", "sqrt", "wild"}),
    ("Make the number eleven using the number three exactly three times. You can use any "
     "mathematical symbols you want: parentheses, addition, division, exponents.",
     (3, 3, 3), 11, {"add", "div", "pow", "wild"}),
    ("Make the number one hundred using the number four exactly three times. Same rules as "
     "always: parentheses, exponents, factorials, decimals, square roots, plus the usual "
     "arithmetic.", (4, 4, 4), 100, {"pow", "fact", "decimal", "sqrt", "arithmetic"}),
    ("Can you get 10 with four fours?", (4, 4, 4, 4), 10, {"arithmetic"}),
    ("Using the numbers 1, 3, 4 and 6, make 24 with plus, minus, times and divided by only.",
     (1, 3, 4, 6), 24, {"add", "sub", "mul", "div"}),
    ("The target is twenty-four and you use two 5s, concatenation allowed, put them together "
     "if you like.", (5, 5), 24, {"concat", "arithmetic"}),
    ("make twentyfour using the number five exactly twice", (5, 5), 24, {"arithmetic"}),
])
def test_parse_puzzle(text, numbers, target, ops):
    q = parse_puzzle(text)
    assert q is not None
    assert (q.numbers, q.target) == (numbers, target)
    assert set(q.ops) == ops


@pytest.mark.parametrize("text", [
    "We talked about the number of parameters in a model with two billion weights.",
    "When I was a kid I loved math puzzles in Scientific American every month.",
    "",
    "you get two weeks",
])
def test_no_puzzle(text):
    assert parse_puzzle(text) is None


def test_statement_stays_with_one_speaker():
    q = parse_puzzle(["Make the number twenty-four using the number five exactly twice. Use any "
                      "math symbols you like: parentheses, exponents.", "Only two fives?"])
    assert q.statement.endswith("exponents.")


def test_anything_said_elsewhere_does_not_widen():
    q = parse_puzzle("Make the number one hundred using the number four exactly three times, "
                     "plus the usual arithmetic. Three fours, one hundred. Okay, I'm not saying "
                     "anything out loud.")
    assert "wild" not in q.ops


@pytest.mark.parametrize("rules, ops", [
    ("double factorials and logarithms are fine", ("dfact", "fact", "log", "arithmetic")),
    ("only plus and minus", ("add", "sub")),
    ("repeating decimals, cube roots, the floor and the ceiling, anything",
     ("ceil", "decimal", "floor", "repeating", "root", "wild")),
    ("three times a day, the usual arithmetic", ("arithmetic",)),
])
def test_puzzle_ops(rules, ops):
    """The words naming operators come from the one table of operator words (opwords)."""
    assert puzzle_ops(rules) == ops


def test_query_round_trips():
    q = TeaserQuery("s", (2, 2), 5, ("sqrt", "wild"))
    assert TeaserQuery.from_dict(q.to_dict()) == q
    assert q.spec == "sqrt,wild"
    with pytest.raises(PuzzleError):
        TeaserQuery.from_dict({"numbers": ["x"], "target": 1})


@pytest.mark.parametrize("words, expected", [
    ("twenty-four", ["twenty", "four"]),
    ("Five factorial over five.", ["five", "factorial", "over", "five", "."]),
    ("3.3/.3", ["3.3", "/", ".3"]),
])
def test_tokens(words, expected):
    assert tokens(words) == expected


@given(st.integers(0, 999), st.integers(1, 999))
def test_spoken_integers_round_trip(a, b):

    words = {0: "zero", 1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six",
             7: "seven", 8: "eight", 9: "nine", 10: "ten", 11: "eleven", 12: "twelve",
             13: "thirteen", 14: "fourteen", 15: "fifteen", 16: "sixteen", 17: "seventeen",
             18: "eighteen", 19: "nineteen"}
    tens = {2: "twenty", 3: "thirty", 4: "forty", 5: "fifty", 6: "sixty", 7: "seventy",
            8: "eighty", 9: "ninety"}

    def spell(n):
        if n < 20:
            return words[n]
        if n < 100:
            return tens[n // 10] + ("-" + words[n % 10] if n % 10 else "")
        return words[n // 100] + " hundred" + (" and " + spell(n % 100) if n % 100 else "")

    for n in (a, b):
        toks = tokens(spell(n))
        assert _integer_words(toks, 0) == (n, len(toks))


# --- the episodes --------------------------------------------------------------------------

def test_banana_data_teaser_is_solved():
    a = analyse(read_transcript(need(BANANA_DATA)))
    q = a.teaser
    assert (q.numbers, q.target) == ((2, 2), 5)
    assert {"pow", "fact", "decimal", "sqrt", "wild"} <= set(q.ops)
    assert "only use the number two twice" in q.statement
    solutions = solve_query(q, limit=3)
    assert solutions and all(s.verified for s in solutions)
    assert all(answers_puzzle(expressions.parse(s.text), q) for s in solutions)


@pytest.mark.parametrize("name, numbers, target", [
    ("s01e01-faster-dataframes-and-census-privacy.txt", (3, 3, 3), 11),
    ("s01e02-leaderboards-and-model-drift.txt", (5, 5), 24),
    ("s01e03-synthetic-data-and-small-models.txt", (4, 4, 4), 100),
])
def test_sample_teasers(name, numbers, target):
    a = analyse(read_transcript(need(SAMPLES / name)))
    assert (a.teaser.numbers, a.teaser.target) == (numbers, target)


TEASER_PHRASINGS = [
    ("Here's this week's puzzle: using three threes, get to thirty. Any operations you like.",
     (3, 3, 3), 30, False),
    ("Can you make 24 from 3, 3, 8 and 8?", (3, 3, 8, 8), 24, False),
    ("This week's challenge: take the numbers 1 9 8 4 and make 100.", (1, 9, 8, 4), 100, False),
    ("Using the digits 1, 9, 8, 4 in that order, make 100.", (1, 9, 8, 4), 100, True),
    ("Your brain-buster: with four fours, can you reach seventeen?", (4, 4, 4, 4), 17, False),
    ("The puzzle this week: end up with ten using the numbers two, three and five.",
     (2, 3, 5), 10, False),
]


@pytest.mark.parametrize("form", ["published", "whisper"])
@pytest.mark.parametrize("said, numbers, target, in_order", TEASER_PHRASINGS)
def test_teasers_in_many_phrasings(said, numbers, target, in_order, form):
    text = said if form == "published" else re.sub(r"[^\w\s]", " ", said.lower())
    query = parse_puzzle(text)
    assert query is not None
    assert (query.numbers, query.target, query.ordered) == (numbers, target, in_order)


SAMPLE_TEASER = ("Okay, here it is. Make the number eleven using the number three exactly three "
                 "times.")


@pytest.mark.parametrize("opening, numbers, target", [
    ("Okay, here's this week's puzzle: using three threes, get to thirty.", (3, 3, 3), 30),
    ("Okay, this week's challenge. Can you make 24 from 3, 3, 8 and 8?", (3, 3, 8, 8), 24),
])
def test_a_rephrased_teaser_is_still_the_episodes_puzzle(opening, numbers, target):
    text = (SAMPLES / "s01e01-faster-dataframes-and-census-privacy.txt").read_text(encoding="utf-8")
    assert SAMPLE_TEASER in text
    text = text.replace(SAMPLE_TEASER, opening).replace("with a math puzzle", "with a challenge")
    analysis = analyse(parse_transcript(text, name="s01e01.txt"))
    assert analysis.teaser is not None
    assert (analysis.teaser.numbers, analysis.teaser.target) == (numbers, target)
    assert [s.kind for s in analysis.segments if s.role == PUZZLE] == ["teaser"]


def test_an_in_order_puzzle_gets_only_answers_that_keep_the_order():
    query = parse_puzzle("Using the digits 1, 9, 8, 4 in that order, make 100. Any operations.")
    assert query is not None and query.ordered
    answers = solve_query(query, limit=5)
    assert answers
    for answer in answers:
        digits = [d for d in answer.text if d.isdigit()]
        assert digits == ["1", "9", "8", "4"], answer.text
        assert expressions.value(expressions.parse(answer.text)) == 100
