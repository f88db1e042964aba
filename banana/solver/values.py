"""Exact values and their table keys: rationals as ints and fractions, irrationals as floats.

Small helpers shared by the search and the verifier: the key a value is filed under,
exact integer roots, size estimates (log10) made before anything large is computed,
and the factorial family on small integers.
"""

from __future__ import annotations

import math
from fractions import Fraction

# positions in an expression tuple (cost, value, op, left, right, exact); see search.py
COST, VALUE, OP, LEFT, RIGHT, EXACT = range(6)

SNAP_TOLERANCE = 1e-10  # relative distance at which a float is taken to be a rational
SNAP_DENOMINATOR = 2520  # a float may snap to a fraction whose denominator divides this (1..10, 12)
FLOAT_KEY_DIGITS = 11  # floats agreeing to this many significant digits share a table slot
MAX_ROOT_INDEX = 12  # largest q tried when looking for an exact q-th root


def key_of(value):
    """The table key of a value: ints as themselves, fractions as (numerator, denominator)
    tuples (hashing a tuple is much cheaper than hashing a Fraction), floats rounded."""
    kind = type(value)
    if kind is int:
        return value
    if kind is Fraction:
        return value.numerator if value.denominator == 1 else (value.numerator, value.denominator)
    return float_key(value)


def ratio_key(n: int, d: int):
    """The key of n/d for integers n, d (d != 0)."""
    g = math.gcd(n, d)
    if d < 0:
        g = -g
    n //= g
    d //= g
    return n if d == 1 else (n, d)


def float_key(x: float) -> float:
    """The table slot of an approximate value: equal to ~11 significant digits."""
    mantissa, exponent = math.frexp(x)
    return math.ldexp(round(mantissa, FLOAT_KEY_DIGITS), exponent)


def exact_root(value: int | Fraction, index: int) -> int | Fraction | None:
    """The exact ``index``-th root of a non-negative rational, or None when irrational."""
    num, den = (value, 1) if type(value) is int else (value.numerator, value.denominator)
    rn, rd = iroot(num, index), iroot(den, index)
    if rn is None or rd is None:
        return None
    return rn if rd == 1 else Fraction(rn, rd)


def iroot(n: int, k: int) -> int | None:
    if n < 2:
        return n
    if k == 2:
        r = math.isqrt(n)
        return r if r * r == n else None
    r = round(n ** (1.0 / k))
    for candidate in (r - 1, r, r + 1):
        if candidate >= 0 and candidate**k == n:
            return candidate
    return None


def log10_size(value) -> float:
    """log10 of the larger of |numerator| and denominator (size of a rational)."""
    if type(value) is int or type(value) is float:
        return math.log10(abs(value)) if value else 0.0
    return max(math.log10(abs(value.numerator) or 1), math.log10(value.denominator))


def double_factorial(n: int) -> int:
    out = 1
    while n > 1:
        out *= n
        n -= 2
    return out


def unary_exact(name: str, n: int) -> int:
    """n!, n!! or Γ(n) for a small non-negative integer (callers bound n first)."""
    if name == "fact":
        return math.factorial(n)
    if name == "dfact":
        return double_factorial(n)
    return math.factorial(n - 1)  # gamma


def normal(value):
    if type(value) is Fraction and value.denominator == 1:
        return value.numerator
    return value
