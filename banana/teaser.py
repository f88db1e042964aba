"""The brain teaser: from the host's words to a solver query, and the announced answer.

``parse_puzzle`` reads a puzzle statement ("write an equation where the answer comes
out to five but you could only use the number two twice ... parentheses, exponents,
factorials, decimals, square roots, anything") into a plain ``TeaserQuery``: numbers
[2, 2], target 5 and the operators named, widened to the solver's ``wild`` preset
when the host allows "anything". Solving is a separate step (``solve_query``), so
parsing needs no solver.

``parse_spoken_answer`` reads the arithmetic a later episode announces ("three plus
point three, in parentheses, and then you divide by point three") into an expression
(``(3+.3)/.3``), checks it uses the puzzle's numbers and hits the target, and
``compare_answer`` says whether the solver's answers include it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Iterable, Sequence

from banana.errors import PuzzleError
from banana.segment import cue_pattern, normalise, split_sentences

SCHEMA = 1
DEFAULT_LIMIT = 5  # best verified answers shown
STATEMENT_MAX_SENTENCES = 6
SNAP = 1e-9  # relative tolerance when an irrational step is involved
MAX_FACTORIAL = 170

# --- numbers in words --------------------------------------------------------------------

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


# --- the puzzle ----------------------------------------------------------------------------

@dataclass(frozen=True)
class TeaserQuery:
    """A puzzle as the solver reads it. ``ops`` holds operator and preset names as
    ``banana.solver.resolve_ops`` reads them (``"wild"`` when the host allows anything)."""

    statement: str
    numbers: tuple[int, ...]
    target: int | Fraction
    ops: tuple[str, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "numbers", tuple(self.numbers))
        object.__setattr__(self, "ops", tuple(self.ops))

    @property
    def spec(self) -> str:
        return ",".join(self.ops)

    def to_dict(self) -> dict[str, Any]:
        target = self.target
        return {
            "statement": self.statement,
            "numbers": list(self.numbers),
            "target": int(target) if Fraction(target).denominator == 1 else str(target),
            "ops": list(self.ops),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TeaserQuery:
        try:
            target = Fraction(str(data["target"]))
            return cls(statement=str(data.get("statement", "")),
                       numbers=tuple(int(n) for n in data["numbers"]),
                       target=int(target) if target.denominator == 1 else target,
                       ops=tuple(str(o) for o in data.get("ops", ())))
        except (KeyError, TypeError, ValueError) as exc:
            raise PuzzleError(f"bad teaser query: {exc}") from None


# spoken operator words → solver operator names (order: longer phrases first)
_OP_WORDS: list[tuple[re.Pattern[str], tuple[str, ...]]] = [(re.compile(p), ops) for p, ops in [
    (r"\bdouble factorials?\b", ("dfact",)),
    (r"\bfactorials?\b", ("fact",)),
    (r"\brepeating decimals?|recurring decimals?|repeating\b", ("repeating",)),
    (r"\bdecimals?(?: points?)?\b", ("decimal",)),
    (r"\bsquare roots?\b", ("sqrt",)),
    (r"\b(?:cube|cubic|nth|n th|fourth) roots?\b", ("root",)),
    (r"\bexponents?\b|\bexponentiation\b|\bpowers?\b|\bsquared\b|\bcubed\b", ("pow",)),
    (r"\blog(?:arithm)?s?\b", ("log",)),
    (r"\bconcatenat\w*|\bput(?:ting)? (?:them|the \w+) (?:together|next to each other|side by side)"
     r"|\bstick(?:ing)? them together|\bjoin(?:ing)? (?:them|the digits)", ("concat",)),
    (r"\bpercent(?:age)?s?\b", ("percent",)),
    (r"\bfloor\b", ("floor",)),
    (r"\bceiling\b", ("ceil",)),
    (r"\bgamma\b", ("gamma",)),
    (r"\bnegative|negation\b", ("neg",)),
    (r"\b(?:usual|basic|regular|normal|standard) (?:arithmetic|operations|math)|"
     r"\bfour (?:basic )?operations\b|\barithmetic\b", ("arithmetic",)),
    (r"\bplus\b(?! the\b| a\b| any\b| all\b)|\baddition\b|\badd(?:ing)?\b", ("add",)),
    (r"\bminus\b|\bsubtract\w*", ("sub",)),
    (r"\bmultipl\w*|\btimes sign|\bproducts?\b", ("mul",)),
    (r"\bdivi(?:de|ded|sion|ding)\b|\bfractions?\b", ("div",)),
]]
_WIDEN = re.compile(
    r"\bany (?:kind of |sort of |type of )?(?:math |mathematical |maths )?"
    r"(?:symbol|operation|operator|function|notation)s?\b|\b(?:use|do) (?:\w+ )?(?:anything|whatever)\b")
WIDEN_NEAR_TOKENS = 6  # "anything" widens when said this close to the operators listed
_RESTRICT = re.compile(r"\bonly (?:use |using )?(?:plus|addition|minus|subtraction|times|"
                       r"multiplication|division|the four|basic)|(?:plus|minus|times|divided by|"
                       r"addition|subtraction|multiplication|division) only\b")

# where the numbers and the target are said (on tokens joined by spaces)
_TARGET_CUES = re.compile(
    r"\b(?:answer (?:comes out to|comes to|is|should be|has to be|must be|equals|of)|"
    r"comes? out to|equals?(?: to)?|equal to|to make|make|makes|making|get|gets|reach|"
    r"total(?:s|ing)?|results? in|target(?: is)?|gives? you|evaluates? to)"
    r"(?: (?:the number|exactly|a total of))? $")


def _numbers_phrases(toks: Sequence[str]) -> list[tuple[int, int, list[int]]]:
    """(start, end, numbers) for every "the number N ... twice", "three fours",
    "the numbers 1, 2, 3 and 4" in a token list."""
    out = []
    i = 0
    while i < len(toks):
        tok = toks[i]
        # "three fours", "two 5s"
        count = _integer_words(toks, i)
        if count and count[1] < len(toks) and 1 <= count[0] <= 10:
            plural = toks[count[1]]
            base = _PLURALS.get(plural)
            if base is None and re.fullmatch(r"\d+s", plural):
                base = int(plural[:-1])
            if base is not None:
                out.append((i, count[1] + 1, [base] * count[0]))
                i = count[1] + 1
                continue
        if tok in ("number", "numbers", "digit", "digits") and i + 1 < len(toks):
            j = i + 1
            values: list[int] = []
            while j < len(toks):
                n = _integer_words(toks, j)
                if n is None:
                    break
                values.append(n[0])
                j = n[1]
                if j < len(toks) and toks[j] in (",", "and") and _integer_words(toks, j + 1):
                    j += 1
                    continue
                break
            if values:
                times, end = _multiplicity(toks, j)
                if len(values) == 1 and times:
                    out.append((i, end, values * times))
                    i = end
                    continue
                if len(values) >= 2 and tok in ("numbers", "digits"):
                    out.append((i, j, values))
                    i = j
                    continue
                out.append((i, j, values))  # "the number two" with no count yet
                i = j
                continue
        i += 1
    return out


def _multiplicity(toks: Sequence[str], j: int) -> tuple[int, int]:
    """A count ("twice", "exactly three times") starting within two tokens of j."""
    for k in range(j, min(j + 3, len(toks))):
        if toks[k] in _MULTIPLICITY:
            return _MULTIPLICITY[toks[k]], k + 1
        n = _integer_words(toks, k)
        if n and n[1] < len(toks) and toks[n[1]] == "times" and 1 <= n[0] <= 10:
            return n[0], n[1] + 1
        if toks[k] not in ("exactly", "only", "just", "precisely", "and", "it", "them"):
            break
    return 0, j


def _numbers(toks: Sequence[str]) -> tuple[list[int] | None, set[int]]:
    """The puzzle's numbers and the token positions they were read from."""
    phrases = _numbers_phrases(toks)
    counted = [p for p in phrases if len(p[2]) >= 2]
    if counted:
        start, end, values = counted[0]
        return values, set(range(start, end))
    # "use the number two ... only twice" said apart: a count anywhere after it
    for start, end, values in phrases:
        for k in range(end, len(toks)):
            if toks[k] in _MULTIPLICITY:
                return values * _MULTIPLICITY[toks[k]], set(range(start, end)) | {k}
    return None, set()


