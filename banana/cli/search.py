"""``banana search``: find the moments in the archive. It imports the index's reading
half and click only (``banana index``, which builds the index, is in ``index``, loaded
when a search finds no index to read), so a query starts fast."""

from __future__ import annotations

import json

import click

from banana.cli import LibraryFolder, load, pass_folder
from banana.search.archive import KINDS, Archive, Hit, SearchResults
from banana.search.ranking import DEFAULT_LIMIT, HIGHLIGHT_CLOSE, HIGHLIGHT_OPEN
from banana.transcript import format_timestamp, one_line

BUILD = "banana.cli.index:build_for_search"  # run when there is no index to read yet


@click.command()
@click.argument("query", nargs=-1, required=True)
@click.option("--episode", metavar="SLUG", help="Search only this episode.")
@click.option("--speaker", metavar="NAME", help="Only what this speaker said (any part of the name, any case).")
@click.option("--in", "within", type=click.Choice(list(KINDS)), default="transcript",
              show_default=True, help="Search what was said, segment titles, or glossary entries.")
@click.option("--limit", type=click.IntRange(min=1), default=DEFAULT_LIMIT, show_default=True,
              help="Show at most this many results.")
@click.option("--json", "as_json", is_flag=True,
              help='Machine-readable: {"query", "total", "any_words", "results": [...]}.')
@pass_folder
def search(folder: LibraryFolder, query: tuple[str, ...], episode: str | None,
           speaker: str | None, within: str, limit: int, as_json: bool) -> None:
    """Find the moments in the archive where QUERY is talked about, best first.

    Each result is a passage of talk (20 to 60 seconds), shown by its best-matching
    utterance: the episode, the speaker, hh:mm:ss and the matching words, plus
    URL#t=SECONDS when the episode has an audio URL. Exact words rank above words
    of the same stem ("explaining" also finds "explained"); words close together,
    episodes about the query, and episodes whose title, guests or chapters name it
    rank higher. When no passage has all the words, those with any of them are shown
    (and a note says so). Use quotes for a phrase, a trailing * for a prefix, and
    AND, OR, NOT (upper case) with parentheses; anything malformed is searched as
    plain words.

    \b
    Examples:
      banana search federated learning
      banana search how do you handle errors in go
      banana search '"federated learning"' --speaker chris --limit 5
      banana search 'deep* NOT (reinforcement OR robotics)'
      banana search GAN --in glossary --json
    """
    text = " ".join(query)
    archive = Archive(folder.root)
    if archive.needs_building():
        load(BUILD)(folder.root)
    results = archive.search(text, episode=episode, speaker=speaker, within=within, limit=limit)
    if results.note:
        click.echo(click.style("Note:", fg="yellow") + " " + one_line(results.note), err=True)
    if as_json:
        click.echo(json.dumps(results.to_dict(), ensure_ascii=False, indent=2))
        return
    if not results.hits:
        click.echo(f"No matches for {one_line(text)!r}.", err=True)
        return
    for number, hit in enumerate(results.hits, 1):
        click.echo(render_hit(number, hit))
    click.echo(_footer(results))


def render_hit(number: int, hit: Hit) -> str:
    """Four lines: number, title and slug; time and speaker; snippet; link."""
    lines = [f"{number:>2}. " + click.style(one_line(hit.title), bold=True) + f"  {hit.episode}"]
    where = click.style(hit.timestamp, fg="cyan")
    who = hit.speaker or ("segment" if hit.kind == "segment" else "")
    if who:
        where += "  " + click.style(one_line(who), fg="green")
    if hit.kind == "passage" and hit.passage_end > hit.passage_start:
        where += (f"  (passage {format_timestamp(hit.passage_start, always_hours=True)}"
                  f"–{format_timestamp(hit.passage_end, always_hours=True)})")
    lines.append("    " + where)
    lines.append("    " + _snippet(hit.snippet))
    if hit.url:
        lines.append("    " + one_line(hit.url))
    return "\n".join(lines) + "\n"


def _snippet(snippet: str) -> str:
    """Matched words in bold; the highlight markers come from the index."""
    out, rest, marked = [], one_line(snippet), False
    while rest:
        marker = HIGHLIGHT_CLOSE if marked else HIGHLIGHT_OPEN
        piece, found, rest = rest.partition(marker)
        out.append(click.style(piece, bold=True) if marked else piece)
        if not found:
            break
        marked = not marked
    return "".join(out)


def _footer(results: SearchResults) -> str:
    shown = len(results.hits)
    if results.total > shown:
        return f"{shown} of {results.total:,} matches"
    return f"{shown} match{'es' if shown != 1 else ''}"
