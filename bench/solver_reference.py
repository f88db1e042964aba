"""Exact references for ``bench_solver.py``, written independently of ``banana.solver``.

Each enumerates every value an expression can take under a game's rules, by dynamic
programming over the numbers (sub-multisets, or runs of neighbours for puzzles in a
given order), in exact integer or ``fractions.Fraction`` arithmetic, and shares no code
with the solver:

* ``krypto_values``: Krypto (five cards, + - × ÷, every step a whole number >= 0, all
  five used), or any other step rule;
* ``ordered_values``: the digits of a year in the order written, + - × ÷, joining
  neighbouring digits (no leading zero), optionally negation and factorial with at
  most two stacked on one another, every step within a magnitude bound;
* ``check_steps``: reads an answer's plain text and checks each step obeys a rule and
  the numbers used are the puzzle's;
* the Krypto deck, and seeded random deals.

The Countdown reference is a compact C++ program (``countdown_dp.cpp``), compiled
at bench time.
"""

from __future__ import annotations

import math
import random
import re
from fractions import Fraction
from functools import lru_cache

# the Krypto deck: 1-6 three times, 7-10 four times, 11-17 twice, 18-25 once (56 cards)
KRYPTO_DECK = [n for n in range(1, 7) for _ in range(3)] + [n for n in range(7, 11) for _ in range(4)] + \
    [n for n in range(11, 18) for _ in range(2)] + list(range(18, 26))
SMALL = [n for n in range(1, 11) for _ in range(2)]
LARGE = [25, 50, 75, 100]


def krypto_deals(count: int, seed: int) -> list[tuple[tuple[int, ...], int]]:
    """``count`` Krypto deals: five cards and a target card from one shuffled deck each."""
    rng = random.Random(seed)
    deals = []
    for _ in range(count):
        cards = rng.sample(KRYPTO_DECK, 6)
        deals.append((tuple(cards[:5]), cards[5]))
    return deals


def countdown_games(count: int, seed: int) -> list[tuple[tuple[int, ...], int]]:
    """``count`` Countdown numbers games: 0-4 large numbers, the rest small, target 101-999."""
    rng = random.Random(seed)
    games = []
    for _ in range(count):
        large = rng.randint(0, 4)
        numbers = rng.sample(LARGE, large) + rng.sample(SMALL, 6 - large)
        games.append((tuple(numbers), rng.randint(101, 999)))
    return games


# ----- step rules -----------------------------------------------------------------------

def allowed(value: Fraction, rule: str) -> bool:
    if rule == "any":
        return True
    if value.denominator != 1:
        return False
    return {"integer": True, "nonnegative": value >= 0, "positive": value >= 1}[rule]


def _combine(a: Fraction, b: Fraction) -> list[Fraction]:
    out = [a + b, a - b, b - a, a * b]
    if b:
        out.append(a / b)
    if a:
        out.append(b / a)
    return out


# ----- Krypto (and any sub-multiset game) -----------------------------------------------