def _target(toks: Sequence[str], used: set[int]) -> int | Fraction | None:
    """The number after a target cue ("comes out to", "make the number") nearest to
    where the numbers were said ("you get two weeks" further off is not the target)."""
    where = min(used) if used else 0
    best = None
    for i in range(len(toks)):
        if i in used:
            continue
        head = " ".join(toks[max(i - 6, 0):i]) + " "
        if not _TARGET_CUES.search(head):
            continue
        n = _number(toks, i)
        if n is not None and not (set(range(i, n.end)) & used):
            distance = abs(i - where) if i < where else abs(i - (max(used) if used else i))
            if best is None or distance < best[0]:
                best = (distance, int(n.value) if n.value.denominator == 1 else n.value)
    return best[1] if best else None


def puzzle_ops(text: str) -> tuple[str, ...]:
    """Operator (and preset) names for the operators a host allows in ``text``."""
    lowered = " " + " ".join(tokens(text)) + " "
    named: set[str] = set()
    for pattern, ops in _OP_WORDS:
        if pattern.search(lowered):
            named.update(ops)
    toks = lowered.split()
    for k, tok in enumerate(toks):  # "times" as ×, not "three times" (a count)
        if tok == "times" and (k == 0 or _integer_words(toks, k - 1) is None) \
                and (k == 0 or toks[k - 1] not in _MULTIPLICITY):
            named.add("mul")
    if _WIDEN.search(lowered) or _anything_near_ops(toks):
        return tuple(sorted(named - {"arithmetic"})) + ("wild",)
    if _RESTRICT.search(lowered) and named:
        return tuple(sorted(named))
    return tuple(sorted(named - {"arithmetic"})) + ("arithmetic",)


