"""Numbers said in words: "twenty-four", "three point three", "point two repeating",
"three fours", "twice"; and the word, number and symbol tokens the puzzle readers use."""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Sequence

_UNITS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen".split())}
_UNITS["oh"] = 0
_TENS = {w: 10 * i for i, w in enumerate(
    "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()) if w != "_"}
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
_PLURALS = {"ones": 1, "twos": 2, "threes": 3, "fours": 4, "fives": 5, "sixes": 6, "sevens": 7,
            "eights": 8, "nines": 9, "tens": 10, "elevens": 11, "twelves": 12}
_MULTIPLICITY = {"once": 1, "twice": 2, "thrice": 3}

_GLUED = re.compile(r"\b(twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
                    r"(one|two|three|four|five|six|seven|eight|nine)\b")
_TOKEN = re.compile(r"\d+(?:\.\d+)?(?:s\b)?|\.\d+|[a-z]+|[!√^+*/×÷=()%,.?;:-]")


def tokens(text: str) -> list[str]:
    """Lower-case word, number and symbol tokens; "twenty-four" → twenty, four."""
    text = re.sub(r"['’](?=[a-z])", "", text.lower())
    text = re.sub(r"(?<=[a-z])[-‐–](?=[a-z])", " ", text)
    text = re.sub(r"(?<=\d)[-‐–](?=\d)", " to ", text)  # "8-10 years" is a range, not 8 - 10
    text = _GLUED.sub(r"\1 \2", text)  # "twentyfour" (punctuation stripped) → "twenty four"
    return _TOKEN.findall(text)


@dataclass(frozen=True)
class _Num:
    value: Fraction
    text: str  # as the solver writes it: "3", ".3", "3.3", "120"
    end: int  # index after the last token used


def _integer_words(toks: Sequence[str], i: int) -> tuple[int, int] | None:
    """An integer spelled in words or digits at toks[i]: (value, next index)."""
    if i >= len(toks):
        return None
    if toks[i].isdigit():
        return int(toks[i]), i + 1
    total, current, last, j = 0, 0, None, i
    if toks[i] == "a" and i + 1 < len(toks) and toks[i + 1] in _SCALES:
        current, last, j = 1, "unit", i + 1
    while j < len(toks):
        w = toks[j]
        if w in _UNITS and w != "oh":
            if last == "unit" or (last == "ten" and (_UNITS[w] >= 10 or _UNITS[w] == 0)):
                break
            current += _UNITS[w]
            last = "unit"
        elif w in _TENS:
            if last in ("unit", "ten"):
                break
            current += _TENS[w]
            last = "ten"
        elif w == "hundred" and last in ("unit", "ten"):
            current *= 100
            last = "hundred"
        elif w in _SCALES and w != "hundred" and last in ("unit", "ten", "hundred"):
            total += current * _SCALES[w]
            current, last = 0, "scale"
        elif w == "and" and last in ("hundred", "scale") and j + 1 < len(toks) \
                and (toks[j + 1] in _UNITS or toks[j + 1] in _TENS):
            pass  # a hundred and twenty
        else:
            break
        j += 1
    if last is None:
        return None
    return total + current, j


def _number(toks: Sequence[str], i: int) -> _Num | None:
    """A number at toks[i]: words ("three point three", "point three", "a hundred and
    twenty") or digits ("3.3", ".3")."""
    if i >= len(toks):
        return None
    tok = toks[i]
    if re.fullmatch(r"\d+\.\d+|\.\d+", tok):
        return _Num(Fraction(tok), tok.lstrip("0") if tok.startswith("0.") else tok, i + 1)
    if tok == "point" and i + 1 < len(toks):
        digits, j = _digit_words(toks, i + 1)
        if digits:
            return _Num(Fraction(int(digits), 10 ** len(digits)), "." + digits, j)
        return None
    whole = _integer_words(toks, i)
    if whole is None:
        return None
    value, j = whole
    if j < len(toks) and toks[j] == "point":
        digits, k = _digit_words(toks, j + 1)
        if digits:
            return _Num(value + Fraction(int(digits), 10 ** len(digits)), f"{value}.{digits}", k)
    return _Num(Fraction(value), str(value), j)


def _digit_words(toks: Sequence[str], i: int) -> tuple[str, int]:
    digits = ""
    while i < len(toks):
        if toks[i] in _UNITS and _UNITS[toks[i]] < 10:
            digits += str(_UNITS[toks[i]])
        elif toks[i].isdigit() and len(toks[i]) == 1:
            digits += toks[i]
        else:
            break
        i += 1
    return digits, i