def krypto_values(numbers: tuple[int, ...], rule: str = "nonnegative") -> set[Fraction]:
    """Every value of a + - × ÷ expression using each number exactly once, every step
    obeying ``rule`` (whole-number rules in int arithmetic, "any" in Fractions)."""
    whole = rule != "any"
    low = {"any": None, "integer": None, "nonnegative": 0, "positive": 1}[rule]
    n = len(numbers)
    values: dict[int, set] = {}
    for mask in range(1, 1 << n):
        bits = [i for i in range(n) if mask >> i & 1]
        if len(bits) == 1:
            value = numbers[bits[0]] if whole else Fraction(numbers[bits[0]])
            values[mask] = {value} if low is None or value >= low else set()
            continue
        out: set = set()
        sub = (mask - 1) & mask
        while sub:
            rest = mask ^ sub
            if sub < rest:
                for a in values[sub]:
                    for b in values[rest]:
                        if whole:
                            candidates = [a + b, a - b, b - a, a * b]
                            if b and a % b == 0:
                                candidates.append(a // b)
                            if a and b % a == 0:
                                candidates.append(b // a)
                            out.update(v for v in candidates if low is None or v >= low)
                        else:
                            out.update(_combine(a, b))
            sub = (sub - 1) & mask
        values[mask] = out
    return {Fraction(v) for v in values[(1 << n) - 1]}


# ----- puzzles in a given order -------------------------------------------------------------

def ordered_values(digits: tuple[int, ...], *, unary: tuple[str, ...] = (), limit: int = 10**12,
                   max_factorial: int = 12, depth: int = 2) -> set[Fraction]:
    """Every value of an expression over ``digits`` in the order given: neighbouring
    digits may be joined (12, 198; no leading zero), + - × ÷ combine a run with the run
    right after it (left operand on the left), and up to ``depth`` unary operators
    (``neg``, ``fact``: n! for whole 0 <= n <= max_factorial) may be stacked on any
    number or step. A value whose numerator or denominator exceeds ``limit`` is
    dropped."""

    def fits(value: Fraction) -> bool:
        return abs(value.numerator) <= limit and value.denominator <= limit

    def closure(base: set[Fraction]) -> set[Fraction]:
        out, frontier = set(base), set(base)
        for _ in range(depth):
            step: set[Fraction] = set()
            for v in frontier:
                if "neg" in unary:
                    step.add(-v)
                if "fact" in unary and v.denominator == 1 and 0 <= v <= max_factorial:
                    step.add(Fraction(math.factorial(int(v))))
            frontier = {v for v in step if fits(v)}
            out |= frontier
        return out

    @lru_cache(maxsize=None)
    def run(i: int, j: int) -> frozenset[Fraction]:
        text = "".join(str(d) for d in digits[i:j])
        base: set[Fraction] = set()
        if j - i == 1 or text[0] != "0":
            base.add(Fraction(int(text)))
        for k in range(i + 1, j):
            for a in run(i, k):
                for b in run(k, j):
                    candidates = [a + b, a - b, a * b] + ([a / b] if b else [])
                    base.update(v for v in candidates if fits(v))
        return frozenset(closure({v for v in base if fits(v)}))

    return set(run(0, len(digits)))


# ----- checking an answer's steps -------------------------------------------------------

_TOKEN = re.compile(r"\s*(\d+|[-+*/()])")


def check_steps(text: str, numbers: tuple[int, ...], target: int, rule: str, *, every: bool = True) -> bool:
    """Does the plain-text answer (+ - * / and brackets) use exactly ``numbers`` (each
    at most once, when not ``every``), equal ``target``, and keep every step within
    ``rule``?"""
    tokens, pos = [], 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match:
            return False
        tokens.append(match.group(1))
        pos = match.end()
    used: list[int] = []
    ok = [True]
    index = [0]

    def peek():
        return tokens[index[0]] if index[0] < len(tokens) else None

    def take():
        index[0] += 1
        return tokens[index[0] - 1]

    def step(value: Fraction) -> Fraction:
        ok[0] = ok[0] and allowed(value, rule)
        return value

    def atom() -> Fraction:
        token = take()
        if token == "(":
            value = expr()
            take()
            return value
        used.append(int(token))
        return Fraction(int(token))

    def term() -> Fraction:
        value = atom()
        while peek() in ("*", "/"):
            op, right = take(), atom()
            if op == "/" and not right:
                ok[0] = False
                return Fraction(0)
            value = step(value * right if op == "*" else value / right)
        return value

    def expr() -> Fraction:
        value = term()
        while peek() in ("+", "-"):
            op, right = take(), term()
            value = step(value + right if op == "+" else value - right)
        return value

    try:
        value = expr()
    except (IndexError, ValueError):
        return False
    pool = list(numbers)
    for n in used:
        if n not in pool:
            return False
        pool.remove(n)
    return ok[0] and index[0] == len(tokens) and value == target and (not every or not pool)
