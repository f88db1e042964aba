"""Reading puzzles written by people: numbers, targets, ranges and batch lines.

Every parser raises PuzzleError with a one-line message for input it cannot read,
before any search starts.
"""

from __future__ import annotations

import re
import unicodedata
from fractions import Fraction
from typing import Iterable

from banana.errors import PuzzleError
from banana.solver.search import MAX_NUMBERS

MAX_TEXT_CHARS = 40  # longest number, target or range bound we read
MAX_RANGE_SIZE = 10_000  # integers one --range may tabulate

# ASCII digits only: Python's \d and int() also read ٣ (Arabic-Indic) and ３ (full-width)
_INTEGER = re.compile(r"[+-]?[0-9]+")
_FRACTION = re.compile(r"([+-]?[0-9]+)/([0-9]+)")
_DECIMAL = re.compile(r"[+-]?([0-9]+\.[0-9]*|\.[0-9]+)")
_RANGE = re.compile(r"\s*([+-]?[0-9]+)\s*\.\.\s*([+-]?[0-9]+)\s*")


def check_digits(text: str, what: str) -> None:
    """Refuse digits other than 0-9 (٣, ３, ३ ...), naming the first: they are never read
    silently as the digit they stand for."""
    for char in str(text):
        if char not in "0123456789" and (char.isdigit() or unicodedata.category(char) == "Nd"):
            name = unicodedata.name(char, "a digit")
            raise PuzzleError(
                f"{what} {str(text)[:20]!r} has {char!r} ({name.lower()}): write numbers with the digits 0-9"
            )


def parse_numbers(tokens: Iterable[str | int]) -> tuple[int, ...]:
    """``["2", "2"]`` or ``["1,3,4,6"]`` -> (2, 2) / (1, 3, 4, 6): non-negative integers."""
    numbers: list[int] = []
    for token in tokens:
        if type(token) is int:
            if token < 0:
                raise PuzzleError(f"numbers must not be negative: {token} (use the neg operator)")
            numbers.append(token)
            continue
        else:
            parts = [part for part in str(token).replace(",", " ").split() if part]
        for part in parts:
            if len(part) > MAX_TEXT_CHARS:
                raise PuzzleError(f"number too long: {part[:20]}... ({len(part)} characters)")
            check_digits(part, "number")
            if not _INTEGER.fullmatch(part):
                raise PuzzleError(f"not a number: {part!r} (numbers are whole numbers like 2 or 13)")
            value = int(part)
            if value < 0:
                raise PuzzleError(f"numbers must not be negative: {part} (use the neg operator)")
            numbers.append(value)
    if not numbers:
        raise PuzzleError("no numbers given (example: banana solve 2 2 --target 5)")
    if len(numbers) > MAX_NUMBERS:
        raise PuzzleError(f"too many numbers: {len(numbers)} (at most {MAX_NUMBERS})")
    return tuple(numbers)


def parse_target(text: str | int | Fraction) -> Fraction:
    """``"24"``, ``"-3"``, ``"7/3"`` or ``"2.5"`` -> an exact Fraction."""
    if isinstance(text, bool):
        raise PuzzleError(f"bad target {text!r}: use an integer or a fraction like 7/3")
    if isinstance(text, (int, Fraction)):
        return Fraction(text)
    raw = str(text).strip()
    if len(raw) > MAX_TEXT_CHARS:
        raise PuzzleError(f"target too long: {raw[:20]}... ({len(raw)} characters)")
    check_digits(raw, "target")
    if _INTEGER.fullmatch(raw) or _DECIMAL.fullmatch(raw):
        return Fraction(raw)
    match = _FRACTION.fullmatch(raw)
    if match:
        if int(match.group(2)) == 0:
            raise PuzzleError(f"bad target {raw!r}: division by zero")
        return Fraction(int(match.group(1)), int(match.group(2)))
    raise PuzzleError(f"bad target {raw!r}: use an integer or a fraction like 7/3")


def parse_range(text: str) -> tuple[int, int]:
    """``"0..100"`` -> (0, 100), both ends included."""
    raw = str(text)
    check_digits(raw[: 2 * MAX_TEXT_CHARS], "range")
    match = _RANGE.fullmatch(raw) if len(raw) <= 2 * MAX_TEXT_CHARS else None
    if not match:
        raise PuzzleError(f"bad range {raw!r}: write it as A..B, for example 0..100")
    start, stop = int(match.group(1)), int(match.group(2))
    if start > stop:
        raise PuzzleError(f"empty range {raw.strip()}: the start must not be larger than the end")
    if stop - start + 1 > MAX_RANGE_SIZE:
        raise PuzzleError(f"range {raw.strip()} has {stop - start + 1:,} integers (at most {MAX_RANGE_SIZE:,})")
    return start, stop


def parse_batch_line(line: str) -> tuple[tuple[int, ...], Fraction]:
    """``"1 3 4 6 -> 24"`` -> ((1, 3, 4, 6), Fraction(24))."""
    left, arrow, right = line.partition("->")
    if not arrow:
        raise PuzzleError(f"bad puzzle line {line.strip()!r}: write it as '1 3 4 6 -> 24'")
    return parse_numbers(left.split()), parse_target(right.strip())


def format_value(value) -> str:
    """An exact value as the solver prints it: "5", "-3", "7/3"."""
    return str(value)
