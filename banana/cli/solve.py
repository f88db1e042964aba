"""``banana solve``: numbers, a target, the operators allowed -> exact, verified answers."""

from __future__ import annotations

import json
import re

import click
from rich.table import Table
from rich.text import Text

from banana.cli._render import console, err_console, print_error, print_json, progress_bar
from banana.errors import PuzzleError
from banana.solver import DEFAULT_PRESET, OPERATORS, PRESETS, puzzle, resolve_ops, solve_batch, tabulate
from banana.solver import solve as solve_puzzle
from banana.solver.api import MAX_LIMIT
from banana.solver.ops import NUMBER_COST, describe, ordered, presets_of
from banana.solver.puzzle import MAX_RANGE_SIZE, check_digits
from banana.solver.search import BOUND_RANGES, STEPS, Bounds

_DEFAULTS = Bounds()
_BOUND_OPTIONS = {
    # option name -> (Bounds field, help); defaults and upper limits come from the solver
    "max_depth": ("max_unary_depth", "Unary operators stacked on one another, like √√x (⌊⌋ ⌈⌉ not counted)"),
    "max_factorial": ("max_factorial", "Largest n for n!, n!! and Γ(n+1)"),
    "max_value": ("max_magnitude", "Largest numerator/denominator of any step (1e12 works)"),
    "max_digits": ("max_digits", "Longest number joined or pointed from the puzzle's digits"),
    "max_work": ("max_work", "Steps of work (~1-3 µs each) before the search refuses (3e6 works)"),
}
# counting the distinct answers of a plain --target query may add at most this much
# work (~0.2-0.6 s); --all and --explain count with the whole budget
COUNT_WORK = 200_000
_POWER = re.compile(r"([0-9]+)(?:e([0-9]+)|\*\*([0-9]+))?")


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
@click.option("--fewest", is_flag=True, help="Use as few of the numbers as possible (each at most once).")
@click.option("--steps", type=click.Choice(STEPS), default=None,
              help="What every step may be: any number (default), an integer, an integer >= 0 "
                   "(Krypto), or >= 1 (Countdown).")
@click.option("--integer-steps", is_flag=True, help="Every step a positive integer: --steps positive.")
@click.option("--ordered", is_flag=True,
              help="Use the numbers in the order given, joining only neighbours (1 9 8 4 -> 19, 98, 84).")
@click.option("--all", "all_", is_flag=True, help="List distinct answers, simplest first, up to --limit.")
@click.option("--limit", default="5", show_default=True, metavar="N",
              help=f"How many answers --all lists (at most {MAX_LIMIT:,}).")
