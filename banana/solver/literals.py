"""Numbers written from the puzzle's digits: 22, .2, 2.2, .22, .2̄ (= 2/9).

A literal uses one or more of the puzzle's numbers. Joining several numbers needs
``concat``; a decimal point needs ``decimal``; a repeating tail needs ``repeating``.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Iterator
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property

from banana.solver.ops import NUMBER_COST, OPERATORS

OVERLINE = "\u0304"  # combining macron, as in .2̄


@dataclass(frozen=True)
class Literal:
    """``whole.fraction(repeat)``: the digits before the point, after it, and the repeating tail."""

    whole: str
    fraction: str = ""
    repeat: str = ""
    point: bool = False
    parts: int = 1  # how many of the puzzle's numbers it joins

    @cached_property  # a literal is frozen: worked out once (rendering reads it often)
    def value(self) -> int | Fraction:
        # whole + fraction / 10^f + repeat / ((10^r - 1) 10^f), over one denominator
        shift = 10 ** len(self.fraction)
        numerator = int(self.whole or "0") * shift + int(self.fraction or "0")
        denominator = shift
        if self.repeat:
            nines = 10 ** len(self.repeat) - 1
            numerator = numerator * nines + int(self.repeat)
            denominator *= nines
        if numerator % denominator == 0:
            return numerator // denominator
        return Fraction(numerator, denominator)

    @cached_property  # a literal is frozen: worked out once (rendering reads it often)
    def cost(self) -> int:
        cost = NUMBER_COST * self.parts + OPERATORS["concat"].cost * (self.parts - 1)
        if self.repeat:
            cost += OPERATORS["repeating"].cost
        elif self.point:
            cost += OPERATORS["decimal"].cost
        return cost

    @property
    def is_integer(self) -> bool:
        return not self.point

    @cached_property  # a literal is frozen: worked out once (rendering reads it often)
    def text(self) -> str:
        if not self.point:
            return self.whole
        tail = f"({self.repeat})" if self.repeat else ""
        return f"{self.whole}.{self.fraction}{tail}"

    @cached_property  # a literal is frozen: worked out once (rendering reads it often)
    def unicode(self) -> str:
        if not self.point:
            return self.whole
        tail = "".join(digit + OVERLINE for digit in self.repeat)
        return f"{self.whole}.{self.fraction}{tail}"

    @cached_property  # a literal is frozen: worked out once (rendering reads it often)
    def latex(self) -> str:
        if not self.point:
            return self.whole
        tail = f"\\overline{{{self.repeat}}}" if self.repeat else ""
        return f"{self.whole}.{self.fraction}{tail}"


def literal_forms(
    numbers: tuple[int, ...], ops: frozenset[str], *, max_digits: int, integers_only: bool = False,
    ordered: bool = False,
) -> list[Literal]:
    """Every literal that uses exactly ``numbers`` (a sorted multiset; ``ordered``:
    neighbours joined in the order given), under ``ops``.

    ``max_digits`` bounds the digit strings that are joined or given a point; longer
    ones are never built (a single number still stands for itself). A repeating
    decimal is written the shortest way: .4̄ and 4.4̄, never .4̄4̄ or .44̄ (the same
    value, padded with digits that only use up numbers).
    """
    if len(numbers) > 1 and "concat" not in ops:
        return []
    pieces = [str(n) for n in numbers]
    if sum(len(piece) for piece in pieces) > max_digits:
        # a number is always itself; only the forms built from its digits are bounded
        return [Literal(pieces[0])] if len(pieces) == 1 else []
    orders = [tuple(pieces)] if ordered else distinct_orders(pieces)
    decimal = "decimal" in ops and not integers_only
    repeating = "repeating" in ops and not integers_only
    out: list[Literal] = []
    parts = len(pieces)
    for order in orders:
        digits = "".join(order)
        if len(digits) == 1 or digits[0] != "0":
            out.append(Literal(digits, parts=parts))
        for point in range(len(digits)):  # the point goes before digits[point]
            whole, after = digits[:point], digits[point:]
            if len(whole) > 1 and whole[0] == "0":
                continue
            if decimal and after[-1] != "0":
                out.append(Literal(whole, after, point=True, parts=parts))
            if repeating:
                for start in range(len(after)):
                    fraction, repeat = after[:start], after[start:]
                    if set(repeat) != {"0"} and shortest_period(fraction, repeat):
                        out.append(Literal(whole, fraction, repeat, point=True, parts=parts))
    return out


def shortest_period(fraction: str, repeat: str) -> bool:
    """Is ``.fraction(repeat)`` the shortest way to write its value? Not when the tail
    repeats a shorter one (.(44) is .(4)) or the fixed part ends as the tail does
    (.4(4) is .(4), .1(21) is .(12))."""
    if fraction and fraction[-1] == repeat[-1]:
        return False
    n = len(repeat)
    return not any(n % size == 0 and repeat == repeat[:size] * (n // size) for size in range(1, n))


def count_literal_forms(numbers: tuple[int, ...], ops: frozenset[str], *, max_digits: int,
                        ordered: bool = False) -> int:
    """At most how many literals ``literal_forms`` makes for ``numbers`` (computed
    without making them, so the search can charge them first): the distinct orders of
    the numbers times the forms of one digit string."""
    if len(numbers) > 1 and "concat" not in ops:
        return 0
    pieces = [str(n) for n in numbers]
    length = sum(len(piece) for piece in pieces)
    if length > max_digits:
        return 1 if len(pieces) == 1 else 0
    orders = 1 if ordered else math.factorial(len(pieces))
    for count in () if ordered else Counter(pieces).values():
        orders //= math.factorial(count)
    forms = 1
    if "decimal" in ops:
        forms += length
    if "repeating" in ops:
        forms += length * (length + 1) // 2
    return orders * forms


def distinct_orders(pieces: list[str]) -> Iterator[tuple[str, ...]]:
    """The distinct orderings of ``pieces``, in sorted order, each once (a repeated
    piece is not permuted with itself: twelve 4s have one order, not 12!)."""
    order = sorted(pieces)
    while True:
        yield tuple(order)
        # the next permutation in lexicographic order
        i = len(order) - 2
        while i >= 0 and order[i] >= order[i + 1]:
            i -= 1
        if i < 0:
            return
        j = len(order) - 1
        while order[j] <= order[i]:
            j -= 1
        order[i], order[j] = order[j], order[i]
        order[i + 1:] = reversed(order[i + 1:])
