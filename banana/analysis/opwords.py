"""Operator words: how English names and applies each of the solver's operators.

One row per operator (or preset) of the solver's table (``banana.solver.ops``), keyed
by its name there. A row holds

* the words that *name* the operator in a puzzle's rules ("parentheses, exponents,
  factorials, decimals, square roots": ``puzzle.puzzle_ops`` reads them), a regular
  expression on the lower-case tokens joined by single spaces;
* the phrases that *apply* it in spoken arithmetic ("five factorial over five", "the
  square root of point two": ``spoken`` reads them), each a run of tokens, and the
  form they take: ``binary`` (said between the operands), ``prefix`` (before the
  operand) or ``postfix`` (after it); ``fixed`` phrases apply a binary operator to a
  right operand they name themselves ("four squared" is 4^2).

Adding an operator to the solver's table means adding its row here
(``tests/test_opwords.py`` checks both tables agree).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

BINARY, PREFIX, POSTFIX = "binary", "prefix", "postfix"


@dataclass(frozen=True)
class OpWords:
    """The words for one solver operator or preset."""

    name: str  # an operator or preset of banana.solver.ops
    naming: str = ""  # regex: the words that name it in a puzzle's rules ("" when none do)
    form: str = ""  # how ``phrases`` apply it: BINARY, PREFIX or POSTFIX ("" when none do)
    phrases: tuple[str, ...] = ()  # token runs, space-separated, that apply it
    fixed: tuple[tuple[str, str], ...] = ()  # (postfix phrase, right operand): ("squared", "2")
    cue: bool = False  # naming it marks a sentence as stating a puzzle (not "plus", said anywhere)


_TABLE = (
    OpWords("dfact", r"\bdouble factorials?\b", POSTFIX, ("double factorial",), cue=True),
    OpWords("fact", r"\bfactorials?\b", POSTFIX, ("factorial", "!"), cue=True),
    OpWords("repeating", r"\brepeating decimals?|recurring decimals?|repeating\b", cue=True),
    OpWords("decimal", r"\bdecimals?(?: points?)?\b", cue=True),
    OpWords("sqrt", r"\bsquare roots?\b", PREFIX,
            ("the square root of", "square root of", "root of", "√"), cue=True),
    OpWords("root", r"\b(?:cube|cubic|nth|n th|fourth) roots?\b", cue=True),
    OpWords("pow", r"\bexponents?\b|\bexponentiation\b|\bpowers?\b|\bsquared\b|\bcubed\b", BINARY,
            ("to the power of", "raised to the power of", "raised to", "to the", "^"),
            fixed=(("squared", "2"), ("cubed", "3")), cue=True),
    OpWords("log", r"\blog(?:arithm)?s?\b", cue=True),
    OpWords("concat", r"\bconcatenat\w*|\bput(?:ting)? (?:them|the \w+) (?:together|next to each "
                      r"other|side by side)|\bstick(?:ing)? them together|\bjoin(?:ing)? (?:them|the digits)",
            cue=True),
    OpWords("percent", r"\bpercent(?:age)?s?\b", POSTFIX, ("percent",)),
    OpWords("floor", r"\bfloor\b"),
    OpWords("ceil", r"\bceiling\b"),
    OpWords("gamma", r"\bgamma\b"),
    OpWords("neg", r"\bnegative|negation\b", PREFIX, ("negative",)),
    OpWords("arithmetic", r"\b(?:usual|basic|regular|normal|standard) (?:arithmetic|operations|math)|"
                          r"\bfour (?:basic )?operations\b|\barithmetic\b"),
    OpWords("add", r"\bplus\b(?! the\b| a\b| any\b| all\b)|\baddition\b|\badd(?:ing)?\b", BINARY,
            ("plus", "+")),
    OpWords("sub", r"\bminus\b|\bsubtract\w*", BINARY, ("minus", "-")),
    OpWords("mul", r"\bmultipl\w*|\btimes sign|\bproducts?\b", BINARY,
            ("multiply that by", "multiply it by", "multiplied by", "times", "*", "×")),
    OpWords("div", r"\bdivi(?:de|ded|sion|ding)\b|\bfractions?\b", BINARY,
            ("divide that by", "divide it by", "divided by", "divide by", "over", "divide", "/", "÷")),
    # the decimal point's own words ("point three") are numbers: banana.analysis.numbers
)

OPWORDS: dict[str, OpWords] = {row.name: row for row in _TABLE}


@dataclass(frozen=True)
class Phrase:
    """Words that apply an operator in spoken arithmetic."""

    words: tuple[str, ...]
    op: str  # the solver operator
    operand: str | None = None  # a fixed right operand's digits ("squared": "2")


def _phrases(form: str) -> tuple[Phrase, ...]:
    """The phrases of one form, longest first (so "divided by" wins over "divide")."""
    found = [Phrase(tuple(words.split()), row.name) for row in _TABLE if row.form == form
             for words in row.phrases]
    if form == POSTFIX:
        found += [Phrase(tuple(words.split()), row.name, operand) for row in _TABLE
                  for words, operand in row.fixed]
    return tuple(sorted(found, key=lambda phrase: -len(phrase.words)))


PHRASES: dict[str, tuple[Phrase, ...]] = {form: _phrases(form) for form in (BINARY, PREFIX, POSTFIX)}

_NAMING = tuple((re.compile(row.naming), row.name) for row in _TABLE if row.naming)
_CUES = tuple(pattern for pattern, name in _NAMING if OPWORDS[name].cue)


def named_ops(text: str) -> set[str]:
    """The operators and presets named in ``text`` (lower-case tokens joined by spaces)."""
    return {name for pattern, name in _NAMING if pattern.search(text)}


def names_an_op(text: str) -> bool:
    """Does ``text`` name any operator or preset?"""
    return any(pattern.search(text) for pattern, _ in _NAMING)


def names_a_cue(text: str) -> bool:
    """Does ``text`` name an operator that marks a puzzle's rules (factorials, square
    roots, exponents ...), rather than one said in any sentence (plus, minus)?"""
    return any(pattern.search(text) for pattern in _CUES)
