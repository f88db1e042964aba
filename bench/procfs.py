"""Processes as Linux's /proc shows them: what a server started, and whether it still runs.
Used by ``bench_web.py`` (the CPU of a server and its processes) and by the tests (nothing
left behind when a server stops)."""

from __future__ import annotations

from pathlib import Path


def descendants(pid: int) -> list[int]:
    """The processes ``pid`` started (from any of its threads: a process pool starts its
    processes from the thread that first asks it), and theirs."""
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return out + [d for c in out for d in descendants(c)]


def alive(pid: int) -> bool:
    """Running, not a zombie waiting to be reaped."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
