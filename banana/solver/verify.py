"""Proof that a printed answer equals its claimed value.

An expression is re-evaluated from its own tree, independently of the values the
search carried:

* when every step is rational, in exact rational arithmetic (``fractions``): that
  is a proof, and it costs microseconds;
* when a step is a root or a rational power (√.2, √22, 4^.4, ∛2), as a *surd*: a
  rational times a product of positive rationals raised to fractions, c·∏ rᵢ^eᵢ.
  Products, quotients, rational powers and roots of surds are surds; a sum of two is
  one when their ratio is rational (√2 − √2, √8 − √2); ⌊x⌋ and ⌈x⌉ of a surd are
  found by exact comparisons (x ≥ m ⟺ x^L ≥ m^L, L the common denominator of the
  exponents). Whether a surd is rational is decided exactly: P = ∏ rᵢ^eᵢ is
  rational exactly when the rational P^L has an exact L-th root. That proves
  (√.2)⁻² = 5, ⌈√22⌉ = 5 and 73 = √((√√4)^(4!)) + 4 ÷ .4̄ in microseconds, without
  sympy;
* otherwise (a logarithm that is not rational, a sum of unlike surds), with sympy:
  the tree becomes a sympy expression, the difference to the claimed value is
  simplified, and zero is *proved* (exact simplification, or a minimal polynomial
  equal to ``x`` for algebraic differences). A difference sympy cannot prove zero
  counts as unverified, and the caller drops that answer. sympy is imported only
  then (it takes about a second to import).

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

from banana.solver.values import COST, EXACT, LEFT, OP, RIGHT, VALUE
from banana.solver.values import exact_root, log10_size


PROOF_DIGITS = 30  # significant digits of the numeric check before a sympy proof
NONZERO = 1e-15  # a difference evaluated larger than this (absolute) is not zero
MAX_PROOF_DEGREE = 64  # largest algebraic degree sent to sympy's minimal_polynomial (~0.1 s)
MAX_PROOF_EXPONENT = 4096  # largest |exponent| the rational proof raises a number to
MAX_PROOF_DIGITS = 10_000  # largest exact number (in digits) a sympy proof may write out
MAX_LOG_DENOMINATOR = 6  # a logarithm is proved rational as p/q with q up to this (as the search finds it)
# steps of work (the search's unit, ~1-3 µs) charged for a proof
RATIONAL_PROOF_WORK = 8  # re-evaluating the tree in fractions: ~15 µs
SURD_PROOF_WORK = 30  # re-evaluating it in surds: ~20-80 µs
SYMPY_PROOF_WORK = 1_000  # a sympy proof: ~1-3 ms, more for the rare hard one


class _Irrational(Exception):
    """A step has no exact rational value."""


def verify(node: tuple, claimed, *, force_sympy: bool = False, charge=None) -> bool:
    """True when ``node`` provably equals ``claimed`` (an int/Fraction, a ``Surd``, or
    a sympy number).

    ``charge(steps)``, when given, is told the work of each attempt before it is made
    (it may refuse by raising: the search's work budget)."""
    if not force_sympy and isinstance(claimed, (int, Fraction, Surd)):
        if node[EXACT] and not isinstance(claimed, Surd):
            if charge is not None:
                charge(RATIONAL_PROOF_WORK)
            try:
                return rational_value(node) == claimed
            except (_Irrational, ZeroDivisionError, OverflowError, ValueError):
                pass
        if charge is not None:
            charge(SURD_PROOF_WORK)
        try:
            value = surd_value(node)
        except (ZeroDivisionError, ValueError):
            return False  # a step with no real value
        except (_Irrational, OverflowError):
            pass  # not a surd, or too large to write out: sympy decides
        else:
            return value == claimed
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
    value = surd_or_sympy(node, charge=charge)
    if isinstance(value, Surd):
        return value.sympy()
    return value


def surd_or_sympy(node: tuple, *, charge=None):
    """The exact value without sympy where it can: a Fraction, a ``Surd``, or (a
    logarithm that is not rational, ...) a sympy number."""
    if charge is not None:
        charge(RATIONAL_PROOF_WORK if node[EXACT] else SURD_PROOF_WORK)
    if node[EXACT]:
        try:
            return rational_value(node)
        except (_Irrational, ZeroDivisionError, OverflowError, ValueError):
            pass
    try:
        value = surd_value(node)
        return value.rational() if value.is_rational else value
    except (_Irrational, ZeroDivisionError, OverflowError, ValueError):
        pass
    if charge is not None:
        charge(SYMPY_PROOF_WORK)
    import sympy

    value = sympy.simplify(sympy_expr(node))
    if value.is_Rational:
        return Fraction(int(value.p), int(value.q))
    return value


# ----- surds: c × ∏ r^e, exactly -------------------------------------------------------


class Surd:
    """c × ∏ rᵢ^eᵢ: a rational ``coef`` and positive rationals ``rad`` (r ≠ 1) raised to
    exponents strictly between 0 and 1. Made by ``surd_value``; equal when their
    values are (decided exactly)."""

    __slots__ = ("coef", "rad")

    def __init__(self, coef, rad: dict | None = None) -> None:
        self.coef = Fraction(coef)
        self.rad: dict = {}
        for base, exponent in (rad or {}).items():
            self._times(base, Fraction(exponent))
        self._settle()

    def _times(self, base: Fraction, exponent: Fraction) -> None:
        """Multiply by base ** exponent (base > 0): the whole part goes to ``coef``."""
        if base == 1 or not exponent:
            return
        whole = exponent.numerator // exponent.denominator
        if whole:
            self.coef *= _power(base, whole)
        part = exponent - whole
        if part:
            total = self.rad.get(base, 0) + part
            if total >= 1:
                self.coef *= base
                total -= 1
            if total:
                self.rad[base] = total
            else:
                self.rad.pop(base, None)

    def _settle(self) -> None:
        """Fold the radical part into ``coef`` when it is rational."""
        if not self.rad or not self.coef:
            self.rad = {} if not self.coef else self.rad
            return
        root = _rational_product(self.rad)
        if root is not None:
            self.coef *= root
            self.rad = {}

    @property
    def is_rational(self) -> bool:
        return not self.rad

    def rational(self) -> Fraction:
        return self.coef

    def __float__(self) -> float:
        log = sum(float(exponent) * _log(base) for base, exponent in self.rad.items())
        return float(self.coef) * math.exp(log)

    def __eq__(self, other) -> bool:
        if isinstance(other, (int, Fraction)):
            return self.is_rational and self.coef == other
        if isinstance(other, Surd):
            if self.is_rational or other.is_rational:
                return self.is_rational and other.is_rational and self.coef == other.coef
            ratio = self.divide(other)
            return ratio.is_rational and ratio.coef == 1
        return NotImplemented

    __hash__ = None  # mutable while built; compared, never hashed

    # arithmetic (each returns a new Surd) ------------------------------------------
    def times(self, other: Surd) -> Surd:
        out = Surd(self.coef * other.coef, self.rad)
        for base, exponent in other.rad.items():
            out._times(base, exponent)
        out._settle()
        return out

    def inverse(self) -> Surd:
        if not self.coef:
            raise ZeroDivisionError
        out = Surd(1 / self.coef)
        for base, exponent in self.rad.items():
            out._times(base, -exponent)
        out._settle()
        return out

    def divide(self, other: Surd) -> Surd:
        return self.times(other.inverse())

    def plus(self, other: Surd) -> Surd:
        if self.is_rational and other.is_rational:
            return Surd(self.coef + other.coef)
        if not self.coef:
            return other
        if not other.coef:
            return self
        ratio = other.divide(self)
        if not ratio.is_rational:
            raise _Irrational  # a sum of unlike surds (√2 + √3) is not a surd
        out = Surd(self.coef * (1 + ratio.coef), self.rad)
        return out

    def power(self, exponent: Fraction) -> Surd:
        if not self.coef:
            if exponent > 0:
                return Surd(0)
            raise ZeroDivisionError
        if exponent.denominator == 1:
            n = exponent.numerator
            out = Surd(_power(self.coef, n))
            for base, e in self.rad.items():
                out._times(base, e * n)
            out._settle()
            return out
        if self.coef < 0:
            raise ValueError("no real root of a negative number")
        out = Surd(1)
        out._times(self.coef, exponent)
        for base, e in self.rad.items():
            out._times(base, e * exponent)
        out._settle()
        return out

    def compare(self, t: Fraction) -> int:
        """-1, 0 or 1 as the value is below, at or above the rational ``t``."""
        if self.is_rational:
            return (self.coef > t) - (self.coef < t)
        # value = c × P with P > 0 irrational: compare P with t / c
        bound = t / self.coef
        if bound <= 0:
            above = True
        else:
            size = _common_denominator(self.rad)
            above = _radical_power(self.rad, size) > _power(bound, size)
        return 1 if above == (self.coef > 0) else -1

    def rounded(self, name: str) -> int:
        """⌊x⌋ or ⌈x⌉, decided by exact comparisons."""
        if self.is_rational:
            return math.floor(self.coef) if name == "floor" else math.ceil(self.coef)
        guess = math.floor(float(self))
        for m in (guess - 1, guess, guess + 1):
            if self.compare(Fraction(m)) > 0 and self.compare(Fraction(m + 1)) < 0:
                return m if name == "floor" else m + 1
        raise _Irrational  # float rounding too coarse to tell: sympy decides

    def __str__(self) -> str:
        if self.is_rational:
            return str(self.coef)
        parts = [] if self.coef == 1 else ["-"] if self.coef == -1 else [f"{self.coef}*"]
        factors = []
        for base, exponent in sorted(self.rad.items()):
            shown = f"({base})" if base.denominator != 1 else str(base)
            factors.append(f"sqrt({base})" if exponent == Fraction(1, 2) else f"{shown}^({exponent})")
        return "".join(parts) + "*".join(factors)

    def sympy(self):
        import sympy

        out = sympy.Rational(self.coef.numerator, self.coef.denominator)
        for base, exponent in self.rad.items():
            out *= sympy.Pow(sympy.Rational(base.numerator, base.denominator),
                             sympy.Rational(exponent.numerator, exponent.denominator))
        return out


def _power(base: Fraction, n: int) -> Fraction:
    """base ** n, refused (OverflowError) when it would be too large to write out."""
    if abs(n) > MAX_PROOF_EXPONENT or (base and log10_size(base) * abs(n) > MAX_PROOF_DIGITS):
        raise OverflowError
    return Fraction(base) ** n


def _log(base: Fraction) -> float:
    return math.log(base.numerator) - math.log(base.denominator)


def _common_denominator(rad: dict) -> int:
    size = 1
    for exponent in rad.values():
        size = size * exponent.denominator // math.gcd(size, exponent.denominator)
    if size > MAX_PROOF_DEGREE:
        raise OverflowError  # too high a degree to decide this way
    return size


def _radical_power(rad: dict, size: int) -> Fraction:
    """(∏ r^e) ** size, a rational (size is a common denominator of the exponents)."""
    out = Fraction(1)
    for base, exponent in rad.items():
        out *= _power(base, int(exponent * size))
    return out


def _rational_product(rad: dict) -> Fraction | None:
    """∏ r^e when it is rational, else None."""
    size = _common_denominator(rad)
    return exact_root(_radical_power(rad, size), size)


def surd_value(node: tuple) -> Surd:
    """The exact value of an expression as a Surd. Raises _Irrational when a step
    leaves surds (an irrational logarithm, an irrational exponent, a sum of unlike
    surds), ZeroDivisionError or ValueError for a step with no value, OverflowError for
    numbers too large to write out."""
    op = node[OP]
    if op == "lit":
        return Surd(node[LEFT].value)
    if node[RIGHT] is not None:
        x, y = surd_value(node[LEFT]), surd_value(node[RIGHT])
        if op == "add":
            return x.plus(y)
        if op == "sub":
            return x.plus(y.times(Surd(-1)))
        if op == "mul":
            return x.times(y)
        if op == "div":
            return x.divide(y)
        if not y.is_rational:
            raise _Irrational  # an irrational exponent or base of a logarithm
        if op == "pow":
            return x.power(y.coef)
        if op == "root":
            if not y.coef:
                raise ZeroDivisionError
            return x.power(1 / y.coef)
        if op == "log":
            if not x.is_rational:
                raise _Irrational
            return Surd(_rational_log(x.coef, y.coef))
        raise ValueError(f"unknown operator {op!r}")
    x = surd_value(node[LEFT])
    if op == "neg":
        return x.times(Surd(-1))
    if op == "sqrt":
        return x.power(Fraction(1, 2))
    if op == "percent":
        return x.times(Surd(Fraction(1, 100)))
    if op in ("floor", "ceil"):
        return Surd(x.rounded(op))
    if op in ("fact", "dfact", "gamma"):
        if not x.is_rational:
            raise ValueError("factorial of an irrational number")
        return Surd(rational_value((node[COST], x.coef, op, _literal_of(x.coef), None, True)))
    raise ValueError(f"unknown operator {op!r}")


class _Number:
    """A rational standing in for a subtree (``surd_value`` reuses ``rational_value``)."""

    __slots__ = ("value",)

    def __init__(self, value: Fraction) -> None:
        self.value = value


def _literal_of(value: Fraction) -> tuple:
    return (0, value, "lit", _Number(value), None, True)


def _rational_log(x: Fraction, base: Fraction) -> Fraction:
    """log of x to ``base`` when it is rational (p/q with q up to MAX_LOG_DENOMINATOR,
    checked exactly: base^p == x^q), else _Irrational."""
    if x <= 0 or base <= 0 or base == 1:
        raise ValueError("no logarithm")
    if x == 1:
        return Fraction(0)
    value = _log(x) / _log(base)
    for q in range(1, MAX_LOG_DENOMINATOR + 1):
        p = round(value * q)
        if p and abs(value * q - p) <= 1e-9 and _power(base, p) == _power(x, q):
            return Fraction(p, q)
    raise _Irrational


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
