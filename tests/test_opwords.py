"""The one table of operator words agrees with the solver's operator table."""

from __future__ import annotations

import re

import pytest

from banana.analysis.numbers import tokens
from banana.analysis.opwords import (BINARY, OPWORDS, PHRASES, POSTFIX, PREFIX, named_ops,
                                     names_a_cue, names_an_op)
from banana.solver import OPERATORS, PRESETS, expressions


def test_every_row_is_a_solver_operator_or_preset():
    assert set(OPWORDS) <= set(OPERATORS) | set(PRESETS)


def test_every_solver_operator_has_a_row():
    """Adding an operator to the solver's table means adding its words here."""
    assert set(OPERATORS) <= set(OPWORDS)


@pytest.mark.parametrize("name", sorted(OPWORDS))
def test_a_row_applies_its_operator_in_a_form_that_fits_it(name):
    row = OPWORDS[name]
    assert row.form in ("", BINARY, PREFIX, POSTFIX)
    assert bool(row.form) == bool(row.phrases)
    if row.form:
        kind = OPERATORS[name].kind
        assert kind == ("binary" if row.form == BINARY else "unary")
    for _, operand in row.fixed:  # "squared": a binary operator with its right operand said
        assert OPERATORS[name].kind == "binary"
        assert expressions.defined(expressions.literal(operand))
    assert row.naming or row.phrases, f"{name}: no words at all"
    re.compile(row.naming)


@pytest.mark.parametrize("form", [BINARY, PREFIX, POSTFIX])
def test_phrases_are_runs_of_tokens_longest_first(form):
    """Each phrase is matched token by token: it must be what ``tokens`` makes of it."""
    phrases = PHRASES[form]
    assert phrases
    for phrase in phrases:
        assert tokens(" ".join(phrase.words)) == list(phrase.words), phrase
        assert phrase.op in OPERATORS
    lengths = [len(phrase.words) for phrase in phrases]
    assert lengths == sorted(lengths, reverse=True)
    words = [phrase.words for phrase in phrases]
    assert len(words) == len(set(words)), "one phrase, one operator"


@pytest.mark.parametrize("text, names", [
    ("parentheses, exponents, factorials, decimals, square roots", {"pow", "fact", "decimal", "sqrt"}),
    ("double factorials and logarithms", {"dfact", "fact", "log"}),
    ("concatenation allowed, put them together", {"concat"}),
    ("the usual arithmetic", {"arithmetic"}),
    ("plus the number", set()),
])
def test_named_ops(text, names):
    assert named_ops(" " + " ".join(tokens(text)) + " ") == names


def test_cues_are_the_words_of_puzzle_rules():
    assert names_a_cue(" you can use square roots ") and names_an_op(" you can use square roots ")
    assert not names_a_cue(" two plus two ") and names_an_op(" two plus two ")
    assert not names_an_op(" we talked about models ")
