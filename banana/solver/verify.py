"""Proof that a printed answer equals its claimed value.

An expression is re-evaluated from its own tree, independently of the values the
search carried:

* when every step is rational, in exact rational arithmetic (``fractions``): that
  is a proof, and it costs microseconds;
* when a step is irrational (√.2, √22, logarithms) or was snapped from a float, with
  sympy: the tree becomes a sympy expression, the difference to the claimed value is
  simplified, and zero is *proved* (exact simplification, or a minimal polynomial
  equal to ``x`` for algebraic differences). A difference sympy cannot prove zero
  counts as unverified, and the caller drops that answer.
"""

from __future__ import annotations

import math
from fractions import Fraction

from banana.solver.values import EXACT, LEFT, OP, RIGHT
from banana.solver.values import exact_root


class _Irrational(Exception):
    """A step has no exact rational value."""


def verify(node: tuple, claimed, *, force_sympy: bool = False) -> bool:
    """True when ``node`` provably equals ``claimed`` (an int/Fraction, or a sympy number)."""
    if not force_sympy and node[EXACT] and isinstance(claimed, (int, Fraction)):
        try:
            return rational_value(node) == claimed
        except (_Irrational, ZeroDivisionError, OverflowError, ValueError):
            pass
    return _verify_sympy(node, claimed)


def rational_value(node: tuple) -> int | Fraction:
    """The exact value of an expression made of rational steps; raises _Irrational otherwise."""
    op = node[OP]
    if op == "lit":
        return Fraction(node[LEFT].value)
    if op == "neg":
        return -rational_value(node[LEFT])
    if op in ("add", "sub", "mul", "div", "pow", "root", "log"):
        x = rational_value(node[LEFT])
        y = rational_value(node[RIGHT])
        if op == "add":
            return x + y
        if op == "sub":
            return x - y
        if op == "mul":
            return x * y
        if op == "div":
            return x / y
        if op == "root":
            if y == 0:
                raise ZeroDivisionError
            return _rational_pow(x, 1 / Fraction(y))
        if op == "log":
            raise _Irrational  # rational logarithms are proved by sympy
        return _rational_pow(x, y)
    x = rational_value(node[LEFT])
    if op == "sqrt":
        return _rational_pow(x, Fraction(1, 2))
    if op == "percent":
        return x / 100
    if op == "floor":
        return Fraction(math.floor(x))
    if op == "ceil":
        return Fraction(math.ceil(x))
    if op in ("fact", "dfact", "gamma"):
        if x.denominator != 1:
            raise _Irrational
        n = int(x) - (1 if op == "gamma" else 0)
        if n < 0 or n > 1000:
            raise ValueError("factorial argument out of range")
        if op == "dfact":
            out = 1
            while n > 1:
                out *= n
                n -= 2
            return Fraction(out)
        return Fraction(math.factorial(n))
    raise ValueError(f"unknown operator {op!r}")


def _rational_pow(x: Fraction, y: Fraction) -> Fraction:
    if y.denominator == 1:
        n = int(y)
        if abs(n) > 4096:
            raise OverflowError
        return x**n
    if x < 0:
        raise _Irrational
    if abs(y.numerator) > 4096:
        raise OverflowError
    root = exact_root(x, y.denominator)
    if root is None:
        raise _Irrational
    return Fraction(root) ** y.numerator


def sympy_expr(node: tuple):
    """The expression as a sympy number (evaluated exactly by sympy)."""
    import sympy

    op = node[OP]
    if op == "lit":
        value = Fraction(node[LEFT].value)
        return sympy.Rational(value.numerator, value.denominator)
    if node[RIGHT] is not None:
        x = sympy_expr(node[LEFT])
        y = sympy_expr(node[RIGHT])
        if op == "add":
            return x + y
        if op == "sub":
            return x - y
        if op == "mul":
            return x * y
        if op == "div":
            return x / y
        if op == "pow":
            return sympy.Pow(x, y)
        if op == "root":
            return sympy.Pow(x, 1 / y)
        if op == "log":
            return sympy.log(x, y)
        raise ValueError(f"unknown operator {op!r}")
    x = sympy_expr(node[LEFT])
    unary = {
        "neg": lambda v: -v,
        "sqrt": sympy.sqrt,
        "fact": sympy.factorial,
        "dfact": sympy.factorial2,
        "gamma": sympy.gamma,
        "floor": sympy.floor,
        "ceil": sympy.ceiling,
        "percent": lambda v: v / 100,
    }
    return unary[op](x)


def exact_value(node: tuple):
    """The exact value of any expression: a Fraction when rational, else a sympy number."""
    if node[EXACT]:
        try:
            return rational_value(node)
        except (_Irrational, ZeroDivisionError, OverflowError, ValueError):
            pass
    import sympy

    value = sympy.simplify(sympy_expr(node))
    if value.is_Rational:
        return Fraction(int(value.p), int(value.q))
    return value


def _verify_sympy(node: tuple, claimed) -> bool:
    import sympy
    from sympy.polys.polyerrors import NotAlgebraic

    try:
        expr = sympy_expr(node)
        if isinstance(claimed, Fraction):
            claimed = sympy.Rational(claimed.numerator, claimed.denominator)
        diff = expr - claimed
        if diff == 0:
            return True
        if diff.is_Rational or diff.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
            return False
        if not diff.is_real and diff.is_real is not None:
            return False
        simplified = sympy.simplify(diff)
        if simplified == 0:
            return True
        if simplified.is_Rational:
            return False
        try:
            polynomial = sympy.minimal_polynomial(simplified, sympy.Symbol("x"))
        except (NotAlgebraic, NotImplementedError):
            return False
        return polynomial == sympy.Symbol("x")
    except (ValueError, TypeError, ZeroDivisionError, RecursionError, AttributeError):
        return False
