"""The brain teaser's statement: from the host's words to a solver query.

``parse_puzzle`` reads a puzzle statement ("write an equation where the answer comes
out to five but you could only use the number two twice ... parentheses, exponents,
factorials, decimals, square roots, anything") into a plain ``TeaserQuery``: numbers
[2, 2], target 5 and the operators named, widened to the solver's ``wild`` preset
when the host allows "anything". ``solve_query`` asks the solver for its verified
answers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Sequence

from banana.analysis.numbers import (_MULTIPLICITY, _PLURALS, _integer_words, _number, tokens)
from banana.analysis.opwords import named_ops, names_a_cue, names_an_op
from banana.analysis.words import split_sentences
from banana.errors import PuzzleError
from banana.solver import Solution, resolve_ops, solve
from banana.solver.ops import ordered

SCHEMA = 1
DEFAULT_LIMIT = 5  # best verified answers shown
STATEMENT_MAX_SENTENCES = 6

@dataclass(frozen=True)
class TeaserQuery:
    """A puzzle as the solver reads it. ``ops`` holds operator and preset names as
    ``banana.solver.resolve_ops`` reads them (``"wild"`` when the host allows anything)."""

    statement: str
    numbers: tuple[int, ...]
    target: int | Fraction
    ops: tuple[str, ...]
    ordered: bool = False  # the numbers must be used in the order given ("in that order")

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
            "ordered": self.ordered,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TeaserQuery:
        try:
            target = Fraction(str(data["target"]))
            return cls(statement=str(data.get("statement", "")),
                       numbers=tuple(int(n) for n in data["numbers"]),
                       target=int(target) if target.denominator == 1 else target,
                       ops=tuple(str(o) for o in data.get("ops", ())),
                       ordered=bool(data.get("ordered", False)))
        except (KeyError, TypeError, ValueError) as exc:
            raise PuzzleError(f"bad teaser query: {exc}") from None


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
    r"(?:get|gets|getting) to|end up (?:with|at)|come up with|arrive at|land on|hit|reaches|"
    r"total(?:s|ing)?|results? in|target(?: is)?|gives? you|evaluates? to)"
    r"(?: (?:the number|exactly|a total of))? $")


# words after which a list of the puzzle's numbers is said ("the numbers 1, 2, 3 and 4",
# "make 24 from 3, 3, 8 and 8", "using 1 9 8 4")
_LIST_OPENERS = ("number", "numbers", "digit", "digits", "from", "using", "with")
_COUNTS = ("times", "twice", "once", "thrice")  # "two three times" is a count, not two numbers
# "in that order", "in the given order": the numbers must be used in the order said
_IN_ORDER = re.compile(r"\bin (?:that|this|the (?:same|given)|exactly that|the) order\b|"
                       r"\bin order\b|\bkeep(?:ing)? (?:them|the (?:digits|numbers)) in order\b")


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
        if tok in _LIST_OPENERS and i + 1 < len(toks):
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
                following = _integer_words(toks, j) if j < len(toks) else None
                if following and not (following[1] < len(toks) and toks[following[1]] in _COUNTS):
                    continue  # "1 9 8 4", "two three and five": numbers said one after another
                break
            if tok in ("from", "using", "with") and len(values) < 2:
                i += 1
                continue  # "from" opens a list only of two numbers or more
            if values:
                times, end = _multiplicity(toks, j)
                if len(values) == 1 and times:
                    out.append((i, end, values * times))
                    i = end
                    continue
                if len(values) >= 2 and tok in ("numbers", "digits", "from", "using", "with"):
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
    named = named_ops(lowered)
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
            if names_an_op(near):
                return True
    return False


def _mentions_puzzle(sentence: str) -> bool:
    toks = tokens(sentence)
    joined = " ".join(toks)
    return bool(_numbers_phrases(toks)) or any(
        _TARGET_CUES.search(" ".join(toks[max(i - 6, 0):i]) + " ") and _number(toks, i)
        for i in range(len(toks))) or bool(_WIDEN.search(joined)) or _anything_near_ops(toks) \
        or names_a_cue(" " + joined + " ")


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
                       ops=puzzle_ops(statement), ordered=bool(_IN_ORDER.search(" ".join(toks))))



def resolved_ops(query: TeaserQuery) -> list[str]:
    """The query's operators with presets expanded, in the solver's table order."""
    return ordered(resolve_ops(query.spec))


def solve_query(query: TeaserQuery, *, limit: int = DEFAULT_LIMIT) -> list[Solution]:
    """The solver's best verified answers to the puzzle (``Solution`` objects).

    A widened query ("anything") is solved with the operators the host named plus
    the classic preset first, and with every operator only when that finds nothing:
    the named operators give the answers a listener expects, and the full set is
    much slower for three or more numbers. A puzzle "in that order" keeps the numbers
    in the order given (concatenation only between neighbours), so every answer
    obeys the puzzle's own rule."""
    stages = [query.spec]
    if "wild" in query.ops:
        named = [o for o in query.ops if o != "wild"]
        stages = [",".join(named + ["classic"]), query.spec]
    for spec in stages:
        result = solve(list(query.numbers), query.target, ops=resolve_ops(spec), use="all",
                       all_solutions=True, limit=max(limit, 1), ordered=query.ordered)
        verified = [s for s in result.solutions if s.verified]
        if verified:
            return verified[:limit]
    return []
