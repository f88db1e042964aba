"""``banana segments``, ``glossary`` and ``teaser``: an episode's structure, terms and puzzle."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from banana.cli import pass_library
from banana.cli._render import console, err_console, print_error, print_json, progress_bar
from banana.errors import BananaError, PuzzleError
from banana.analysis.puzzle import resolved_ops, solve_query
from banana.analysis.topics import METHODS
from banana.library import Library
from banana.publish.teasers import answer_announced_later
from banana.transcript import format_timestamp

MENTIONS_SHOWN = 30  # mentions listed in the text output (JSON has them all)
PROGRESS_MIN_EPISODES = 10  # show a progress bar from this many episodes up

_profile_option = click.option(
    "--profile", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
    help="Show profile (TOML) naming the show's segments and cue phrases "
         "[default: <library>/<show>/show.toml, else the built-in one].")


def _span(start: float, end: float) -> str:
    return f"{format_timestamp(start)}–{format_timestamp(end)}"


@click.command()
@click.argument("episode")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--method", type=click.Choice(list(METHODS)), default=None,
              help="How the discussion is split into topics [default: the show profile's "
                   "[topics] method, else dcm].")
@_profile_option
@pass_library
def segments(library: Library, episode: str, as_json: bool, method: str,
             profile: Path | None) -> None:
    """Show an episode's structure: intro, topics with titles, the show's named
    segments (explainer, brain teaser, ...) and the sign-off, with times and turns.

    EPISODE is a slug in the library or a path to any transcript file. Turns are
    the transcript's 0-based utterance indexes.

    \b
    Examples:
      banana segments s03e01-deepfakes-and-data-upskilling
      banana segments episode.txt --json
      banana segments practical-ai-16.md --profile practical-ai.toml
    """
    _, name, transcript, result = library.analysed(episode, profile=profile, method=method)
    if as_json:
        print_json({"segments": [s.to_dict() for s in result.segments]})
        return
    mark = "~" if transcript.estimated else ""
    console.print(f"[bold]{escape(transcript.title or name)}[/bold]"
                  + (" [dim](times estimated)[/dim]" if mark else ""))
    table = Table("kind", "title", "time", "turns")
    for s in result.segments:
        title = s.title + (f": {s.term}" if s.term else "")
        table.add_row(s.kind, escape(title), mark + _span(s.start, s.end),
                      f"{s.first_turn}–{s.last_turn}")
    console.print(table)


@click.command()
@click.argument("episodes", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--mentions", "mentions_shown", type=click.IntRange(min=0), default=MENTIONS_SHOWN,
              show_default=True, help="How many mentioned terms to list (JSON lists all).")
@_profile_option
@pass_library
def glossary(library: Library, episodes: tuple[str, ...], as_json: bool, mentions_shown: int,
             profile: Path | None) -> None:
    """List the terms the hosts explained ("In English Please"), in their own words,
    with the episodes that explained them; then the tools, methods and companies
    mentioned, with where each was first said.

    EPISODES are slugs in the library or transcript files [default: every episode
    in the library].

    \b
    Examples:
      banana glossary
      banana glossary s03e01-deepfakes-and-data-upskilling --json
      banana glossary episode-1.txt episode-2.txt --mentions 10
    """
    names = list(episodes) or library.slugs()
    entries, mentions, failures = [], [], 0
    with progress_bar(len(names) >= PROGRESS_MIN_EPISODES) as progress:
        task = progress.add_task("Analysing", total=len(names))
        for episode in names:
            try:
                result = (library.analysis(episode, profile=profile) if episode in library
                          else library.analysed(episode, profile=profile)[3])
            except BananaError as exc:  # one damaged episode does not hide the others
                failures += 1
                print_error(str(exc))
                progress.advance(task)
                continue
            entries.extend(result.glossary)
            mentions.extend(result.mentions)
            progress.advance(task)
    _show_glossary(library, names, entries, mentions, as_json=as_json, mentions_shown=mentions_shown)
    if failures:
        raise click.exceptions.Exit(1)


def _show_glossary(library: Library, names: list[str], entries: list, mentions: list, *,
                   as_json: bool, mentions_shown: int) -> None:
    if as_json:
        print_json({"entries": [e.to_dict() for e in entries],
                    "mentions": [m.to_dict() for m in mentions]})
        return
    if not names:
        err_console.print(f"No episodes in {escape(str(library.root))}. Try 'banana import FILE' or 'banana process'.")
        return
    by_term: dict[str, list] = defaultdict(list)
    for e in entries:
        by_term[e.term.lower()].append(e)
    if by_term:
        table = Table("term", "explanation", "explained in", title="Glossary", title_justify="left")
        for key in sorted(by_term):
            found = by_term[key]
            where = "\n".join(f"{e.episode} {format_timestamp(e.start)}"
                              + (f" ({e.speaker})" if e.speaker else "") for e in found)
            table.add_row(escape(found[0].term), escape(found[0].explanation or "—"), escape(where))
        console.print(table)
    else:
        console.print("No explained terms found.")
    if mentions and mentions_shown:
        grouped: dict[str, list] = defaultdict(list)
        for m in mentions:
            grouped[m.term.lower()].append(m)
        ranked = sorted(grouped.values(), key=lambda ms: (-len(ms), -sum(m.count for m in ms),
                                                          ms[0].term.lower()))
        table = Table("term", "episodes", "first said", title="Mentioned", title_justify="left")
        for ms in ranked[:mentions_shown]:
            first = ms[0]
            table.add_row(escape(first.term), str(len(ms)),
                          escape(f"{first.episode} {format_timestamp(first.start)}"))
        console.print(table)
        if len(ranked) > mentions_shown:
            console.print(f"[dim]… and {len(ranked) - mentions_shown} more (--mentions N, or --json)[/dim]")


@click.command()
@click.argument("episode")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (null when there is no teaser).")
@click.option("--limit", type=click.IntRange(min=1, max=100), default=5, show_default=True,
              help="How many verified answers to show.")
@_profile_option
@pass_library
def teaser(library: Library, episode: str, as_json: bool, limit: int, profile: Path | None) -> None:
    """Find the brain teaser in an episode, turn it into a solver query and solve it.

    Prints the host's statement, the query (numbers, target, operators; "anything"
    widens to every operator) and the best verified answers. When a later episode
    in the library announces the answer, shows it and says whether the solver's
    answers include it.

    EPISODE is a slug in the library or a path to any transcript file.

    \b
    Examples:
      banana teaser s03e01-deepfakes-and-data-upskilling
      banana teaser episode.txt --json --limit 3
    """
    slug, name, transcript, result = library.analysed(episode, profile=profile)
    query = result.teaser
    if query is None:
        if as_json:
            print_json(None)
        else:
            console.print("No brain teaser in this episode.")
        return
    error = None
    try:
        solutions = solve_query(query, limit=limit)
    except PuzzleError as exc:
        solutions, error = [], str(exc)
    announced = None
    if slug is not None:
        announced = answer_announced_later(library, slug, query, solutions, profile=profile)
    if as_json:
        data = query.to_dict()
        data["ops_resolved"] = resolved_ops(query)
        data["solutions"] = [s.to_dict() for s in solutions]
        data["announced_answer"] = announced.to_dict() if announced else None
        if error:
            data["error"] = error
        print_json(data)
    else:
        console.print(f"[bold]Brain teaser[/bold] ({escape(name)})")
        console.print(f"  “{escape(query.statement)}”")
        numbers = " ".join(str(n) for n in query.numbers)
        console.print(f"[bold]Query[/bold]  numbers {numbers} → target {query.target}, "
                      f"operators {escape(', '.join(query.ops))}")
        console.print(f"  [dim]banana solve {numbers} --target {query.target} --ops {query.spec}[/dim]")
        if solutions:
            console.print("[bold]Verified answers[/bold] (simplest first)")
            for s in solutions:
                console.print(f"  {escape(s.unicode)}    [dim]{escape(s.text)}[/dim]")
        elif not error:
            console.print("The solver found no answer within its bounds.")
        if announced:
            verdict = {"form": "the solver's answers include it",
                       "value": f"the solver reaches the same value differently ({announced.solution})",
                       None: "the solver's answers do not include it"}[announced.match]
            check = "correct" if announced.correct else "does not check out"
            console.print(f"[bold]Announced in {escape(announced.announced_in or '')}[/bold]: "
                          f"{escape(announced.expression)} = {escape(announced.value)} ({check}); "
                          f"{escape(verdict)}")
            console.print(f"  [dim]“{escape(announced.said)}”[/dim]")
    if error:
        raise PuzzleError(error)
