"""The one operator table: names, kinds, costs and presets.

Everything else in the solver (search, rendering, verification, ``--list-ops``)
reads its operator facts from here. Costs define "simplest first": an answer's
cost is the sum of the costs of every number and operator it uses, and answers
are ranked by cost, then by their plain-text form.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from banana.errors import PuzzleError

NUMBER_COST = 1  # every number (tile) an answer uses; with --use some, fewer numbers is simpler


@dataclass(frozen=True)
class Operator:
    """One operator the solver may use."""

    name: str
    kind: str  # "binary", "unary" or "digits" (forms a number from the given digits)
    cost: int
    summary: str
    example: str  # plain-text example, as the solver prints it
    commutative: bool = False

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "kind": self.kind,
            "cost": self.cost,
            "summary": self.summary,
            "example": self.example,
        }


_TABLE = (
    Operator("add", "binary", 1, "x + y", "2+2", commutative=True),
    Operator("sub", "binary", 1, "x - y", "4-2"),
    Operator("mul", "binary", 1, "x × y", "2*2", commutative=True),
    Operator("div", "binary", 1, "x ÷ y", "8/(3-8/3)"),
    Operator("pow", "binary", 2, "x to the power y", "sqrt(.2)^-2"),
    Operator("root", "binary", 3, "the y-th root of x, y from the numbers", "root(8, 3)"),
    Operator("log", "binary", 3, "logarithm of x to base b", "log(8, 2)"),
    Operator("neg", "unary", 1, "negation -x", "-2"),
    Operator("sqrt", "unary", 2, "square root", "sqrt(.2)"),
    Operator("fact", "unary", 2, "factorial x!, integers 0..--max-factorial", "4!"),
    Operator("dfact", "unary", 3, "double factorial x!!", "5!!"),
    Operator("gamma", "unary", 3, "gamma function Γ(n) = (n-1)!, positive integers", "gamma(5)"),
    Operator("floor", "unary", 3, "round down", "floor(sqrt(22))"),
    Operator("ceil", "unary", 3, "round up", "ceil(sqrt(22))"),
    Operator("percent", "unary", 2, "x% = x/100", "50%"),
    Operator("concat", "digits", 1, "join numbers' digits (cost per join): 2 2 -> 22", "22"),
    Operator("decimal", "digits", 1, "decimal point: .2, 2.2, .22", ".2"),
    Operator("repeating", "digits", 2, "repeating decimal .2̄ = 2/9, written .(2) in text", ".(2)"),
)

OPERATORS: dict[str, Operator] = {op.name: op for op in _TABLE}
# x op y == y op x: the search makes one operand order, the renderer and the canonical
# form sort the operands (read once here so hot loops test a set)
COMMUTATIVE = frozenset(op.name for op in _TABLE if op.commutative)

ARITHMETIC = frozenset({"add", "sub", "mul", "div"})
# The usual four-fours rules. They include the repeating decimal (.4̄ = 4/9): without it
# 73, 77, 87, 93 and 99 have no four-fours expression even with √ and ! nested three
# deep and intermediates up to 1e20 (bench/bench_solver.py --classic-check shows it),
# and the well-known answers (73 = √√√(4^4!) + 4/.4̄, 87 = 4!×4 − 4/.4̄) use it.
PRESETS: dict[str, frozenset[str]] = {
    "arithmetic": ARITHMETIC,
    "classic": ARITHMETIC | {"pow", "sqrt", "fact", "decimal", "repeating", "concat"},
    "wild": frozenset(OPERATORS),
}
DEFAULT_PRESET = "classic"


def resolve_ops(spec: str | Iterable[str] | None = None) -> frozenset[str]:
    """Turn ``"classic,-fact"`` (names, presets, ``-name`` to remove) into operator names.

    A spec that starts with a removal starts from the default preset (``classic``);
    ``None`` or an empty spec is the default preset. Unknown names raise PuzzleError.
    """
    if spec is None:
        return PRESETS[DEFAULT_PRESET]
    items = spec.split(",") if isinstance(spec, str) else list(spec)
    items = [item.strip().lower() for item in items if item.strip()]
    if not items:
        return PRESETS[DEFAULT_PRESET]
    chosen: set[str] = set(PRESETS[DEFAULT_PRESET]) if items[0].startswith("-") else set()
    for item in items:
        remove = item.startswith("-")
        name = item.lstrip("+-").strip()
        names = _lookup(name)
        if remove:
            chosen -= names
        else:
            chosen |= names
    if not chosen:
        raise PuzzleError(f"no operators left after {','.join(items)!r}")
    return frozenset(chosen)


def _lookup(name: str) -> frozenset[str]:
    if name in PRESETS:
        return PRESETS[name]
    if name in OPERATORS:
        return frozenset({name})
    known = ", ".join(OPERATORS)
    presets = ", ".join(PRESETS)
    raise PuzzleError(f"unknown operator {name!r} (operators: {known}; presets: {presets})")


def ordered(ops: Iterable[str]) -> list[str]:
    """Operator names in table order (stable output for JSON and listings)."""
    wanted = set(ops)
    return [name for name in OPERATORS if name in wanted]


def describe(ops: Iterable[str]) -> str:
    """A preset's name when ``ops`` is exactly a preset, else the names in table order."""
    wanted = frozenset(ops)
    for preset, members in PRESETS.items():
        if members == wanted:
            return preset
    return ",".join(ordered(wanted))


def presets_of(name: str) -> list[str]:
    """The presets an operator belongs to."""
    return [preset for preset, members in PRESETS.items() if name in members]
