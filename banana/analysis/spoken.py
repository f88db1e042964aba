"""Spoken arithmetic: the answer a later episode announces ("three plus point three, in
parentheses, and then you divide by point three") read into an expression
(``(3+.3)/.3``), checked against the puzzle (its numbers, its target) and compared
with the solver's answers (``compare_answer``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Iterable, Sequence

from banana.analysis.numbers import _PLURALS, _UNITS, _number, tokens
from banana.analysis.puzzle import TeaserQuery, _numbers_phrases
from banana.analysis.words import split_sentences
from banana.errors import PuzzleError
from banana.solver import Solution

SNAP = 1e-9  # relative tolerance when an irrational step is involved
MAX_FACTORIAL = 170

@dataclass(frozen=True)
class Expr:
    """A small expression tree: op is "num", "+", "-", "*", "/", "^", "!", "sqrt", "neg", ..."""

    op: str
    args: tuple[Expr, ...] = ()
    text: str = ""  # a number's digits as written: "3", ".3", "3.3", ".(3)"

    def value(self) -> Fraction | float:
        return _evaluate(self)

    def render(self) -> str:
        return _render(self)[0]

    def canonical(self) -> str:
        """A form equal for expressions that differ only in operand order of + and *."""
        if self.op == "num":
            return self.text
        parts = [a.canonical() for a in self.args]
        if self.op in ("+", "*"):
            flat: list[str] = []
            for a, c in zip(self.args, parts):
                flat.extend(_flatten(a, self.op) if a.op == self.op else [c])
            parts = sorted(flat)
        return f"{self.op}({','.join(parts)})"

    def literals(self) -> list[str]:
        if self.op == "num":
            return [self.text]
        return [t for a in self.args for t in a.literals()]


def _flatten(e: Expr, op: str) -> list[str]:
    if e.op == op:
        return [c for a in e.args for c in _flatten(a, op)]
    return [e.canonical()]


_PREC = {"+": 1, "-": 1, "*": 2, "/": 2, "neg": 3, "^": 4, "!": 5, "!!": 5, "%": 5}


def _render(e: Expr) -> tuple[str, int]:
    if e.op == "num":
        return e.text, 9
    if e.op in ("sqrt", "floor", "ceil", "gamma"):
        return f"{e.op}({_render(e.args[0])[0]})", 9
    if e.op in ("root", "log"):
        return f"{e.op}({_render(e.args[0])[0]}, {_render(e.args[1])[0]})", 9
    if e.op in ("!", "!!", "%"):
        inner, p = _render(e.args[0])
        return (inner if p >= 9 else f"({inner})") + e.op, 5
    if e.op == "neg":
        inner, p = _render(e.args[0])
        return "-" + (inner if p > 3 else f"({inner})"), 3
    prec = _PREC[e.op]
    left, lp = _render(e.args[0])
    right, rp = _render(e.args[1])
    if lp < prec or (e.op == "^" and lp <= prec):
        left = f"({left})"
    if rp < prec or (rp == prec and e.op in ("-", "/")) or (e.op == "^" and rp < prec):
        right = f"({right})"
    return f"{left}{e.op}{right}", prec


def _evaluate(e: Expr) -> Fraction | float:
    if e.op == "num":
        return Fraction(_literal_value(e.text))
    vals = [_evaluate(a) for a in e.args]
    x = vals[0]
    if e.op == "+":
        return x + vals[1]
    if e.op == "-":
        return x - vals[1]
    if e.op == "*":
        return x * vals[1]
    if e.op == "/":
        if vals[1] == 0:
            raise ZeroDivisionError("division by zero")
        return x / vals[1]
    if e.op == "neg":
        return -x
    if e.op == "%":
        return x / 100
    if e.op == "^":
        y = vals[1]
        if isinstance(y, Fraction) and y.denominator == 1 and isinstance(x, Fraction) and abs(y) <= 64:
            if x == 0 and y < 0:
                raise ZeroDivisionError("zero to a negative power")
            return x ** int(y)
        return float(x) ** float(y)
    if e.op == "sqrt":
        return _root(x, 2)
    if e.op == "root":
        return _root(x, int(vals[1]))
    if e.op in ("!", "!!", "gamma"):
        n = Fraction(x) if not isinstance(x, float) else Fraction(round(x))
        if n.denominator != 1 or n < 0 or n > MAX_FACTORIAL:
            raise ValueError("factorial of a non-integer")
        n = int(n) - (1 if e.op == "gamma" else 0)
        if e.op == "!!":
            return Fraction(math.prod(range(n, 0, -2)) if n > 0 else 1)
        return Fraction(math.factorial(n))
    if e.op == "floor":
        return Fraction(math.floor(x))
    if e.op == "ceil":
        return Fraction(math.ceil(x))
    if e.op == "log":
        return math.log(float(x), float(vals[1]))
    raise ValueError(f"unknown operator {e.op}")


def _root(x, k: int):
    if isinstance(x, Fraction) and x >= 0:
        num = round(x.numerator ** (1 / k))
        den = round(x.denominator ** (1 / k))
        for a in (num - 1, num, num + 1):
            for b in (den - 1, den, den + 1):
                if a >= 0 and b > 0 and Fraction(a, b) ** k == x:
                    return Fraction(a, b)
    if x < 0:
        raise ValueError("root of a negative number")
    return float(x) ** (1 / k)


def _literal_value(text: str) -> Fraction:
    m = re.fullmatch(r"(\d*)(?:\.(\d*)(?:\((\d+)\))?)?", text)
    if not m:
        raise ValueError(f"bad number {text!r}")
    whole, frac, rep = m.group(1) or "0", m.group(2) or "", m.group(3) or ""
    value = Fraction(int(whole))
    if frac:
        value += Fraction(int(frac), 10 ** len(frac))
    if rep:
        value += Fraction(int(rep), (10 ** len(rep) - 1) * 10 ** len(frac))
    return value


def equal_values(a, b) -> bool:
    if isinstance(a, Fraction) and isinstance(b, (Fraction, int)):
        return a == b
    try:
        return math.isclose(float(a), float(b), rel_tol=SNAP, abs_tol=SNAP)
    except (OverflowError, ValueError):
        return False


# plain-text expressions, as the solver prints them ("sqrt(.2)^-2", "(3+.3)/.3", "4!")

_EXPR_TOKEN = re.compile(r"\s*(\d*\.\d*(?:\(\d+\))?|\d+|[a-z]+|!!|[-+*/^!%(),×÷√])")


def parse_expression(text: str) -> Expr:
    """Parse a plain-text expression (the solver's ``text`` form)."""
    toks = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _EXPR_TOKEN.match(text, pos)
        if not m or not m.group(1):
            raise PuzzleError(f"cannot read expression {text!r} at {text[pos:]!r}")
        toks.append({"×": "*", "÷": "/"}.get(m.group(1), m.group(1)))
        pos = m.end()
    parser = _ExprParser(toks, text)
    expr = parser.sum()
    if parser.i != len(toks):
        raise PuzzleError(f"cannot read expression {text!r}")
    return expr


class _ExprParser:
    def __init__(self, toks: list[str], text: str) -> None:
        self.toks, self.i, self.text = toks, 0, text

    def peek(self) -> str | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self, expected: str | None = None) -> str:
        tok = self.peek()
        if tok is None or (expected is not None and tok != expected):
            raise PuzzleError(f"cannot read expression {self.text!r}")
        self.i += 1
        return tok

    def sum(self) -> Expr:
        e = self.product()
        while self.peek() in ("+", "-"):
            op = self.take()
            e = Expr(op, (e, self.product()))
        return e

    def product(self) -> Expr:
        e = self.unary()
        while self.peek() in ("*", "/"):
            op = self.take()
            e = Expr(op, (e, self.unary()))
        return e

    def unary(self) -> Expr:
        if self.peek() == "-":
            self.take()
            return Expr("neg", (self.unary(),))
        return self.power()

    def power(self) -> Expr:
        base = self.postfix()
        if self.peek() == "^":
            self.take()
            return Expr("^", (base, self.unary()))
        return base

    def postfix(self) -> Expr:
        e = self.atom()
        while self.peek() in ("!", "!!", "%"):
            e = Expr(self.take(), (e,))
        return e

    def atom(self) -> Expr:
        tok = self.take()
        if tok == "(":
            e = self.sum()
            self.take(")")
            return e
        if tok == "√":
            return Expr("sqrt", (self.postfix(),))
        if re.fullmatch(r"\d*\.?\d*(?:\(\d+\))?", tok) and any(c.isdigit() for c in tok):
            return Expr("num", text=tok)
        if tok in ("sqrt", "floor", "ceil", "gamma", "root", "log"):
            self.take("(")
            args = [self.sum()]
            while self.peek() == ",":
                self.take()
                args.append(self.sum())
            self.take(")")
            return Expr(tok, tuple(args))
        raise PuzzleError(f"cannot read expression {self.text!r}")


