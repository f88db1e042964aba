"""``banana solve``: numbers, a target, the operators allowed -> exact, verified answers."""

from __future__ import annotations

import json

import click
from rich.table import Table
from rich.text import Text

from banana.cli._render import console, err_console, print_error, print_json, progress_bar
from banana.errors import PuzzleError
from banana.solver import DEFAULT_PRESET, OPERATORS, PRESETS, puzzle, resolve_ops, solve_batch, tabulate
from banana.solver import solve as solve_puzzle
from banana.solver.api import MAX_LIMIT
from banana.solver.ops import NUMBER_COST, describe, ordered, presets_of
from banana.solver.puzzle import MAX_RANGE_SIZE
from banana.solver.search import BOUND_RANGES, Bounds

_DEFAULTS = Bounds()
_BOUND_OPTIONS = {
    # option name -> (Bounds field, help); defaults and upper limits come from the solver
    "max_depth": ("max_unary_depth", "Unary operators stacked on one another, like √√x"),
    "max_factorial": ("max_factorial", "Largest n for n!, n!! and Γ(n+1)"),
    "max_value": ("max_magnitude", "Largest numerator/denominator of any step (1e12 works)"),
    "max_digits": ("max_digits", "Longest number joined or pointed from the puzzle's digits"),
    "max_work": ("max_work", "Steps of work (~1-3 µs each) before the search refuses (3e6 works)"),
}


def _shown(value: int) -> str:
    """3000000 as 3e6, 12 as 12."""
    digits = str(value)
    if value >= 10**6 and len(digits.rstrip("0")) == 1:
        return f"{digits[0]}e{len(digits) - 1}"
    return f"{value:,}"


def _bound_options(func):
    for name, (field, help_text) in reversed(_BOUND_OPTIONS.items()):
        default = getattr(_DEFAULTS, field)
        high = BOUND_RANGES[field][1]
        func = click.option(
            f"--{name.replace('_', '-')}", name, metavar="N",
            help=f"{help_text} [default: {_shown(default)}; at most {_shown(high)}].",
        )(func)
    return func


@click.command(context_settings={"ignore_unknown_options": True})
@click.argument("numbers", nargs=-1)
@click.option("--target", "-t", metavar="N", help="The value to reach: an integer or a fraction like 7/3.")
@click.option("--range", "span", metavar="A..B",
              help=f"Tabulate every integer from A to B instead (at most {MAX_RANGE_SIZE:,} of them).")
@click.option(
    "--batch",
    metavar="FILE",
    help="Solve one puzzle per line, written '1 3 4 6 -> 24' ('-' reads stdin).",
)
@click.option(
    "--ops",
    default="classic",
    show_default=True,
    help="Operators and presets, comma-separated; -name removes one (see --list-ops).",
)
@click.option(
    "--use",
    type=click.Choice(["all", "some"]),
    default="all",
    show_default=True,
    help="all: every number exactly once; some: each at most once (Countdown).",
)
@click.option("--integer-steps", is_flag=True, help="Every intermediate result must be a positive integer.")
@click.option("--all", "all_", is_flag=True, help="List distinct answers, simplest first, up to --limit.")
@click.option("--limit", default="5", show_default=True, metavar="N",
              help=f"How many answers --all lists (at most {MAX_LIMIT:,}).")