def _anything_near_ops(toks: Sequence[str]) -> bool:
    """"... decimals, square roots, anything": an "anything" ending a list of operators."""
    for k, tok in enumerate(toks):
        if tok in ("anything", "whatever"):
            near = " " + " ".join(toks[max(k - WIDEN_NEAR_TOKENS, 0):k]) + " "
            if any(p.search(near) for p, _ in _OP_WORDS):
                return True
    return False


def _mentions_puzzle(sentence: str) -> bool:
    toks = tokens(sentence)
    joined = " ".join(toks)
    return bool(_numbers_phrases(toks)) or any(
        _TARGET_CUES.search(" ".join(toks[max(i - 6, 0):i]) + " ") and _number(toks, i)
        for i in range(len(toks))) or bool(_WIDEN.search(joined)) or _anything_near_ops(toks) \
        or any(p.search(" " + joined + " ") for p, _ in _OP_WORDS[:9])


def parse_puzzle(text: str | Sequence[str]) -> TeaserQuery | None:
    """The puzzle stated in ``text``, or in a sequence of texts (one per speaker's run
    of turns: the statement stays within one), or None when there is none."""
    turns = [text] if isinstance(text, str) else list(text)
    sentences: list[tuple[int, str]] = [(t, s) for t, turn in enumerate(turns)
                                        for s in split_sentences(turn)]
    marks = [_mentions_puzzle(s) for _, s in sentences]
    i = 0
    while i < len(sentences):
        if not marks[i]:
            i += 1
            continue
        window = [i]
        j = i + 1
        while j < len(sentences) and len(window) < STATEMENT_MAX_SENTENCES:
            if sentences[j][0] != sentences[i][0]:
                break  # the statement is one speaker's
            if marks[j]:
                window.append(j)
            elif j + 1 < len(sentences) and marks[j + 1] and sentences[j + 1][0] == sentences[j][0]:
                pass  # one sentence of the same turn without a mark inside the statement
            else:
                break
            j += 1
        window = list(range(window[0], window[-1] + 1))
        query = _query([sentences[k][1] for k in window])
        if query is None and window[0] > 0 and sentences[window[0] - 1][0] == sentences[window[0]][0]:
            # a cue cut off by the sentence before ("...the answer comes out" / "to five")
            query = _query([sentences[k][1] for k in [window[0] - 1] + window])
        if query is not None:
            return query
        i = window[-1] + 1
    return None


def _query(sentences: list[str]) -> TeaserQuery | None:
    statement = " ".join(sentences)
    toks = tokens(statement)
    numbers, used = _numbers(toks)
    if not numbers:
        return None
    target = _target(toks, used)
    if target is None:
        return None
    return TeaserQuery(statement=statement, numbers=tuple(numbers), target=target,
                       ops=puzzle_ops(statement))


# --- spoken arithmetic -----------------------------------------------------------------------

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


# --- solving and comparing -------------------------------------------------------------------

@dataclass(frozen=True)
class AnnouncedAnswer:
    """An answer a later episode announced, and how it compares with the solver's."""

    episode: str
    said: str
    expression: str
    value: str
    correct: bool  # uses the puzzle's numbers and hits the target
    match: str | None  # "form": a solver answer has the same form; "value": same value only
    solution: str | None  # the solver answer it matches

    def to_dict(self) -> dict[str, Any]:
        return {"episode": self.episode, "said": self.said, "expression": self.expression,
                "value": self.value, "correct": self.correct, "match": self.match,
                "solution": self.solution}


def _value_text(value) -> str:
    if isinstance(value, Fraction):
        return str(value.numerator) if value.denominator == 1 else str(value)
    return repr(float(value))