# spoken arithmetic: "five factorial over five", "three plus point three, in parentheses"

_SPOKEN_BINARY = [
    (("divide", "that", "by"), "/"), (("divide", "it", "by"), "/"), (("multiply", "that", "by"), "*"),
    (("multiply", "it", "by"), "*"), (("divided", "by"), "/"), (("divide", "by"), "/"), (("over",), "/"), (("divide",), "/"),
    (("multiplied", "by"), "*"), (("times",), "*"), (("plus",), "+"), (("minus",), "-"),
    (("to", "the", "power", "of"), "^"), (("raised", "to", "the", "power", "of"), "^"),
    (("raised", "to"), "^"), (("to", "the"), "^"),
    (("+",), "+"), (("-",), "-"), (("*",), "*"), (("×",), "*"), (("/",), "/"), (("÷",), "/"),
    (("^",), "^"),
]
_SPOKEN_POSTFIX = [(("double", "factorial"), "!!"), (("factorial",), "!"), (("!",), "!"),
                   (("squared",), "^2"), (("cubed",), "^3"), (("percent",), "%")]
_SPOKEN_PREFIX = [(("the", "square", "root", "of"), "sqrt"), (("square", "root", "of"), "sqrt"),
                  (("root", "of"), "sqrt"), (("√",), "sqrt"), (("negative",), "neg")]
