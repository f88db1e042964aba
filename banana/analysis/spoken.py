"""Spoken arithmetic: the answer a later episode announces ("three plus point three, in
parentheses, and then you divide by point three") read into a solver expression
(``(3+.3)/.3``, built and valued by ``banana.solver.expressions``), checked against
the puzzle (its numbers, its target) and compared with the solver's answers
(``announce``: the same canonical form, or the same value).

The words that apply an operator ("divided by", "square root of", "factorial") come
from the one table of operator words, ``opwords``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, NamedTuple

from banana.analysis.numbers import _PLURALS, _UNITS, _number, tokens
from banana.analysis.opwords import BINARY, PHRASES, POSTFIX, PREFIX, Phrase
from banana.analysis.puzzle import TeaserQuery, _numbers_phrases
from banana.analysis.words import split_sentences
from banana.errors import PuzzleError
from banana.solver import Solution, expressions
from banana.solver.expressions import Node


@dataclass(frozen=True)
class SpokenAnswer:
    """An expression said aloud (a solver expression, operands in the order said),
    with the sentence it came from."""

    expression: Node
    said: str

    @property
    def text(self) -> str:
        return expressions.text(self.expression)


class _Item(NamedTuple):
    """A token run of a spoken sentence: "num" (a number), "bin"/"pre"/"post" (an
    operator phrase), "wrap" ("in parentheses"), "eq" ("which is"), "that" (the
    expression said before), "filler", "word" or "stop" (end of a sentence part)."""

    kind: str
    phrase: Phrase | None = None  # bin, pre, post
    digits: str = ""  # num: the number as the solver writes it ("3.3")


_WRAP = (("in", "parentheses"), ("in", "parenthesis"), ("in", "brackets"))
_EQUALS = (("which", "is"), ("that", "is"), ("thats",), ("that", "s"), ("is", "equal", "to"), ("is",),
           ("equals",), ("gives", "you"), ("and", "you", "get"), ("you", "get"), ("to", "get"), ("=",),
           ("makes",))
_FILLER = {"and", "then", "you", "so", "that", "it", "the", "all", "of", "by", "we", "i", "a",
           "just", "now", "take", "ok", "okay"}
_THAT = {"that", "it", "this", "everything", "the", "whole", "thing", "result", "all"}


def _words_at(toks: Sequence[str], i: int, table: Sequence[tuple[str, ...]]) -> int | None:
    """The index after the first of ``table``'s word runs that starts at toks[i]."""
    for words in table:
        if tuple(toks[i:i + len(words)]) == words:
            return i + len(words)
    return None


def _phrase_at(toks: Sequence[str], i: int, form: str) -> Phrase | None:
    """The longest operator phrase of ``form`` that starts at toks[i]."""
    for phrase in PHRASES[form]:
        if tuple(toks[i:i + len(phrase.words)]) == phrase.words:
            return phrase
    return None


def _spoken_items(toks: Sequence[str]) -> list[_Item]:
    items: list[_Item] = []
    i = 0
    while i < len(toks):
        tok = toks[i]
        if tok in (".", "?", ";", ":", "!") and not (tok == "!" and items and items[-1].kind == "num"):
            items.append(_Item("stop"))
            i += 1
            continue
        end = _words_at(toks, i, _WRAP)
        if end is not None:
            items.append(_Item("wrap"))
            i = end
            continue
        phrase = _phrase_at(toks, i, PREFIX)
        if phrase is not None:
            items.append(_Item("pre", phrase))
            i += len(phrase.words)
            continue
        phrase = _phrase_at(toks, i, POSTFIX)
        if phrase is not None:
            items.append(_Item("post", phrase))
            i += len(phrase.words)
            continue
        num = _number(toks, i)
        if num is not None and not (i + 1 < len(toks) and toks[num.end - 1] in _UNITS
                                    and num.end < len(toks) and toks[num.end] in _PLURALS):
            # "times" right after a small count is a multiplicity ("three times"), not ×
            if num.end < len(toks) and toks[num.end] == "times" and (
                    num.end + 1 >= len(toks) or _number(toks, num.end + 1) is None):
                items.append(_Item("word"))
                i = num.end + 1
                continue
            items.append(_Item("num", digits=num.text))
            i = num.end
            continue
        phrase = _phrase_at(toks, i, BINARY)
        if phrase is not None:
            items.append(_Item("bin", phrase))
            i += len(phrase.words)
            continue
        end = _words_at(toks, i, _EQUALS)
        if end is not None:
            items.append(_Item("eq"))
            i = end
            continue
        if tok in _THAT:
            items.append(_Item("that"))
        elif tok in _FILLER or tok == ",":
            items.append(_Item("filler"))
        else:
            items.append(_Item("word"))
        i += 1
    return items