def compare_answer(answers: SpokenAnswer | Sequence[SpokenAnswer], query: TeaserQuery,
                   solutions: Iterable[Any], *, episode: str) -> AnnouncedAnswer:
    """Compare what a later episode announced with the solver's answers. ``answers`` are
    the expressions said (a host may say one answer two ways: "three plus point three,
    in parentheses, divided by point three" and "three point three over point three");
    the one the solver also found ("form") wins, else the first that answers the puzzle
    ("value" when a solver answer reaches the same target with the same numbers)."""
    said = [answers] if isinstance(answers, SpokenAnswer) else list(answers)
    if not said:
        raise ValueError("no announced expression to compare")
    parsed = []
    for sol in solutions:
        try:
            parsed.append((sol, parse_expression(sol.text).canonical()))
        except PuzzleError:
            continue
    correct = [a for a in said if answers_puzzle(a.expression, query)]
    for answer in correct + [a for a in said if a not in correct]:
        form = answer.expression.canonical()
        for sol, canonical in parsed:
            if canonical == form:
                return _announced(answer, query, episode, "form", sol.text)
    best = correct[0] if correct else said[0]
    if correct and parsed:
        return _announced(best, query, episode, "value", parsed[0][0].text)
    return _announced(best, query, episode, None, None)


def _announced(answer: SpokenAnswer, query: TeaserQuery, episode: str, match: str | None,
               solution: str | None) -> AnnouncedAnswer:
    try:
        value_text = _value_text(answer.expression.value())
    except (ZeroDivisionError, ValueError, OverflowError):
        value_text = "undefined"
    return AnnouncedAnswer(episode=episode, said=answer.said, expression=answer.text,
                           value=value_text, correct=answers_puzzle(answer.expression, query),
                           match=match, solution=solution)


def find_announced(library: Any, slug: str, query: TeaserQuery, solutions: Sequence[Any], *,
                   transcript: Any = None, profile: Any = None) -> AnnouncedAnswer | None:
    """The answer to ``slug``'s puzzle as a later episode of the library (natural slug
    order, same show) announces it in its teaser-answer segment. An episode whose
    answer segment restates a different puzzle is passed over."""
    from banana.analysis import analyse, answered_puzzle, profile_for, segment_turns

    slugs = library.slugs()
    if slug not in slugs:
        return None
    for later in slugs[slugs.index(slug) + 1:]:
        episode = library.load(later)
        if transcript is not None and transcript.show and episode.show \
                and transcript.show != episode.show:
            continue
        found = profile_for(library.root, episode, path=profile)
        cues = [c for spec in found.segments if spec.answers for c in spec.cues]
        text = normalise(episode.text)
        if not any(cue_pattern(c).search(text) for c in cues):
            continue  # cheap check before analysing the whole episode
        result = analyse(episode, profile=found, episode=later)
        segs = result.of_kind("teaser-answer")
        if not segs:
            continue
        restated = answered_puzzle(episode, segs)
        if restated is not None and (sorted(restated.numbers) != sorted(query.numbers)
                                     or not equal_values(Fraction(restated.target), query.target)):
            continue
        said = spoken_expressions(" ".join(t for seg in segs for t in segment_turns(episode, seg)))
        if said:
            return compare_answer(said, query, solutions, episode=later)
    return None


def _sol_value(sol: Any):
    value = getattr(sol, "value", None)
    if isinstance(value, (int, Fraction)):
        return Fraction(value)
    try:
        return Fraction(str(value))
    except (TypeError, ValueError):
        try:
            return float(value)
        except (TypeError, ValueError):
            return math.nan


def resolved_ops(query: TeaserQuery) -> list[str]:
    """The query's operators with presets expanded, in the solver's table order."""
    from banana.solver import resolve_ops
    from banana.solver.ops import ordered

    return ordered(resolve_ops(query.spec))


def solve_query(query: TeaserQuery, *, limit: int = DEFAULT_LIMIT) -> list[Any]:
    """The solver's best verified answers to the puzzle (``Solution`` objects).

    A widened query ("anything") is solved with the operators the host named plus
    the classic preset first, and with every operator only when that finds nothing:
    the named operators give the answers a listener expects, and the full set is
    much slower for three or more numbers."""
    from banana.solver import resolve_ops, solve

    stages = [query.spec]
    if "wild" in query.ops:
        named = [o for o in query.ops if o != "wild"]
        stages = [",".join(named + ["classic"]), query.spec]
    for spec in stages:
        result = solve(list(query.numbers), query.target, ops=resolve_ops(spec), use="all",
                       all_solutions=True, limit=max(limit, 1))
        verified = [s for s in result.solutions if s.verified]
        if verified:
            return verified[:limit]
    return []