@click.option("--nearest", is_flag=True, help="When the target cannot be hit, show the closest values.")
@click.option("--explain", is_flag=True, help="Show each answer's working, step by step, and its cost.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable JSON (JSON lines with --batch).")
@click.option("--markdown", is_flag=True, help="Print a Markdown list (a table with --range).")
@click.option("--latex", is_flag=True, help="Print answers as LaTeX.")
@click.option("--ascii", "as_ascii", is_flag=True, help="Print answers as plain text (sqrt(.2)^-2).")
@click.option("--list-ops", is_flag=True, help="List the operators, their costs and presets, and exit.")
@_bound_options
def solve(numbers, target, span, batch, ops, use, fewest, steps, integer_steps, ordered, all_, limit,
          nearest, explain, as_json, markdown, latex, as_ascii, list_ops, **bounds):
    """Find exact, verified expressions over NUMBERS that equal a target.

    Each number is used exactly once (--use some: at most once); answers are
    distinct to a person (order, signs, ×1 or Γ(2) standing for 1 do not make a
    new answer) and ranked simplest first: by cost (--list-ops), then fewest
    symbols, then fewest operators. Every answer printed is proved exactly.

    \b
    Examples:
      banana solve 3 3 8 8 --target 24 --ops arithmetic
      banana solve 2 2 --target 5                 (points to --ops wild)
      banana solve 2 2 --target 5 --ops wild --all --explain
      banana solve 4 4 4 4 --range 0..100 --markdown
      banana solve 1 9 8 4 --range 0..100 --ordered
      banana solve 100 75 50 25 6 3 --target 952 --use some --steps positive --ops arithmetic
      banana solve 24 24 16 22 25 --target 25 --steps nonnegative --ops arithmetic
      banana solve --batch hands.txt --ops arithmetic --json

    When the chosen operators reach nothing, the wider presets are tried and
    the first that has an answer is shown. A plain --target query also counts
    the distinct answers and rates the puzzle (easy, medium, hard, fiendish).

    Every part of a search (tables, the last step, proofs of the answers) is
    charged to one budget, --max-work, and what it stores is bounded too: a
    query too large for them stops with "search too large" (--all then lists
    the answers found up to the cost it completed; a --range shows what it
    reached). Each bound has an upper limit, stated with it below.

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
    formats = [name for name, on in (("--json", as_json), ("--markdown", markdown)) if on]
    if len(formats) > 1:
        raise PuzzleError("use only one of --json, --markdown")
    if fewest:
        if use == "some":
            raise PuzzleError("--fewest already lets numbers go unused: leave out --use some")
        use = "fewest"
    if integer_steps and steps not in (None, "positive"):
        raise PuzzleError(f"--integer-steps means --steps positive: it cannot go with --steps {steps}")
    options = _options(ops, use, steps or ("positive" if integer_steps else "any"), ordered, limit, all_,
                       nearest, explain, bounds)
    output = "json" if as_json else "markdown" if markdown else "text"
    if batch:
        if numbers:
            raise PuzzleError("with --batch, the numbers come from the file, not the command line")
        _run_batch(batch, options, output, style)
        return
    parsed = puzzle.parse_numbers(numbers)
    if span:
        start, stop = puzzle.parse_range(span)
        _run_range(parsed, start, stop, options, output, style)
    else:
        _run_target(parsed, puzzle.parse_target(target), options, output, style)


# ----- option handling --------------------------------------------------------------


def _reject_options(tokens) -> None:
    """Unknown options land among the numbers (so -3 can be read); name them clearly."""
    for token in tokens:
        text = str(token)
        if text.startswith("-") and not text[1:].isdigit():
            raise PuzzleError(f"no such option: {text} (see banana solve --help)")


def _int_option(name: str, text, *, low: int = 0, high: int) -> int:
    """Read an integer option in ``low..high``, allowing 1e12 and 10**12 style powers of ten."""
    option = f"--{name.replace('_', '-')}"
    raw = str(text).strip().lower().replace("_", "")
    check_digits(raw, f"{option} value")
    match = _POWER.fullmatch(raw) if len(raw) <= 40 else None
    if match is None:
        raise PuzzleError(f"{option} must be a whole number from {low} to {_shown(high)}, not {text!r}")
    base, exponent, power = match.groups()
    if exponent is not None:
        size = len(base.lstrip("0") or "0") + int(exponent)
        value = int(base) * 10 ** int(exponent) if size <= 40 else None
    elif power is not None:
        size = len(base.lstrip("0") or "0") * int(power)
        value = int(base) ** int(power) if size <= 40 * max(1, len(base)) and int(power) <= 200 else None
    else:
        value = int(base)
    if value is None or value > high:
        raise PuzzleError(f"{option} must be at most {_shown(high)}, not {text}")
    if value < low:
        raise PuzzleError(f"{option} must be at least {low}, not {text}")
    return value


def _options(ops, use, steps, ordered_, limit, all_, nearest, explain, bounds) -> dict:
    options = {
        "ops": resolve_ops(ops),
        "use": use,
        "steps": steps,
        "ordered": ordered_,
        "limit": _int_option("limit", limit, low=1, high=MAX_LIMIT),
        "all_solutions": all_,
        "nearest": nearest,
        "explain": explain,
    }
    for name, value in bounds.items():
        if value is not None:
            field = _BOUND_OPTIONS[name][0]
            low, high = BOUND_RANGES[field]
            options[field] = _int_option(name, value, low=low, high=high)
    return options


# ----- the three modes --------------------------------------------------------------


def _run_target(numbers, target, options, output, style) -> None:
    fan = options["all_solutions"] or options["explain"]
    result = solve_puzzle(numbers, target, count=True, count_work=None if fan else COUNT_WORK,
                          suggest=True, **options)
    if output == "json":
        print_json(result.to_dict())
    elif output == "markdown":
        _markdown_result(result, style)
    else:
        _print_result(result, style, options)


def _run_range(numbers, start, stop, options, output, style) -> None:
    options = {k: v for k, v in options.items() if k not in ("limit", "all_solutions")}
    bar: dict = {}  # started at the first report, after the library checked the query

    def update(done: int, total: int) -> None:
        if not bar:
            bar["progress"] = progress = progress_bar()
            progress.start()
            bar["task"] = progress.add_task(f"{' '.join(map(str, numbers))} → {start}..{stop}", total=total)
        bar["progress"].update(bar["task"], completed=done, total=total)

    try:
        result = tabulate(numbers, start, stop, progress=update, **options)
    finally:
        if bar:
            bar["progress"].stop()
    if output == "json":
        print_json(result.to_dict())
        return
    if output == "markdown":
        _markdown_range(result, style)
        return
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    table.add_column("n", justify="right")
    table.add_column("answer", overflow="fold")
    for n in range(start, stop + 1):
        found = result.found.get(n)
        if found is not None:
            table.add_row(str(n), Text(getattr(found, style)))
            if options["explain"]:
                for line in found.working:
                    table.add_row("", Text(f"  {line}", style="dim"))
            continue
        missing = Text("missing", style="red")
        near = result.nearest.get(n)
        if near is not None:
            missing.append(f"   nearest: {getattr(near, style)} = {_value(near)}", style="dim")
        table.add_row(str(n), missing)
    console.print(table)
    console.print(_range_summary(result), soft_wrap=True)


def _range_summary(result) -> str:
    total = result.stop - result.start + 1
    text = f"reached {len(result.found)} of {total}, missing {len(result.missing)}"
    if result.missing:
        text += f", first missing: {result.first_missing}"
        if not result.complete:
            text += (f" (the budget ran out: no answer costs {result.searched_to} or less; "
                     "raise --max-work to search further)")
    return text


def _run_batch(source, options, output, style) -> None:
    click_echo = click.echo

    lines = _read_batch(source)
    solved = failed = total = 0
    for item in solve_batch(lines, **options):
        total += 1
        if item.error is not None:
            failed += 1
            if output == "json":
                click_echo(json.dumps({"line": item.line_number, "input": item.line, "error": item.error}))
            else:
                print_error(f"line {item.line_number}: {item.error}")
            continue
        result = item.result
        solved += bool(result.solutions)
        if output == "json":
            click_echo(json.dumps(result.to_dict(), ensure_ascii=False))
        elif result.solutions:
            answers = "  ".join(getattr(s, style) for s in result.solutions)
            prefix = "- " if output == "markdown" else ""
            click_echo(f"{prefix}{item.line}  =  {_code(answers, output)}")
        else:
            nearest = ""
            if result.nearest:
                nearest = "  nearest: " + "  ".join(f"{getattr(s, style)} = {_value(s)}" for s in result.nearest)
            click_echo(f"{'- ' if output == 'markdown' else ''}{item.line}  no solution{nearest}")
    err_console.print(f"{solved} of {total} puzzles solved" + (f", {failed} bad lines" if failed else ""))
    if failed:
        click.get_current_context().exit(1)


def _code(text: str, output: str) -> str:
    return f"`{text}`" if output == "markdown" else text


def _read_batch(source: str) -> list[str]:
    if source == "-":
        with click.open_file("-", encoding="utf-8") as handle:
            return handle.read().splitlines()
    try:
        with open(source, encoding="utf-8") as handle:
            return handle.read().splitlines()
    except OSError as exc:
        raise PuzzleError(f"cannot read batch file {source}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise PuzzleError(f"cannot read batch file {source}: not UTF-8 text") from None


# ----- rendering ----------------------------------------------------------------------


def _value(solution) -> str:
    """An answer's value as a fan reads it: 26, 7/3 ≈ 2.333, 2*sqrt(6) ≈ 4.899."""
    if not solution.approx or solution.approx == solution.value:
        return solution.value
    return f"{solution.value} ≈ {solution.approx}"


