"""``banana index`` and ``banana search``: the searchable archive."""

from __future__ import annotations

import click
from rich.markup import escape
from rich.text import Text

from banana.cli import pass_library
from banana.cli._render import console, err_console, print_error, print_json, progress_bar
from banana.errors import LibraryError
from banana.pipeline import index_library, update_index
from banana.search.index import (DEFAULT_LIMIT, HIGHLIGHT_CLOSE, HIGHLIGHT_OPEN, KINDS, Hit,
                          IndexReport, SearchIndex)
from banana.library import Library

PROGRESS_MIN_EPISODES = 10  # show a progress bar when at least this many episodes need work


def _with_progress(run):
    """Run ``run(progress=..., entry_progress=...)`` with a progress bar once the work
    turns out to be big enough: one for the episodes, one for the entries of a big
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
        err_console.print(f"[dim]Indexed without segments and glossary: {escape(why)}[/dim]",
                          soft_wrap=True)


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
                      f"{rows['utterance']:,} utterances, {rows['segment']:,} segments and "
                      f"{rows['glossary']:,} glossary entries in {escape(str(report.path))} "
                      f"[dim]({report.seconds:.1f} s)[/dim]", soft_wrap=True)
    if report.failed or any(r.error for r in finished):
        raise click.exceptions.Exit(1)


@click.command()
@click.argument("query", nargs=-1, required=True)
@click.option("--episode", metavar="SLUG", help="Search only this episode.")
@click.option("--speaker", metavar="NAME", help="Only what this speaker said (any part of the name, any case).")
@click.option("--in", "within", type=click.Choice(list(KINDS)), default="transcript",
              show_default=True, help="Search what was said, segment titles, or glossary entries.")
@click.option("--limit", type=click.IntRange(min=1), default=DEFAULT_LIMIT, show_default=True,
              help="Show at most this many results.")
@click.option("--json", "as_json", is_flag=True,
              help='Machine-readable: {"query", "total", "results": [...]}.')
@pass_library
def search(library: Library, query: tuple[str, ...], episode: str | None, speaker: str | None,
           within: str, limit: int, as_json: bool) -> None:
    """Find the moments in the archive where QUERY is said, best match first.

    Words are matched by stem ("explaining" finds "explained"). Use quotes for a
    phrase, a trailing * for a prefix, and AND, OR, NOT (upper case) with
    parentheses; anything malformed is searched as plain words. Each result shows
    the episode, speaker, hh:mm:ss and the matching words, plus URL#t=SECONDS when
    the episode has an audio URL.

    \b
    Examples:
      banana search federated learning
      banana search '"federated learning"' --speaker chris --limit 5
      banana search 'deep* NOT (reinforcement OR robotics)'
      banana search GAN --in glossary --json
    """
    text = " ".join(query)
    ix = SearchIndex(library)
    if not ix.exists():
        if not library.slugs():
            raise LibraryError(f"no episodes in {library.root} to search; "
                               f"add some with 'banana import FILE'")
        err_console.print("[dim]Building the search index first…[/dim]")
        report = _with_progress(lambda **bars: update_index(library, **bars))
        _report_set_aside(report)
        _print_failures(report, "[yellow]Not searched:[/yellow]")  # `banana index` fails on these
    results = ix.search(text, episode=episode, speaker=speaker, within=within, limit=limit)
    if results.note:
        err_console.print(f"[yellow]Note:[/yellow] {escape(results.note)}", soft_wrap=True)
    if as_json:
        print_json(results.to_dict())
        return
    if not results.hits:
        err_console.print(f"No matches for {escape(text)!r}.", soft_wrap=True)
        return
    for number, hit in enumerate(results.hits, 1):
        console.print(_render_hit(number, hit))
    shown = len(results.hits)
    console.print(f"[dim]{shown} of {results.total:,} matches[/dim]" if results.total > shown
                  else f"[dim]{shown} match{'es' if shown != 1 else ''}[/dim]")


def _render_hit(number: int, hit: Hit) -> Text:
    head = Text(f"{number:>2}. ", style="dim")
    head.append(hit.title, style="bold")
    head.append(f"  {hit.episode}", style="dim")
    who = hit.speaker or ("segment" if hit.kind == "segment" else "")
    head.append(f"\n    {hit.timestamp}", style="cyan")
    if who:
        head.append(f"  {who}", style="green")
    head.append("\n    ")
    head.append_text(_snippet_text(hit.snippet))
    if hit.url:
        head.append(f"\n    {hit.url}", style="blue")
    head.append("\n")
    return head


def _snippet_text(snippet: str) -> Text:
    """Matched words in bold yellow; the highlight markers come from banana.index."""
    out = Text()
    rest, marked = snippet, False
    while rest:
        marker = HIGHLIGHT_CLOSE if marked else HIGHLIGHT_OPEN
        piece, found, rest = rest.partition(marker)
        out.append(piece, style="bold yellow" if marked else None)
        if not found:
            break
        marked = not marked
    return out
