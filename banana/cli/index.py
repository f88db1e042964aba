"""``banana index``: bring the searchable archive up to date (``banana search`` lives
in ``search``, which imports none of this)."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape

from banana.cli import pass_library
from banana.cli._render import err_console, print_error, progress_bar
from banana.errors import LibraryError
from banana.library import Library
from banana.pipeline import index_library, update_index
from banana.search.index import IndexReport

PROGRESS_MIN_EPISODES = 10  # show a progress bar when at least this many episodes need work


def _with_progress(run):
    """Run ``run(progress=..., entry_progress=...)`` with a progress bar once the work
    turns out to be big enough: one for the episodes, one for the rows of a big
    episode. The bar starts with its first task, so a small update prints nothing."""
    progress = progress_bar(True)
    task = None
    entries_task = None

    def add_task(description: str, total: int):
        if not progress.task_ids:
            progress.start()
        return progress.add_task(description, total=total)

    def advance(done: int, total: int, slug: str) -> None:
        nonlocal task
        if total < PROGRESS_MIN_EPISODES:
            return
        if task is None:
            task = add_task("Indexing", total)
        progress.update(task, completed=done)

    def advance_entries(slug: str, done: int, total: int) -> None:
        nonlocal entries_task
        if entries_task is None:
            entries_task = add_task("", total)
        progress.update(entries_task, description=f"  {escape(slug)}", total=total,
                        completed=done, visible=done < total)

    try:
        return run(progress=advance, entry_progress=advance_entries)
    finally:
        if progress.task_ids:
            progress.stop()


def _report_set_aside(report: IndexReport) -> None:
    if report.set_aside is not None:
        err_console.print(f"The search index was damaged: moved it aside to "
                          f"{escape(str(report.set_aside))} and built a new one.", soft_wrap=True)


def _print_failures(report: IndexReport, label: str = "[red]Error:[/red]") -> None:
    for slug, message in report.failed:
        err_console.print(f"{label} {escape(slug)}: {escape(message)}", soft_wrap=True)
    for slug, why in report.unanalysed:
        err_console.print(f"Indexed without segments and glossary: {escape(why)}",
                          soft_wrap=True)


def build_for_search(root: Path) -> None:
    """What ``banana search`` runs when the library has no usable index yet (none, or
    one an upgrade emptied): build it, saying so."""
    library = Library(root)
    if not library.slugs():
        raise LibraryError(f"no episodes in {library.root} to search; "
                           f"add some with 'banana import FILE'")
    err_console.print("Building the search index first…")
    report = _with_progress(lambda **bars: update_index(library, **bars))
    _report_set_aside(report)
    _print_failures(report, "[yellow]Not searched:[/yellow]")  # `banana index` fails on these


@click.command()
@click.option("--rebuild", is_flag=True,
              help="Re-index every episode, not only new and changed ones; a damaged index "
                   "file is moved aside (index.sqlite3.corrupt-DATE) and a new one built.")
@pass_library
def index(library: Library, rebuild: bool) -> None:
    """Bring the search index up to date with the library.

    Only new and changed episodes are (re)indexed and removed ones are dropped, so
    running it again is cheap. 'banana import', 'transcribe' and 'align' keep the
    index current on their own; run this after copying or deleting episode folders
    by hand, or after an interrupted run. The index is LIBRARY/index.sqlite3.

    \b
    Examples:
      banana index
      banana --library ~/podcasts index --rebuild
    """
    done = _with_progress(lambda **bars: index_library(library, rebuild=rebuild, **bars))
    report, finished = done.report, done.finished
    if done.tidied:
        err_console.print(f"Removed {len(done.tidied)} leftover(s) of interrupted writes "
                          "(temporary files, empty episode folders).")
    _report_set_aside(report)
    _print_failures(report)
    for result in finished:
        if result.error:
            print_error(result.error)
        else:
            err_console.print(f"Finished {escape(result.slug or '')}: an interrupted "
                              "'banana process' had not written its notes and chapters yet.")
    parts = [f"{len(report.added)} added", f"{len(report.updated)} updated",
             f"{len(report.removed)} removed", f"{report.unchanged} unchanged"]
    if report.failed:
        parts.append(f"{len(report.failed)} failed")
    rows = report.by_kind
    err_console.print(f"Indexed {report.episodes} episodes ({', '.join(parts)}): "
                      f"{rows['passages']:,} passages of {rows['pieces']:,} pieces of talk, "
                      f"{rows['segment']:,} segments and {rows['glossary']:,} glossary entries "
                      f"in {escape(str(report.path))} ({report.seconds:.1f} s)", soft_wrap=True)
    if report.failed or any(r.error for r in finished):
        raise click.exceptions.Exit(1)
