"""Expressions one at a time: build, value, render, compare and read them back.

The search builds its expressions inside its tables. A caller that reads an expression
from elsewhere (an answer said aloud, a solver answer printed as text) builds it here,
in the same form and with the same operator names (``ops.OPERATORS``):

* ``literal("3.3")`` and ``apply("div", a, b)`` build an expression; ``apply``
  computes its value with the search's own step (``Engine.step``, under the widest
  bounds), so a value is exact where the search's is, and a float snapped to a
  rational is marked inexact as the search marks it;
* ``value`` is the exact value (``verify.exact_value``), ``equals`` proves it equal
  to a target (``verify.verify``);
* ``text``/``unicode`` render it (``render``), keeping its operands in the order
  they were given; ``canonical`` is the key equal up to commutativity,
  associativity and identities; ``digits`` are the digits its numbers are written with;
* ``parse`` reads the solver's plain-text format (``sqrt(.2)^-2``, ``(3+.3)/.3``,
  ``root(8, 3)``) back into an expression. It is total: text it cannot read raises
  PuzzleError, never anything else.

An expression is the search's tuple ``(cost, value, op, left, right, exact)``. A step
with no value (a division by zero, 2.5!, a power beyond the bounds) still makes an
expression, since someone may say it; its value is undefined (``defined`` is False,
``value`` raises PuzzleError, ``equals`` is False). A step the search would not take
but which has a value (√2 × √3: the search combines irrational values only into a
rational one) keeps its float value, inexact.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from collections.abc import Sequence
from typing import TYPE_CHECKING, NoReturn

from banana.errors import PuzzleError
from banana.solver.literals import Literal
from banana.solver.ops import OPERATORS
from banana.solver.render import FUNCTIONS, POSTFIX_MARKS, SYMBOLS, binding, render
from banana.solver.render import canonical as _canonical
from banana.solver.search import BOUND_RANGES, Bounds, Engine, Table, lit_node
from banana.solver.values import COST, LEFT, OP, RIGHT, VALUE
from banana.solver.verify import exact_value, verify

if TYPE_CHECKING:
    import sympy

Node = tuple  # (cost, value, op, left, right, exact), as in search.py

MAX_TEXT_CHARS = 500  # longest text ``parse`` reads (the solver's answers are far shorter)
MAX_NESTING = 100  # deepest nesting of brackets and prefix operators ``parse`` reads
MAX_LITERAL_DIGITS = 30  # longest number (a 30-digit number is within --max-value's range)
UNDEFINED = math.nan  # the value of a step that has none
CLOSE = 1e-9  # relative distance below which ``equals`` asks for a proof

# the widest bounds a search may be given: any answer a search prints has its value here
WIDEST = Bounds(max_factorial=BOUND_RANGES["max_factorial"][1],
                max_magnitude=BOUND_RANGES["max_magnitude"][1])
_ENGINE = Engine((1,), frozenset(OPERATORS), bounds=WIDEST)

_LITERAL = re.compile(r"(\d*)(?:(\.)(\d*)(?:\((\d+)\))?)?")


def literal(digits: str) -> Node:
    """A number as the solver writes it: ``"3"``, ``".3"``, ``"3.3"``, ``".(3)"``
    (the repeating decimal .3̄ = 1/3), ``"33"``."""
    match = _LITERAL.fullmatch(digits) if len(digits) <= MAX_LITERAL_DIGITS + 3 else None
    if match is None or not any(c.isdigit() for c in digits):
        raise PuzzleError(f"not a number: {digits[:40]!r} (numbers are written 3, .3, 3.3 or .(3))")
    whole, point, fraction, repeat = match.groups()
    if len(whole) + len(fraction or "") + len(repeat or "") > MAX_LITERAL_DIGITS:
        raise PuzzleError(f"number too long: {digits[:40]!r} (at most {MAX_LITERAL_DIGITS} digits)")
    return lit_node(Literal(whole, fraction or "", repeat or "", point=bool(point)))


def apply(name: str, *operands: Node) -> Node:
    """The operator ``name`` (``ops.OPERATORS``: "add", "sqrt", "pow", ...) on
    ``operands``, in the order given; its value is computed as the search computes it,
    and is undefined when the step has none."""
    op = OPERATORS.get(name)
    if op is None or op.kind == "digits":
        known = ", ".join(n for n, o in OPERATORS.items() if o.kind != "digits")
        raise PuzzleError(f"unknown operator {name!r} (operators: {known})")
    arity = 2 if op.kind == "binary" else 1
    if len(operands) != arity:
        raise PuzzleError(f"{name} takes {arity} operand{'s' if arity > 1 else ''}, not {len(operands)}")
    if all(defined(operand) for operand in operands):
        made = _step(name, operands)
        if made is not None:
            return made
    return (sum(operand[COST] for operand in operands) + op.cost, UNDEFINED, name, operands[0],
            operands[1] if arity == 2 else None, False)


def _step(name: str, operands: tuple[Node, ...]) -> Node | None:
    made: list[Node] = []
    store = _ENGINE.sink(Table(0))[2]  # the search's gate: bounds, snapping, exactness
    limit = WIDEST.max_magnitude

    def keep(value, cost: int, op: str, left: Node, right: Node | None, exact: bool) -> None:
        node = store(value, cost, op, left, right, exact)
        if node is None and type(value) is float and math.isfinite(value) and abs(value) <= limit:
            node = (cost, value, op, left, right, False)  # a step the search does not take
        if node is not None:
            made.append(node)

    try:
        _ENGINE.step(name, operands, keep)
    except (ArithmeticError, ValueError):  # a float too large for an operand's int, and the like
        return None
    return made[0] if made else None


def chain(operands: Sequence[Node], names: Sequence[str]) -> Node:
    """``operands[0] names[0] operands[1] names[1] ...`` (infix operators: add, sub,
    mul, div, pow) grouped as the text format groups it: tighter-binding operators
    first, a run of ``pow`` from the right, the others from the left."""
    if len(operands) != len(names) + 1:
        raise PuzzleError(f"{len(names)} operators need {len(names) + 1} operands, not {len(operands)}")
    for name in names:
        if name not in _INFIX.values() and name != "pow":
            raise PuzzleError(f"{name!r} is not an operator written between its operands")
    operands, names = list(operands), list(names)
    for level in sorted({binding(name) for name in names}, reverse=True):
        i = 0
        while i < len(names):
            if binding(names[i]) != level:
                i += 1
            elif names[i] == "pow" and i + 1 < len(names) and names[i + 1] == "pow":
                i += 1  # 2^3^2: the right one first
            else:
                operands[i:i + 2] = [apply(names[i], operands[i], operands[i + 1])]
                del names[i]
                if level == binding("pow"):
                    i = max(i - 1, 0)
    return operands[0]


def operator(node: Node) -> str:
    """The operator at the top of the expression ("lit" for a number)."""
    return node[OP]


def defined(node: Node) -> bool:
    """Does the expression have a value (no division by zero, no 2.5!, within the bounds)?"""
    value = node[VALUE]
    return type(value) is not float or not math.isnan(value)


def value(node: Node) -> int | Fraction | sympy.Expr:
    """The exact value: a Fraction when rational, else a sympy number."""
    if not defined(node):
        raise PuzzleError(f"{text(node)} has no value")
    return exact_value(node)


def equals(node: Node, target: int | Fraction) -> bool:
    """Is the expression's value provably ``target``?"""
    if not defined(node):
        return False
    try:
        if not math.isclose(float(node[VALUE]), float(target), rel_tol=CLOSE, abs_tol=CLOSE):
            return False
    except OverflowError:
        return False
    return verify(node, Fraction(target))