@click.option("--nearest", is_flag=True, help="When the target cannot be hit, show the closest values.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable JSON (JSON lines with --batch).")
@click.option("--latex", is_flag=True, help="Print answers as LaTeX.")
@click.option("--ascii", "as_ascii", is_flag=True, help="Print answers as plain text (sqrt(.2)^-2).")
@click.option("--list-ops", is_flag=True, help="List the operators, their costs and presets, and exit.")
@_bound_options
def solve(numbers, target, span, batch, ops, use, integer_steps, all_, limit, nearest, as_json,
          latex, as_ascii, list_ops, **bounds):
    """Find exact, verified expressions over NUMBERS that equal a target.

    Each number is used exactly once (--use some: at most once); answers are
    distinct and ranked simplest first by operator cost (--list-ops).

    \b
    Examples:
      banana solve 3 3 8 8 --target 24 --ops arithmetic
      banana solve 2 2 --target 5 --ops wild --all
      banana solve 4 4 4 4 --range 0..100
      banana solve 100 75 50 25 6 3 --target 952 --use some --integer-steps --ops arithmetic
      banana solve --batch hands.txt --ops arithmetic --json

    Every part of a search (tables, the last step, proofs of the answers) is
    charged to one budget, --max-work, and what it stores is bounded too: a
    query too large for them stops with "search too large" (--all then lists
    the answers found up to the cost it completed). Each bound has an upper
    limit, stated with it below.

    Exit status: 0 when the search ran, also when nothing reaches the target
    within the bounds (it says "no solution within the search bounds";
    --nearest adds the closest values); 1 for bad input, or for a search too
    large for --max-work.
    """
    if list_ops:
        _print_ops(as_json)
        return
    style = "latex" if latex else "text" if as_ascii else "unicode"
    modes = [name for name, value in (("--target", target), ("--range", span), ("--batch", batch)) if value]
    _reject_options(numbers)
    if len(modes) > 1:
        raise PuzzleError(f"use only one of {', '.join(modes)}")
    if not modes:
        raise PuzzleError("give a --target, a --range or a --batch file (example: banana solve 2 2 --target 5)")
    options = _options(ops, use, integer_steps, limit, all_, nearest, bounds)
    if batch:
        if numbers:
            raise PuzzleError("with --batch, the numbers come from the file, not the command line")
        _run_batch(batch, options, as_json, style)
        return
    parsed = puzzle.parse_numbers(numbers)
    if span:
        start, stop = puzzle.parse_range(span)
        _run_range(parsed, start, stop, options, as_json, style)
    else:
        _run_target(parsed, puzzle.parse_target(target), options, as_json, style)


# ----- option handling --------------------------------------------------------------


def _reject_options(tokens) -> None:
    """Unknown options land among the numbers (so -3 can be read); name them clearly."""
    for token in tokens:
        text = str(token)
        if text.startswith("-") and not text[1:].isdigit():
            raise PuzzleError(f"no such option: {text} (see banana solve --help)")


def _int_option(name: str, text, *, low: int = 0, high: int) -> int:
    """Read an integer option in ``low..high``, allowing 1e12 and 10**12 style powers of ten."""
    raw = str(text).strip().lower().replace("_", "")
    value = None
    if raw.isdigit() and len(raw) <= 30:
        value = int(raw)
    elif "e" in raw:
        mantissa, _, exponent = raw.partition("e")
        if mantissa.isdigit() and exponent.isdigit() and len(mantissa) <= 6 and int(exponent) <= 30:
            value = int(mantissa) * 10 ** int(exponent)
    elif "**" in raw:
        base, _, exponent = raw.partition("**")
        if base.isdigit() and exponent.isdigit() and int(exponent) <= 30 and len(base) <= 6:
            value = int(base) ** int(exponent)
    if value is None or not low <= value <= high:
        raise PuzzleError(
            f"--{name.replace('_', '-')} must be a whole number from {low} to {_shown(high)}, not {text!r}"
        )
    return value


def _options(ops, use, integer_steps, limit, all_, nearest, bounds) -> dict:
    options = {
        "ops": resolve_ops(ops),
        "use": use,
        "integer_steps": integer_steps,
        "limit": _int_option("limit", limit, low=1, high=MAX_LIMIT),
        "all_solutions": all_,
        "nearest": nearest,
    }
    for name, value in bounds.items():
        if value is not None:
            field = _BOUND_OPTIONS[name][0]
            low, high = BOUND_RANGES[field]
            options[field] = _int_option(name, value, low=low, high=high)
    return options


# ----- the three modes --------------------------------------------------------------


def _run_target(numbers, target, options, as_json, style) -> None:
    result = solve_puzzle(numbers, target, **options)
    if as_json:
        print_json(result.to_dict())
        return
    _print_result(result, style, options)


