"""``banana process`` on the bundled samples, against ``banana import`` of the same files.

Both run as fresh processes (what a user types) in the same invocation, into fresh
temporary libraries; the second ``process`` run shows the cost of an idempotent re-run.

    python bench/bench_process.py [--quick] [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SAMPLES = sorted((REPO / "episodes" / "samples").glob("*.txt"))


def run(args: list[str], library: Path) -> float:
    env = dict(os.environ, BANANA_LIBRARY=str(library))
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "banana", *args], cwd=REPO, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="one repetition")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    repeat = 1 if args.quick else args.repeat
    imports, firsts, seconds = [], [], []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
            imports.append(run(["import", *map(str, SAMPLES)], Path(a)))
            firsts.append(run(["process"], Path(b)))
            seconds.append(run(["process"], Path(b)))
    imp, first, second = (statistics.median(x) for x in (imports, firsts, seconds))
    print(f"{len(SAMPLES)} sample episodes, median of {repeat} run(s), each a new process:")
    print(f"  banana import (baseline)   {imp:6.2f} s")
    print(f"  banana process, first run  {first:6.2f} s  ({first / imp:.1f}x import)")
    print(f"  banana process, again      {second:6.2f} s  ({second / imp:.1f}x import)")
    print(f"  target: process under 5 s -> {'met' if first < 5 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
