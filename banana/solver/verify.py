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

Three checks keep a proof bounded before sympy does anything expensive. The exact
numbers sympy would write out are estimated first (``proof_digits``), and a tree
needing more than ``MAX_PROOF_DIGITS`` digits is not sent (root(.4̄, 25)^(25^7) is
(4/9)^244140625: 200 million digits). A difference that evaluates (to
``PROOF_DIGITS`` digits) clearly away from zero is not zero: the answer is dropped
at once (a float that merely came within 1e-10 of the target, such as 8 − 4^(.4%⁴)
for 7). And a minimal polynomial is only sought when the expression's algebraic
degree is at most ``MAX_PROOF_DEGREE`` (4^(1/3906250000) has degree 3,906,250,000:
sympy would try to build that polynomial). Each can only drop an answer, never
accept one.
"""

from __future__ import annotations

import math
from fractions import Fraction

from banana.solver.values import EXACT, LEFT, OP, RIGHT, VALUE
from banana.solver.values import exact_root, log10_size


PROOF_DIGITS = 30  # significant digits of the numeric check before a sympy proof
NONZERO = 1e-15  # a difference evaluated larger than this (absolute) is not zero
MAX_PROOF_DEGREE = 64  # largest algebraic degree sent to sympy's minimal_polynomial (~0.1 s)
MAX_PROOF_EXPONENT = 4096  # largest |exponent| the rational proof raises a number to
MAX_PROOF_DIGITS = 10_000  # largest exact number (in digits) a sympy proof may write out
# steps of work (the search's unit, ~1-3 µs) charged for a proof
RATIONAL_PROOF_WORK = 8  # re-evaluating the tree in fractions: ~15 µs
SYMPY_PROOF_WORK = 1_000  # a sympy proof: ~1-3 ms, more for the rare hard one


class _Irrational(Exception):
    """A step has no exact rational value."""


def verify(node: tuple, claimed, *, force_sympy: bool = False, charge=None) -> bool:
    """True when ``node`` provably equals ``claimed`` (an int/Fraction, or a sympy number).

    ``charge(steps)``, when given, is told the work of each attempt before it is made
    (it may refuse by raising: the search's work budget)."""
    if not force_sympy and node[EXACT] and isinstance(claimed, (int, Fraction)):
        if charge is not None:
            charge(RATIONAL_PROOF_WORK)
        try:
            return rational_value(node) == claimed
        except (_Irrational, ZeroDivisionError, OverflowError, ValueError):
            pass
    if charge is not None:
        charge(SYMPY_PROOF_WORK)
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
        if abs(n) > MAX_PROOF_EXPONENT:
            raise OverflowError
        return x**n
    if x < 0:
        raise _Irrational
    if abs(y.numerator) > MAX_PROOF_EXPONENT:
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


def exact_value(node: tuple, *, charge=None):
    """The exact value of any expression: a Fraction when rational, else a sympy number
    (``charge`` as for ``verify``)."""
    if charge is not None:
        charge(RATIONAL_PROOF_WORK if node[EXACT] else SYMPY_PROOF_WORK)
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

    if proof_digits(node) > MAX_PROOF_DIGITS:
        return False  # too large to write out: no proof within reach
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
        approx = diff.evalf(PROOF_DIGITS)
        if approx.is_Number and abs(approx) > NONZERO:
            return False  # clearly not zero: nothing to prove
        simplified = sympy.simplify(diff)
        if simplified == 0:
            return True
        if simplified.is_Rational:
            return False
        if algebraic_degree(node) > MAX_PROOF_DEGREE:
            return False  # no proof within reach: the answer is dropped
        try:
            polynomial = sympy.minimal_polynomial(simplified, sympy.Symbol("x"))
        except (NotAlgebraic, NotImplementedError):
            return False
        return polynomial == sympy.Symbol("x")
    except (ValueError, TypeError, ZeroDivisionError, RecursionError, AttributeError):
        return False


def proof_digits(node: tuple) -> float:
    """About how many digits the exact form of the expression takes (sympy keeps
    r^(p/q) for a rational r, and (r^a)^b is r^(ab)): the sum over its numbers, each
    power multiplying its base's digits by the exponent (read from the values the
    search carried)."""
    op = node[OP]
    if op == "lit":
        return log10_size(node[VALUE])
    if op in ("pow", "root"):
        exponent = node[RIGHT][VALUE]
        if op == "root":
            exponent = 1 / exponent if exponent else math.inf
        digits = proof_digits(node[LEFT])
        return digits * abs(exponent) if digits else 0.0
    if op in ("fact", "dfact", "gamma", "floor", "ceil"):
        return log10_size(node[VALUE]) + proof_digits(node[LEFT])
    if op == "sqrt":
        return proof_digits(node[LEFT]) / 2
    if op == "percent":
        return proof_digits(node[LEFT]) + 2
    if node[RIGHT] is None:  # neg
        return proof_digits(node[LEFT])
    return proof_digits(node[LEFT]) + proof_digits(node[RIGHT])


def algebraic_degree(node: tuple) -> float:
    """An upper bound on the algebraic degree of the expression's value over the
    rationals (inf when a step may be transcendental: an irrational exponent, a
    logarithm). Each root of index q multiplies it by at most q; a floor, ceiling or
    factorial is an integer."""
    op = node[OP]
    if op == "lit":
        return 1
    if op in ("floor", "ceil", "fact", "dfact", "gamma"):
        return 1
    if op in ("neg", "percent"):
        return algebraic_degree(node[LEFT])
    if op == "sqrt":
        return 2 * algebraic_degree(node[LEFT])
    if op in ("add", "sub", "mul", "div"):
        return algebraic_degree(node[LEFT]) * algebraic_degree(node[RIGHT])
    if op in ("pow", "root"):
        right = node[RIGHT]
        exponent = right[VALUE]
        if type(exponent) is float or (not right[EXACT] and algebraic_degree(right) != 1):
            return math.inf  # an exponent that may be irrational
        exponent = Fraction(exponent)
        index = exponent.denominator if op == "pow" else abs(exponent.numerator)
        return algebraic_degree(node[LEFT]) * max(1, index)
    return math.inf  # log