def text(node: Node) -> str:
    """Plain text, the solver's format (``(3+.3)/.3``), operands in the order given."""
    return render(node, "text", sort=False)


def unicode(node: Node) -> str:
    """Unicode (``(√.2)⁻²``), operands in the order given."""
    return render(node, "unicode", sort=False)


def canonical(node: Node) -> tuple:
    """A key equal for expressions that differ only by commutativity, associativity or
    trivial identities (``render.canonical``)."""
    return _canonical(node)


def digits(node: Node) -> list[str]:
    """The digits of each number in the expression, left to right (3.3 is "33")."""
    if node[OP] == "lit":
        number: Literal = node[LEFT]
        return [number.whole + number.fraction + number.repeat]
    out = digits(node[LEFT])
    if node[RIGHT] is not None:
        out += digits(node[RIGHT])
    return out


# ----- the solver's plain-text format ---------------------------------------------------

_INFIX = {symbol: name for name, symbol in SYMBOLS["text"].items()} | {"×": "mul", "÷": "div"}
_POSTFIX = {mark: name for name, mark in POSTFIX_MARKS.items()}
_TOKEN = re.compile(r"\s*(\d*\.\d*(?:\(\d+\))?|\d+|[a-z]+|!!|[-+*/^!%(),×÷√])")


