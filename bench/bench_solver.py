"""Benchmark for ``banana solve`` against a straightforward exact baseline, in one run.

    python bench/bench_solver.py            # the full run (about a minute)
    python bench/bench_solver.py --quick    # a sample of the 24-game hands, fewer repeats
    python bench/bench_solver.py --classic-check   # also: four fours with classic minus
                                                    # the repeating decimal (slow, minutes)

Also timed: targets nothing reaches (1 1 1 -> -11 classic, 3 numbers -> 7/13 wild), where
the search must exhaust its bounds and answer "no solution" (with the nearest values);
and queries at the largest bounds, or too large for the work budget, each in a fresh
process with its peak memory (max RSS), against ``banana solve --list-ops`` (start-up and
imports) as the baseline: each must end in seconds, with an answer or "search too large".

The baseline is the textbook solver: pick two numbers, combine them with + - * / over
``fractions.Fraction`` (both orders), recurse on the shorter list, stop at the first
answer. It is exact but enumerates every ordering and bracketing again and again.

Timings are wall-clock and CPU seconds (this machine is shared: CPU time is the fairer
figure when other jobs run). "cold" runs start a fresh ``python -m banana`` process, so
they include Python start-up and imports (with compiled bytecode cached, as for an
installed package); "warm" runs call the library in this process after one untimed
warm-up. Every figure is the best of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from banana.solver import solve, solve_batch, tabulate  # noqa: E402

COUNTDOWN = ([100, 75, 50, 25, 6, 3], 952)
# targets no expression reaches within the default bounds (checked by the run)
UNREACHABLE = [
    ([1, 1, 1], -11, "classic", False),
    ([7, 7, 7], 1000, "classic", True),
    ([1, 1, 1], "7/13", "wild", True),
    ([9, 4, 5], "7/13", "wild", True),
]
# queries at the largest bounds (--max-depth 8, --limit 1000), or too large for the
# default budget; each once ran for minutes or took gigabytes, or had a test assert its time
BOUNDED = [
    "9 9 --target 5 --ops wild --max-depth 8",
    "4 --range 0..50 --ops wild --max-depth 8",
    "4 4 4 4 --target 7 --ops wild --all --limit 1000",
    "9 9 9 9 9 9 9 9 9 9 9 9 --target 100 --ops wild",
    "1 2 3 4 5 6 7 8 9 10 11 12 --target 1000 --ops arithmetic --use some",
    "1 2 3 4 5 6 7 8 9 10 11 12 --target 7919 --ops wild --use some --all --limit 1000",
    "9 9 9 --target 1 --ops pow,div --all",
    "4 --target 24 --ops fact,sqrt --max-depth 4 --max-factorial 20",
    "1 2 3 --range -10000..-1 --ops wild --max-depth 8",
    "9 4 5 --target 7/13 --ops wild --all --nearest --max-depth 8 --max-value 1e30",
]
PYCACHE = os.path.join(tempfile.gettempdir(), "banana-bench-pycache")
HANDS = list(itertools.combinations_with_replacement(range(1, 14), 4))


# ----- the baseline ------------------------------------------------------------------------


def baseline_first(items: list[tuple[Fraction, str]], target: Fraction, *, some=False, integer=False):
    """First expression equal to ``target`` by recursive pairwise combination, or None."""
    if some:
        for value, text in items:
            if value == target:
                return text
    if len(items) == 1:
        return items[0][1] if items[0][0] == target else None
    for i, j in itertools.combinations(range(len(items)), 2):
        (a, ta), (b, tb) = items[i], items[j]
        rest = [items[k] for k in range(len(items)) if k != i and k != j]
        candidates = [(a + b, f"({ta}+{tb})"), (a - b, f"({ta}-{tb})"), (b - a, f"({tb}-{ta})"),
                      (a * b, f"({ta}*{tb})")]
        if b:
            candidates.append((a / b, f"({ta}/{tb})"))
        if a:
            candidates.append((b / a, f"({tb}/{ta})"))
        for value, text in candidates:
            if integer and (value.denominator != 1 or value <= 0):
                continue
            found = baseline_first(rest + [(value, text)], target, some=some, integer=integer)
            if found:
                return found
    return None


def baseline_values(items: list[Fraction]) -> set[Fraction]:
    """Every value of every + - * / expression using all of ``items`` (for a range)."""
    if len(items) == 1:
        return {items[0]}
    out: set[Fraction] = set()
    for i, j in itertools.combinations(range(len(items)), 2):
        a, b = items[i], items[j]
        rest = [items[k] for k in range(len(items)) if k != i and k != j]
        for value in {a + b, a - b, b - a, a * b} | ({a / b} if b else set()) | ({b / a} if a else set()):
            out |= baseline_values(rest + [value])
    return out


# ----- timing helpers -----------------------------------------------------------------------


def timed(func, repeat: int):
    """(result, best wall seconds, best CPU seconds) of ``repeat`` calls in this process."""
    best_wall = best_cpu = float("inf")
    result = None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = func()
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    return result, best_wall, best_cpu


def timed_cli(args: list[str], repeat: int, stdin: str | None = None):
    """(stdout, best wall, best CPU) of a fresh ``python -m banana`` process."""
    best_wall = best_cpu = float("inf")
    out = ""
    env = dict(os.environ, BANANA_LIBRARY=tempfile.mkdtemp(prefix="bench-solver-"),
               PYTHONPYCACHEPREFIX=PYCACHE)
    # compiled bytecode is cached (outside the tree), as for any installed package; this
    # environment sets PYTHONDONTWRITEBYTECODE, which would recompile every module per run
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run([sys.executable, "-m", "banana", "solve", "--list-ops"], capture_output=True,
                   cwd=REPO, env=env, check=False)
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        wall = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "banana", *args], input=stdin, capture_output=True,
                              text=True, cwd=REPO, env=env, check=False)
        elapsed = time.perf_counter() - wall
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if proc.returncode not in (0,):
            raise SystemExit(f"banana {' '.join(args)} failed: {proc.stderr.strip()}")
        best_wall = min(best_wall, elapsed)
        best_cpu = min(best_cpu, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
        out = proc.stdout
    return out, best_wall, best_cpu


# runs one command and reports its own figures: a process forked from this (large)
# benchmark would count this process's memory in its peak RSS, a small launcher's does not
_LAUNCHER = """
import json, os, sys, time
wall = time.perf_counter()
pid = os.posix_spawn(sys.argv[1], sys.argv[1:], os.environ)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - wall
figures = [os.waitstatus_to_exitcode(status), wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss]
print(json.dumps(figures), file=sys.stderr)
"""


def measured_cli(args: list[str]):
    """(return code, stdout, stderr, wall, CPU, max RSS in MB) of one fresh ``python -m
    banana`` process."""
    env = dict(os.environ, BANANA_LIBRARY=tempfile.mkdtemp(prefix="bench-solver-"),
               PYTHONPYCACHEPREFIX=PYCACHE)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    proc = subprocess.run([sys.executable, "-c", _LAUNCHER, sys.executable, "-m", "banana", *args],
                          capture_output=True, text=True, cwd=REPO, env=env, stdin=subprocess.DEVNULL,
                          check=False)
    *lines, figures = proc.stderr.rstrip("\n").split("\n")
    code, wall, cpu, rss_kb = json.loads(figures)
    return code, proc.stdout, "\n".join(lines), wall, cpu, rss_kb / 1024  # Linux: kilobytes


def row(name: str, wall: float, cpu: float, note: str = "") -> dict:
    print(f"  {name:<52} {wall:8.3f} s wall {cpu:8.3f} s CPU  {note}", flush=True)
    return {"name": name, "wall_s": round(wall, 4), "cpu_s": round(cpu, 4), "note": note}


# ----- the benchmark ------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a sample of hands, one repeat")
    parser.add_argument("--repeat", type=int, default=None, help="runs per figure (best is kept)")
    parser.add_argument("--classic-check", action="store_true",
                        help="show that classic without the repeating decimal misses 73, 77, 87, 93, 99")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    repeat = args.repeat or (1 if args.quick else 3)
    hands = HANDS[::7] if args.quick else HANDS
    rows: list[dict] = []
    print(f"banana solve benchmark ({len(hands)} hands, best of {repeat}, {os.cpu_count()} CPUs)")

    # 1. the 24-game hands: baseline vs --batch
    print("24 game, + - * /, one verified answer per hand:")
    lines = "".join(" ".join(map(str, hand)) + " -> 24\n" for hand in hands)

    def run_baseline():
        return sum(
            1 for hand in hands
            if baseline_first([(Fraction(n), str(n)) for n in hand], Fraction(24))
        )

    base_count, base_wall, base_cpu = timed(run_baseline, 1 if args.quick else min(repeat, 2))
    rows.append(row("baseline (recursive pairs over Fraction)", base_wall, base_cpu, f"{base_count} solvable"))
    out, cli_wall, cli_cpu = timed_cli(["solve", "--batch", "-", "--ops", "arithmetic", "--json"], repeat, lines)
    results = [json.loads(line) for line in out.splitlines()]
    cli_count = sum(1 for r in results if r["solutions"])
    assert all(s["verified"] for r in results for s in r["solutions"])
    rows.append(row("banana solve --batch (fresh process, cold)", cli_wall, cli_cpu,
                    f"{cli_count} solvable; {base_wall / cli_wall:.1f}x wall, {base_cpu / cli_cpu:.1f}x CPU"))
    batch = [f"{' '.join(map(str, hand))} -> 24" for hand in hands]
    items, lib_wall, lib_cpu = timed(lambda: list(solve_batch(batch, ops="arithmetic")), repeat)
    lib_count = sum(1 for item in items if item.result.solved)
    rows.append(row("solve_batch in this process (warm)", lib_wall, lib_cpu,
                    f"{lib_count} solvable; {base_wall / lib_wall:.1f}x wall, {base_cpu / lib_cpu:.1f}x CPU"))
    assert base_count == cli_count == lib_count, (base_count, cli_count, lib_count)

    # 2. four fours
    print("Four fours, every integer 0..100:")
    reached, b_wall, b_cpu = timed(
        lambda: {int(v) for v in baseline_values([Fraction(4)] * 4) if v.denominator == 1 and 0 <= v <= 100},
        1,
    )
    first_missing = min(set(range(101)) - reached)
    rows.append(row("baseline arithmetic (all values, Fraction)", b_wall, b_cpu, f"first missing {first_missing}"))
    tabulate([4, 4, 4, 4], 0, 100, ops="arithmetic")  # warm-up (imports numpy)
    arith, a_wall, a_cpu = timed(lambda: tabulate([4, 4, 4, 4], 0, 100, ops="arithmetic"), repeat)
    rows.append(row("tabulate arithmetic (warm)", a_wall, a_cpu, f"first missing {arith.first_missing}"))
    assert arith.first_missing == first_missing == 10
    tabulate([4, 4, 4, 4], 0, 100, ops="classic")  # warm-up (imports numpy and sympy)
    classic, c_wall, c_cpu = timed(lambda: tabulate([4, 4, 4, 4], 0, 100, ops="classic"), repeat)
    rows.append(row("tabulate classic (warm)", c_wall, c_cpu,
                    f"missing {list(classic.missing)}; target < 0.5 s"))
    out, cc_wall, cc_cpu = timed_cli(["solve", "4", "4", "4", "4", "--range", "0..100", "--json"], repeat)
    rows.append(row("banana solve --range 0..100 classic (cold)", cc_wall, cc_cpu,
                    f"missing {json.loads(out)['missing']}"))

    # 3. two twos make five
    print("Two twos make five, wild, --all:")
    solve([2, 2], 5, ops="wild", all_solutions=True)  # warm-up
    twos, t_wall, t_cpu = timed(lambda: solve([2, 2], 5, ops="wild", all_solutions=True), repeat)
    rows.append(row("solve 2 2 -> 5 wild --all (warm)", t_wall, t_cpu, "  ".join(s.unicode for s in twos.solutions)))
    out, tc_wall, tc_cpu = timed_cli(["solve", "2", "2", "--target", "5", "--ops", "wild", "--all", "--json"], repeat)
    rows.append(row("banana solve 2 2 --target 5 --ops wild --all (cold)", tc_wall, tc_cpu))

    # 4. Countdown
    print("Countdown 100 75 50 25 6 3 -> 952, --use some --integer-steps:")
    tiles, target = COUNTDOWN
    found, cb_wall, cb_cpu = timed(
        lambda: baseline_first([(Fraction(n), str(n)) for n in tiles], Fraction(target), some=True, integer=True),
        1,
    )
    rows.append(row("baseline (recursive pairs, first answer)", cb_wall, cb_cpu, found or "none"))
    options = dict(ops="arithmetic", use="some", integer_steps=True)
    solve(tiles, target, **options)
    countdown, cd_wall, cd_cpu = timed(lambda: solve(tiles, target, **options), repeat)
    rows.append(row("solve (warm)", cd_wall, cd_cpu,
                    f"{countdown.solutions[0].text}; {cb_wall / cd_wall:.1f}x wall; target < 1 s"))
    out, cdc_wall, cdc_cpu = timed_cli(
        ["solve", *map(str, tiles), "--target", str(target), "--use", "some", "--integer-steps",
         "--ops", "arithmetic", "--json"], repeat)
    rows.append(row("banana solve ... (cold)", cdc_wall, cdc_cpu, json.loads(out)["solutions"][0]["text"]))

    # 5. targets nothing reaches: the search must exhaust its bounds and say so
    print("Unreachable targets (complete search: no solution within the bounds):")
    for numbers, target, ops, nearest in UNREACHABLE:
        def run_unreachable():
            return solve(numbers, target, ops=ops, all_solutions=True, nearest=nearest)

        run_unreachable()  # warm-up
        result, u_wall, u_cpu = timed(run_unreachable, repeat)
        assert not result.solved, (numbers, target, ops)
        verdict = "no solution" + (
            "; nearest " + ", ".join(f"{s.text} = {s.value}" for s in result.nearest) if result.nearest else "")
        flag = " --nearest" if nearest else ""
        rows.append(row(f"{' '.join(map(str, numbers))} -> {target} {ops} --all{flag} (warm)", u_wall, u_cpu,
                        f"{verdict}; work {result.work:,}"))

    # 6. the largest bounds and queries too large: ended by the budget, memory bounded
    print("Bounded queries (fresh process each; peak memory; baseline: start-up, --list-ops):")
    code, _, _, s_wall, s_cpu, s_rss = measured_cli(["solve", "--list-ops"])
    assert code == 0
    rows.append(row("banana solve --list-ops (start-up and imports)", s_wall, s_cpu, f"max RSS {s_rss:.0f} MB"))
    for query in BOUNDED:
        code, out, err, q_wall, q_cpu, q_rss = measured_cli(["solve", *query.split()])
        if code == 0:
            verdict = (out.strip().splitlines() or ["(nothing)"])[-1].strip()
        else:
            verdict = err.strip().splitlines()[-1][:60]
            assert "search too large" in verdict, verdict
        assert q_rss < 500, (query, q_rss)  # MB
        rows.append(row(query, q_wall, q_cpu,
                        f"max RSS {q_rss:.0f} MB; {q_cpu / s_cpu:.1f}x start-up CPU; {verdict[:70]}"))

    if args.classic_check:
        print("Four fours with classic minus the repeating decimal, generous bounds (slow):")
        check, k_wall, k_cpu = timed(
            lambda: tabulate([4, 4, 4, 4], 0, 100, ops="classic,-repeating", max_unary_depth=3,
                             max_factorial=20, max_magnitude=10**20, max_work=10**8, max_entries=10**7),
            1,
        )
        rows.append(row("classic,-repeating depth 3, 20!, 1e20", k_wall, k_cpu, f"missing {list(check.missing)}"))

    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