_WRAP = [("in", "parentheses"), ("in", "parenthesis"), ("in", "brackets")]
_EQUALS = [(words, "eq") for words in [
    ("which", "is"), ("that", "is"), ("thats",), ("that", "s"), ("is", "equal", "to"), ("is",),
    ("equals",), ("gives", "you"), ("and", "you", "get"), ("you", "get"), ("to", "get"), ("=",),
    ("makes",)]]
_FILLER = {"and", "then", "you", "so", "that", "it", "the", "all", "of", "by", "we", "i", "a",
           "just", "now", "take", "ok", "okay"}
_THAT = {"that", "it", "this", "everything", "the", "whole", "thing", "result", "all"}


def _match(toks: Sequence[str], i: int, table) -> tuple[Any, int] | None:
    for words, sym in table:
        if tuple(toks[i:i + len(words)]) == words:
            return sym, i + len(words)
    return None


@dataclass(frozen=True)
class SpokenAnswer:
    """An expression said aloud, with the sentence it came from."""

    expression: Expr
    said: str

    @property
    def text(self) -> str:
        return self.expression.render()


def _spoken_items(toks: Sequence[str]) -> list[tuple]:
    """Tokens → ("num", _Num) / ("bin", op) / ("post", op) / ("pre", op) / ("wrap",) /
    ("eq",) / ("that",) / ("stop",) / ("word",)."""
    items: list[tuple] = []
    i = 0
    while i < len(toks):
        tok = toks[i]
        if tok in (".", "?", ";", ":", "!") and not (tok == "!" and items and items[-1][0] == "num"):
            items.append(("stop",))
            i += 1
            continue
        m = _match(toks, i, _WRAP)
        if m:
            items.append(("wrap",))
            i = m[1]
            continue
        m = _match(toks, i, _SPOKEN_PREFIX)
        if m:
            items.append(("pre", m[0]))
            i = m[1]
            continue
        m = _match(toks, i, _SPOKEN_POSTFIX)
        if m:
            items.append(("post", m[0]))
            i = m[1]
            continue
        num = _number(toks, i)
        if num is not None and not (i + 1 < len(toks) and toks[num.end - 1] in _UNITS
                                    and num.end < len(toks) and toks[num.end] in _PLURALS):
            # "times" right after a small count is a multiplicity ("three times"), not ×
            if num.end < len(toks) and toks[num.end] == "times" and (
                    num.end + 1 >= len(toks) or _number(toks, num.end + 1) is None):
                items.append(("word",))
                i = num.end + 1
                continue
            items.append(("num", num))
            i = num.end
            continue
        m = _match(toks, i, _SPOKEN_BINARY)
        if m:
            items.append(("bin", m[0]))
            i = m[1]
            continue
        m = _match(toks, i, _EQUALS)
        if m:
            items.append(("eq",))
            i = m[1]
            continue
        if tok in _THAT:
            items.append(("that",))
        elif tok in _FILLER or tok == ",":
            items.append(("filler",))
        else:
            items.append(("word",))
        i += 1
    return items