def _run_range(numbers, start, stop, options, as_json, style) -> None:
    options = {k: v for k, v in options.items() if k not in ("limit", "all_solutions", "nearest")}
    with progress_bar() as progress:
        task = progress.add_task(f"{' '.join(map(str, numbers))} → {start}..{stop}", total=None)

        def update(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        result = tabulate(numbers, start, stop, progress=update, **options)
    if as_json:
        print_json(result.to_dict())
        return

    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    table.add_column("n", justify="right")
    table.add_column("expression", overflow="fold")
    for n in range(start, stop + 1):
        found = result.found.get(n)
        if found is None:
            table.add_row(str(n), Text("unreachable", style="red"))
        else:
            table.add_row(str(n), Text(getattr(found, style)))
    console.print(table)
    total = stop - start + 1
    first = "none" if result.first_missing is None else str(result.first_missing)
    console.print(
        f"reached {len(result.found)} of {total}, missing {len(result.missing)}, first missing: {first}",
        soft_wrap=True,
    )


def _run_batch(source, options, as_json, style) -> None:
    click_echo = click.echo

    lines = _read_batch(source)
    solved = failed = total = 0
    for item in solve_batch(lines, **options):
        total += 1
        if item.error is not None:
            failed += 1
            if as_json:
                click_echo(json.dumps({"line": item.line_number, "input": item.line, "error": item.error}))
            else:
                print_error(f"line {item.line_number}: {item.error}")
            continue
        result = item.result
        solved += bool(result.solutions)
        if as_json:
            click_echo(json.dumps(result.to_dict(), ensure_ascii=False))
        elif result.solutions:
            answers = "  ".join(getattr(s, style) for s in result.solutions)
            click_echo(f"{item.line}  =  {answers}")
        else:
            nearest = ""
            if result.nearest:
                nearest = "  nearest: " + "  ".join(
                    f"{getattr(s, style)} = {s.value}" for s in result.nearest
                )
            click_echo(f"{item.line}  no solution{nearest}")
    err_console.print(f"{solved} of {total} puzzles solved" + (f", {failed} bad lines" if failed else ""))
    if failed:
        click.get_current_context().exit(1)


def _read_batch(source: str) -> list[str]:
    if source == "-":
        return click.get_text_stream("stdin").read().splitlines()
    try:
        with open(source, encoding="utf-8") as handle:
            return handle.read().splitlines()
    except OSError as exc:
        raise PuzzleError(f"cannot read batch file {source}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise PuzzleError(f"cannot read batch file {source}: not UTF-8 text") from None


# ----- rendering ----------------------------------------------------------------------


def _print_result(result, style: str, options: dict) -> None:

    numbers = " ".join(map(str, result.numbers))
    header = Text(f"{numbers} → {result.target}", style="bold")
    header.append(f"   ops: {describe(result.ops)}", style="dim")
    console.print(header, soft_wrap=True)
    if not result.solutions:
        console.print(Text("no solution within the search bounds", style="red"), soft_wrap=True)
        if result.nearest:
            console.print(Text("nearest:", style="bold"), soft_wrap=True)
            for solution in result.nearest:
                _print_solution(console, solution, style, show_value=True)
        elif options.get("nearest"):
            console.print(Text("nothing reachable", style="dim"), soft_wrap=True)
        return
    for solution in result.solutions:
        _print_solution(console, solution, style)


def _print_solution(console, solution, style: str, *, show_value: bool = False) -> None:
    line = Text("  ")
    line.append(getattr(solution, style), style="bold green" if solution.verified else "yellow")
    if show_value:
        line.append(f" = {solution.value}")
    if style != "text":
        line.append(f"    {solution.text}", style="dim")
    line.append(f"    cost {solution.cost}", style="dim")
    line.append("  ✓ verified" if solution.verified else "  unverified", style="dim")
    console.print(line, soft_wrap=True)


def _print_ops(as_json: bool) -> None:
    if as_json:
        print_json(
            {
                "operators": [op.to_dict() | {"presets": presets_of(op.name)} for op in OPERATORS.values()],
                "presets": {name: ordered(members) for name, members in PRESETS.items()},
                "default": DEFAULT_PRESET,
                "number_cost": NUMBER_COST,
            }
        )
        return

    table = Table(box=None, header_style="bold", pad_edge=False)
    for column in ("name", "kind", "cost", "in", "what it does (example)"):
        table.add_column(column, overflow="fold")
    for op in OPERATORS.values():
        marks = "".join(preset[0] for preset in presets_of(op.name))
        table.add_row(op.name, op.kind, str(op.cost), marks, f"{op.summary} ({op.example})")
    console.print(table)
    console.print("in: a = arithmetic, c = classic, w = wild", style="dim")
    for name, members in PRESETS.items():
        default = " (default)" if name == DEFAULT_PRESET else ""
        console.print(f"{name}{default}: {','.join(ordered(members))}", soft_wrap=True)
    console.print(
        f"Each number used costs {NUMBER_COST}; an answer's cost is the sum over its numbers and "
        "operators, and answers are ranked by cost.",
        soft_wrap=True,
    )