class _SpokenParser:
    """Reads expressions from spoken items. An operator with nothing on its left
    continues the expression said before ("...and then you divide by point three")."""

    def __init__(self, items: list[_Item]) -> None:
        self.items = items
        self.found: list[Node] = []
        self.running: Node | None = None  # the expression a bare "divide by" continues

    def run(self) -> list[Node]:
        i = 0
        n = len(self.items)
        while i < n:
            kind = self.items[i].kind
            if kind in ("num", "pre"):
                expr, i = self.expression(i, None)
                if expr is not None:
                    self.note(expr)
                continue
            if kind == "bin" and self.running is not None:
                expr, j = self.expression(i, self.running)
                if expr is not None and j > i:  # an operator with no right operand adds nothing
                    self.note(expr)
                i = max(j, i + 1)
                continue
            if kind == "eq":
                # "which is a hundred and twenty", "so that's three point three": a restatement
                j = i + 1
                while j < n and self.items[j].kind in ("filler", "that"):
                    j += 1
                running = self.running
                if j < n and self.items[j].kind in ("num", "pre"):
                    expr, j = self.expression(j, None, tight=True)
                    if expr is not None and _is_arithmetic(expr):
                        self.found.append(expr)
                    self.running = running
                i = max(j, i + 1)
                continue
            i += 1
        return self.found

    def note(self, expr: Node) -> None:
        if _is_arithmetic(expr):
            self.found.append(expr)
        self.running = expr

    def operand(self, i: int) -> tuple[Node | None, int]:
        n = len(self.items)
        while i < n and self.items[i].kind == "filler":
            i += 1
        if i >= n:
            return None, i
        item = self.items[i]
        if item.kind == "pre":
            inner, j = self.operand(i + 1)
            if inner is None:
                return None, i
            return self.postfix(expressions.apply(item.phrase.op, inner), j)
        if item.kind == "num":
            return self.postfix(expressions.literal(item.digits), i + 1)
        if item.kind == "that" and self.running is not None:
            return self.postfix(self.running, i + 1)
        return None, i

    def postfix(self, expr: Node, i: int) -> tuple[Node, int]:
        while i < len(self.items):
            item = self.items[i]
            if item.kind == "post":
                phrase = item.phrase
                if phrase.operand is None:
                    expr = expressions.apply(phrase.op, expr)
                else:  # "four squared": 4^2
                    expr = expressions.apply(phrase.op, expr, expressions.literal(phrase.operand))
                i += 1
            elif item.kind == "wrap":
                i += 1  # "(…) in parentheses": grouping is already explicit in the tree
            else:
                break
        return expr, i

    def expression(self, i: int, left: Node | None, *, tight: bool = False) -> tuple[Node | None, int]:
        """Operands joined by binary operators, grouped as written arithmetic groups
        them (``expressions.chain``). A ``tight`` expression (a restatement after
        "which is") stops at filler words, so "..., and then you divide by" continues
        the expression before it instead."""
        if left is None:
            left, i = self.operand(i)
            if left is None:
                return None, i + 1
        operands = [left]
        ops: list[str] = []
        n = len(self.items)
        while i < n:
            j = i
            while j < n and self.items[j].kind == "filler" and not tight:
                j += 1
            if j >= n or self.items[j].kind != "bin":
                break
            right, k = self.operand(j + 1)
            if right is None:
                break
            ops.append(self.items[j].phrase.op)
            operands.append(right)
            i = k
            if i < n and self.items[i].kind == "wrap":
                i += 1
        return expressions.chain(operands, ops), i


def _is_arithmetic(expr: Node) -> bool:
    """An operation on numbers, not a bare number or a percentage ("91%")."""
    return expressions.operator(expr) not in ("lit", "percent")


def spoken_expressions(text: str) -> list[SpokenAnswer]:
    """Every arithmetic expression said in ``text``, in order."""
    out = []
    for sentence in split_sentences(text):
        items = _spoken_items(tokens(sentence))
        for expr in _SpokenParser(items).run():
            out.append(SpokenAnswer(expr, sentence))
    return out


def talks_puzzle(text: str) -> bool:
    """Does ``text`` talk about a puzzle or its answer (arithmetic, "three threes",
    "the number three", "the answer")?"""
    toks = tokens(text)
    return bool(_numbers_phrases(toks)) or "answer" in toks or says_arithmetic(text)


def says_arithmetic(text: str) -> bool:
    """Does ``text`` say an expression with an operator?"""
    return bool(spoken_expressions(text))


_ANSWER_WORDS = re.compile(r"\b(?:answer|answers|solution|solved|solve|figured it out|got it)\b")


def announces_answer(text: str) -> bool:
    """Does ``text`` announce a puzzle's answer: talk of an answer and some arithmetic?"""
    return bool(_ANSWER_WORDS.search(" ".join(tokens(text)))) and says_arithmetic(text)


def uses_numbers(expr: Node, numbers: Sequence[int]) -> bool:
    """Does ``expr`` use exactly the puzzle's numbers, each once (digits may be joined
    or take a decimal point: 3.3 and 33 use two 3s)?"""
    wanted = sorted(str(n) for n in numbers)
    pieces: list[str] = []
    for digits in expressions.digits(expr):
        parts = _split_digits(digits, wanted)
        if parts is None:
            return False
        pieces.extend(parts)
    return sorted(pieces) == wanted