class _SpokenParser:
    """Reads expressions from spoken items. An operator with nothing on its left
    continues the expression said before ("...and then you divide by point three")."""

    def __init__(self, items: list[tuple]) -> None:
        self.items = items
        self.found: list[Expr] = []
        self.running: Expr | None = None  # the expression a bare "divide by" continues

    def run(self) -> list[Expr]:
        i = 0
        n = len(self.items)
        while i < n:
            kind = self.items[i][0]
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
                while j < n and self.items[j][0] in ("filler", "that"):
                    j += 1
                running = self.running
                if j < n and self.items[j][0] in ("num", "pre"):
                    expr, j = self.expression(j, None, tight=True)
                    if expr is not None and _is_arithmetic(expr):
                        self.found.append(expr)
                    self.running = running
                i = max(j, i + 1)
                continue
            if kind == "word" or kind == "stop":
                if kind == "stop":
                    pass
            i += 1
        return self.found

    def note(self, expr: Expr) -> None:
        if _is_arithmetic(expr):
            self.found.append(expr)
        self.running = expr

    def operand(self, i: int) -> tuple[Expr | None, int]:
        n = len(self.items)
        while i < n and self.items[i][0] == "filler":
            i += 1
        if i >= n:
            return None, i
        kind = self.items[i][0]
        if kind == "pre":
            op = self.items[i][1]
            inner, j = self.operand(i + 1)
            if inner is None:
                return None, i
            return self.postfix(Expr(op, (inner,)), j)
        if kind == "num":
            return self.postfix(Expr("num", text=self.items[i][1].text), i + 1)
        if kind == "that" and self.running is not None:
            return self.postfix(self.running, i + 1)
        return None, i

    def postfix(self, e: Expr, i: int) -> tuple[Expr, int]:
        while i < len(self.items):
            kind = self.items[i][0]
            if kind == "post":
                op = self.items[i][1]
                e = Expr("^", (e, Expr("num", text=op[1:]))) if op.startswith("^") else Expr(op, (e,))
                i += 1
            elif kind == "wrap":
                i += 1  # "(…) in parentheses": grouping is already explicit in the tree
            else:
                break
        return e, i

    def expression(self, i: int, left: Expr | None, *, tight: bool = False) -> tuple[Expr | None, int]:
        """Operands joined by binary operators, left to right with precedence. A
        ``tight`` expression (a restatement after "which is") stops at filler words, so
        "..., and then you divide by" continues the expression before it instead."""
        if left is None:
            left, i = self.operand(i)
            if left is None:
                return None, i + 1
        operands = [left]
        ops: list[str] = []
        n = len(self.items)
        while i < n:
            j = i
            while j < n and self.items[j][0] == "filler" and not tight:
                j += 1
            if j >= n or self.items[j][0] != "bin":
                break
            right, k = self.operand(j + 1)
            if right is None:
                break
            ops.append(self.items[j][1])
            operands.append(right)
            i = k
            if i < n and self.items[i][0] == "wrap":
                i += 1
        return _combine(operands, ops), i