def parse(source: str) -> Node:
    """An expression in the solver's plain-text format (its ``Solution.text``):
    ``sqrt(.2)^-2``, ``(3+.3)/.3``, ``5!/5``, ``root(8, 3)``, ``.(3)``."""
    source = source.strip()
    if len(source) > MAX_TEXT_CHARS:
        raise PuzzleError(f"expression too long: {len(source)} characters (at most {MAX_TEXT_CHARS})")
    tokens: list[str] = []
    pos = 0
    while pos < len(source):
        match = _TOKEN.match(source, pos)
        if not match:
            raise PuzzleError(f"cannot read expression {source!r} at {source[pos:pos + 20]!r}")
        tokens.append(match.group(1))
        pos = match.end()
    parser = _Parser(tokens, source)
    node = parser.sum()
    if parser.i != len(tokens):
        parser.fail()
    return node


class _Parser:
    """Recursive descent, loosest first: sum (+ -), product (* /), negation, power
    (^, from the right), postfix (! !! %), atom (a number, a bracket, a function)."""

    def __init__(self, tokens: list[str], source: str) -> None:
        self.tokens, self.i, self.source, self.depth = tokens, 0, source, 0

    def fail(self) -> NoReturn:
        raise PuzzleError(f"cannot read expression {self.source!r}")

    def peek(self) -> str | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None or (expected is not None and token != expected):
            self.fail()
        self.i += 1
        return token

    def nest(self) -> None:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise PuzzleError(f"expression nested too deeply (at most {MAX_NESTING} levels)")

    def sum(self) -> Node:
        node = self.product()
        while self.peek() in ("+", "-"):
            node = apply(_INFIX[self.take()], node, self.product())
        return node

    def product(self) -> Node:
        node = self.unary()
        while self.peek() in ("*", "/", "×", "÷"):
            node = apply(_INFIX[self.take()], node, self.unary())
        return node

    def unary(self) -> Node:
        self.nest()
        if self.peek() == "-":
            self.take()
            node = apply("neg", self.unary())
        else:
            node = self.power()
        self.depth -= 1
        return node

    def power(self) -> Node:
        base = self.postfix()
        if self.peek() == "^":
            self.take()
            return apply("pow", base, self.unary())
        return base

    def postfix(self) -> Node:
        node = self.atom()
        while self.peek() in _POSTFIX:
            node = apply(_POSTFIX[self.take()], node)
        return node

    def atom(self) -> Node:
        self.nest()
        token = self.take()
        if token == "(":
            node = self.sum()
            self.take(")")
        elif token == "√":
            node = apply("sqrt", self.postfix())
        elif token[0].isdigit() or token[0] == ".":
            node = literal(token)
        elif token in FUNCTIONS:
            self.take("(")
            args = [self.sum()]
            while self.peek() == ",":
                self.take()
                args.append(self.sum())
            self.take(")")
            node = apply(token, *args)
        else:
            self.fail()
        self.depth -= 1
        return node