def _split_digits(digits: str, wanted: list[str]) -> list[str] | None:
    if not digits:
        return []
    for w in sorted(set(wanted), key=len, reverse=True):
        if digits.startswith(w):
            rest = _split_digits(digits[len(w):], wanted)
            if rest is not None:
                return [w] + rest
    return None


def answers_puzzle(expr: Node, query: TeaserQuery) -> bool:
    """Does ``expr`` use the puzzle's numbers and provably hit its target?"""
    return uses_numbers(expr, query.numbers) and expressions.equals(expr, query.target)


def equal_values(a: int | Fraction, b: int | Fraction) -> bool:
    """Are two targets the same number (7/1 and 7)?"""
    return Fraction(a) == Fraction(b)


def parse_spoken_answer(text: str, query: TeaserQuery | None = None) -> SpokenAnswer | None:
    """The answer announced in ``text``: the first spoken expression that answers
    ``query`` (uses its numbers, hits its target), else the first that hits the target,
    else the last expression said."""
    said = spoken_expressions(text)
    if not said:
        return None
    if query is not None:
        for s in said:
            if answers_puzzle(s.expression, query):
                return s
        for s in said:
            if expressions.equals(s.expression, query.target):
                return s
    return said[-1]


@dataclass(frozen=True)
class AnnouncedAnswer:
    """A puzzle's answer as an episode announces it: the words, the arithmetic read
    from them, an exact check against the puzzle (when the puzzle is known), and how it
    compares with the solver's answers (when they are given). The one answer type of
    the teaser command, the notes and the web pages."""

    said: str
    expression: str | None = None  # the arithmetic read from the words, e.g. (3+.3)/.3
    value: str | None = None  # its exact value, or "undefined"
    puzzle: str | None = None  # what the puzzle was, e.g. "make 11 from 3, 3, 3"
    correct: bool | None = None  # uses the puzzle's numbers and hits its target (None: unknown)
    match: str | None = None  # "form": a solver answer has this form; "value": same value only
    solution: str | None = None  # the solver answer it matches
    start: float | None = None  # seconds into the announcing episode
    announced_in: str | None = None  # slug of the episode that says it
    puzzle_episode: str | None = None  # slug of the episode that set the puzzle

    def to_dict(self) -> dict[str, Any]:
        return {"said": self.said, "expression": self.expression, "value": self.value,
                "puzzle": self.puzzle, "correct": self.correct, "match": self.match,
                "solution": self.solution, "start": self.start,
                "announced_in": self.announced_in, "puzzle_episode": self.puzzle_episode}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AnnouncedAnswer:
        start = data.get("start")
        return cls(said=str(data.get("said", "")), expression=data.get("expression"),
                   value=data.get("value"), puzzle=data.get("puzzle"),
                   correct=data.get("correct"), match=data.get("match"),
                   solution=data.get("solution"),
                   start=None if start is None else float(start),
                   announced_in=data.get("announced_in"),
                   puzzle_episode=data.get("puzzle_episode"))


def _value_text(expr: Node) -> str:
    """The exact value as the solver prints one ("11", "7/3", "sqrt(6)"), or "undefined"."""
    if not expressions.defined(expr):
        return "undefined"
    return str(expressions.value(expr))


def describe_puzzle(query: TeaserQuery) -> str:
    """``make 11 from 3, 3, 3``."""
    return f"make {query.target} from {', '.join(str(n) for n in query.numbers)}"


def announce(answers: SpokenAnswer | Sequence[SpokenAnswer], query: TeaserQuery | None,
             solutions: Iterable[Solution] = (), *, start: float | None = None,
             announced_in: str | None = None,
             puzzle_episode: str | None = None) -> AnnouncedAnswer:
    """What an episode announced, checked against ``query`` and compared with the
    solver's ``solutions``. ``answers`` are the expressions said (a host may say one
    answer two ways: "three plus point three, in parentheses, divided by point three"
    and "three point three over point three"); the one the solver also found ("form")
    wins, else the first that answers the puzzle ("value" when a solver answer reaches
    the same target with the same numbers), else the first said."""
    said = [answers] if isinstance(answers, SpokenAnswer) else list(answers)
    if not said:
        raise ValueError("no announced expression to compare")
    parsed: list[tuple[Solution, tuple]] = []
    for sol in solutions:
        try:
            parsed.append((sol, expressions.canonical(expressions.parse(sol.text))))
        except PuzzleError:
            continue
    correct = [a for a in said if query is not None and answers_puzzle(a.expression, query)]
    best, match, solution = (correct[0] if correct else said[0]), None, None
    found = False
    for answer in correct + [a for a in said if a not in correct]:
        form = expressions.canonical(answer.expression)
        for sol, canonical in parsed:
            if canonical == form:
                best, match, solution, found = answer, "form", sol.text, True
                break
        if found:
            break
    if not found and correct and parsed:
        match, solution = "value", parsed[0][0].text
    return AnnouncedAnswer(
        said=best.said, expression=best.text, value=_value_text(best.expression),
        puzzle=describe_puzzle(query) if query is not None else None,
        correct=answers_puzzle(best.expression, query) if query is not None else None,
        match=match, solution=solution, start=start, announced_in=announced_in,
        puzzle_episode=puzzle_episode)