def _rules(result) -> str:
    parts = [f"ops: {describe(result.ops)}"]
    if result.use != "all":
        parts.append(f"use: {result.use}")
    if result.steps != "any":
        parts.append(f"steps: {result.steps}")
    if result.ordered:
        parts.append("in order")
    return ", ".join(parts)


def _verdict(result) -> str:
    """1 distinct answer · difficulty: hard (and whether every answer was counted)."""
    if result.count is None:
        return ""
    many = "answer" if result.count == 1 else "answers"
    counted = f"{result.count} distinct {many}" if result.complete else f"at least {result.count} distinct {many}"
    text = f"{counted} within the bounds"
    if result.difficulty:
        text += f" · difficulty: {result.difficulty}"
    return text


def _print_result(result, style: str, options: dict) -> None:
    numbers = " ".join(map(str, result.numbers))
    header = Text(f"{numbers} → {result.target}", style="bold")
    header.append(f"   {_rules(result)}", style="dim")
    console.print(header, soft_wrap=True)
    explain = options.get("explain")
    if not result.solutions:
        console.print(Text("no solution within the search bounds", style="red"), soft_wrap=True)
        if result.nearest:
            console.print(Text("nearest:", style="bold"), soft_wrap=True)
            for solution in result.nearest:
                _print_solution(solution, style, explain, value=True)
        elif options.get("nearest"):
            console.print(Text("nothing reachable", style="dim"), soft_wrap=True)
        if result.suggestion is not None:
            wider = result.suggestion
            console.print(Text(f"with --ops {wider.ops}:", style="bold"), soft_wrap=True)
            for solution in wider.solutions:
                _print_solution(solution, style, explain)
        return
    for solution in result.solutions:
        _print_solution(solution, style, explain)
    verdict = _verdict(result)
    if verdict:
        console.print(Text(verdict, style="dim"), soft_wrap=True)