def _is_arithmetic(e: Expr) -> bool:
    """An operation on numbers, not a bare number or a percentage ("91%")."""
    if e.op in ("num", "%"):
        return False
    return True


def _combine(operands: list[Expr], ops: list[str]) -> Expr:
    """Build a tree with the usual precedence: ^ over * / over + -."""
    for level in (("^",), ("*", "/"), ("+", "-")):
        i = 0
        while i < len(ops):
            if ops[i] in level:
                if ops[i] == "^" and i + 1 < len(ops) and ops[i + 1] == "^":
                    i += 1  # right-associative: combine the right one first
                    continue
                operands[i:i + 2] = [Expr(ops[i], (operands[i], operands[i + 1]))]
                del ops[i]
                i = max(i - 1, 0) if level == ("^",) else i
            else:
                i += 1
    return operands[0]


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


def uses_numbers(expr: Expr, numbers: Sequence[int]) -> bool:
    """Does ``expr`` use exactly the puzzle's numbers, each once (digits may be joined
    or take a decimal point: 3.3 and 33 use two 3s)?"""
    wanted = sorted(str(n) for n in numbers)
    pieces: list[str] = []
    for literal in expr.literals():
        digits = re.sub(r"[^\d]", "", literal)
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


def answers_puzzle(expr: Expr, query: TeaserQuery) -> bool:
    try:
        value = expr.value()
    except (ZeroDivisionError, ValueError, OverflowError):
        return False
    return equal_values(value, query.target) and uses_numbers(expr, query.numbers)


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
            try:
                if equal_values(s.expression.value(), query.target):
                    return s
            except (ZeroDivisionError, ValueError, OverflowError):
                continue
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


def _value_text(value) -> str:
    if isinstance(value, Fraction):
        return str(value.numerator) if value.denominator == 1 else str(value)
    return repr(float(value))


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
    parsed = []
    for sol in solutions:
        try:
            parsed.append((sol, parse_expression(sol.text).canonical()))
        except PuzzleError:
            continue
    correct = [a for a in said if query is not None and answers_puzzle(a.expression, query)]
    best, match, solution = (correct[0] if correct else said[0]), None, None
    found = False
    for answer in correct + [a for a in said if a not in correct]:
        form = answer.expression.canonical()
        for sol, canonical in parsed:
            if canonical == form:
                best, match, solution, found = answer, "form", sol.text, True
                break
        if found:
            break
    if not found and correct and parsed:
        match, solution = "value", parsed[0][0].text
    try:
        value_text = _value_text(best.expression.value())
    except (ZeroDivisionError, ValueError, OverflowError):
        value_text = "undefined"
    return AnnouncedAnswer(
        said=best.said, expression=best.text, value=value_text,
        puzzle=describe_puzzle(query) if query is not None else None,
        correct=answers_puzzle(best.expression, query) if query is not None else None,
        match=match, solution=solution, start=start, announced_in=announced_in,
        puzzle_episode=puzzle_episode)
