"""Expression-search solver: numbers, a target, the operators allowed -> exact, verified answers.

    >>> from banana.solver import solve, resolve_ops
    >>> solve([3, 3, 8, 8], 24, ops=resolve_ops("arithmetic")).solutions[0].text
    '8/(3-8/3)'
    >>> solve([1, 9, 8, 4], 100, ordered=True).solutions[0].text  # the digits in order
    '(1+9)^(8/4)'

Modules: ``ops`` (the operator table, costs and presets), ``literals`` (22, .2, .2̄),
``search`` (dynamic programming over sub-multisets, in cost layers), ``lastlevel``
(the whole multiset, keeping only what can reach a goal), ``landing`` (operators
inverted to find the pairs that land on a kept value), ``verify`` (exact proof of
every printed answer: rationals, surds, sympy for the rest), ``render`` (text,
Unicode, LaTeX, the canonical form of "the same answer to a person", the step-by-step
working), ``puzzle`` (parsing), ``api`` (solve, tabulate, solve_batch; ranking, counts,
difficulty, suggestions), ``expressions`` (one expression at a time, for callers
outside a search: build, value, render, compare, parse the text format).
"""

from banana.solver.api import (
    BatchItem,
    RangeResult,
    Solution,
    SolveResult,
    Suggestion,
    solve,
    solve_batch,
    tabulate,
)
from banana.solver import expressions
from banana.solver.ops import DEFAULT_PRESET, OPERATORS, PRESETS, Operator, resolve_ops
from banana.solver.search import STEPS, Bounds, SearchTooLarge, TableCache

__all__ = [
    "BatchItem",
    "Bounds",
    "DEFAULT_PRESET",
    "OPERATORS",
    "Operator",
    "PRESETS",
    "RangeResult",
    "STEPS",
    "SearchTooLarge",
    "Solution",
    "SolveResult",
    "Suggestion",
    "TableCache",
    "expressions",
    "resolve_ops",
    "solve",
    "solve_batch",
    "tabulate",
]