def _print_solution(solution, style: str, explain: bool, *, value: bool = False) -> None:
    line = Text("  ")
    line.append(getattr(solution, style), style="bold green")
    if value:
        line.append(f" = {_value(solution)}")
    if explain:
        line.append(f"    cost {solution.cost}", style="dim")
    console.print(line, soft_wrap=True)
    for step in solution.working if explain else ():
        console.print(Text(f"      {step}", style="dim"), soft_wrap=True)


def _markdown_result(result, style: str) -> None:
    numbers = " ".join(map(str, result.numbers))
    lines = [f"**{numbers} → {result.target}** ({_rules(result)})", ""]
    shown = result.solutions or (result.suggestion.solutions if result.suggestion else ())
    if not result.solutions:
        lines.append("No solution within the search bounds" + (
            f"; with `--ops {result.suggestion.ops}`:" if result.suggestion else "."))
        lines.append("")
    for solution in shown:
        lines.append(f"- `{getattr(solution, style)}`")
        lines += [f"  - {step}" for step in solution.working]
    for solution in result.nearest or ():
        lines.append(f"- nearest: `{getattr(solution, style)}` = {_value(solution)}")
    verdict = _verdict(result)
    if verdict:
        lines += ["", verdict]
    click.echo("\n".join(lines))


def _markdown_range(result, style: str) -> None:
    numbers = " ".join(map(str, result.numbers))
    lines = [f"**{numbers} → {result.start}..{result.stop}** ({_rules(result)})", "",
             "| n | answer |", "|---:|---|"]
    for n in range(result.start, result.stop + 1):
        found = result.found.get(n)
        if found is not None:
            cell = f"`{_cell(getattr(found, style))}`"
        else:
            near = result.nearest.get(n)
            cell = "missing" + (f" (nearest `{_cell(getattr(near, style))}` = {_value(near)})" if near else "")
        lines.append(f"| {n} | {cell} |")
    lines += ["", _range_summary(result)]
    click.echo("\n".join(lines))


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


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
        "operators. Answers are ranked by cost, then by the fewest symbols, then by the fewest "
        "operators.",
        soft_wrap=True,
    )
