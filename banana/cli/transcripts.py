"""``banana import``, ``export``, ``show`` and ``list``: transcripts in and out of the library."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from banana.cli import pass_library
from banana.cli._render import console, err_console, print_error, print_json, progress_bar
from banana.errors import BananaError, FormatError
from banana.formats import READERS, WRITERS, write_transcript
from banana.fsutil import atomic_write_text
from banana.cli.options import INPUT_FILES, audio_url_option, slug_option
from banana.library import EpisodeMeta, Library
from banana.pipeline import import_files
from banana.transcript import format_timestamp

PROGRESS_MIN_FILES = 10  # show a progress bar from this many files up


@click.command("import")
@click.argument("files", nargs=-1, required=True, type=INPUT_FILES)
@click.option("--format", "fmt", type=click.Choice(list(READERS)), help="Force a reader instead of detecting it.")
@click.option("--title", help="Episode title (one file only) [default: from the file].")
@slug_option("Episode slug in the library (one file only) [default: from the file name].")
@click.option("--show", "show_name", help="Show name stored with the episode.")
@audio_url_option("Where the episode's audio is published (an http/https URL); search hits "
                  "link to URL#t=SECONDS. Kept until changed.")
@pass_library
def import_(library: Library, files: tuple[Path, ...], fmt: str | None, title: str | None,
            slug: str | None, show_name: str | None, audio_url: str | None) -> None:
    """Store transcripts you already have in the library and print their slugs.

    Reads published page text, Markdown with [mm:ss] stamps, SRT, WebVTT, whisper JSON,
    Podcasting 2.0 JSON and Banana's own JSON; the format is detected from the content.
    Re-importing a file replaces its episode. A file that cannot be read is reported
    and skipped; the exit code is 1 if any was.

    \b
    Examples:
      banana import episode-12.txt
      banana import transcripts/*.md --show "Practical AI"
      banana import talk.srt --slug talk-2024 --title "The talk"
    """
    if len(files) > 1 and (slug or title):
        raise click.UsageError("--slug and --title apply to a single file")
    meta = EpisodeMeta(title=title or None, show=show_name or None, audio_url=audio_url)
    with progress_bar(len(files) >= PROGRESS_MIN_FILES) as progress:
        task = progress.add_task("Importing", total=2 * len(files))
        index_task = None

        def tick(stage: str, what: str) -> None:
            if stage != "index":
                progress.update(task, description=f"{stage.capitalize():>9}")
                progress.advance(task)

        def indexing(done: int, total: int, slug: str) -> None:
            nonlocal index_task
            if index_task is None:
                index_task = progress.add_task("Indexing", total=total)
            progress.update(index_task, completed=done, total=total)

        results = import_files(library, files, fmt=fmt, slug=slug, meta=meta, progress=tick,
                               index_progress=indexing)
    for result in results:
        if result.error:
            print_error(result.error)
        else:
            click.echo(result.slug)
    if any(r.error for r in results):
        raise click.exceptions.Exit(1)


@click.command()
@click.argument("episode")
@click.option("--format", "fmt", type=click.Choice(list(WRITERS)), default="json", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file (atomically) instead of standard output.")
@pass_library
def export(library: Library, episode: str, fmt: str, output: Path | None) -> None:
    """Write an episode's transcript as JSON, SRT, WebVTT, Podcasting 2.0 JSON, text or Markdown.

    EPISODE is a slug in the library or a path to any transcript file.

    \b
    Examples:
      banana export s01e01-data-contracts --format vtt -o episode.vtt
      banana export talk.srt --format podcast-json
    """
    _, transcript = library.resolve(episode)
    text = write_transcript(transcript, fmt)
    if output is None:
        click.echo(text, nl=False)
    else:
        try:
            atomic_write_text(output, text)
        except OSError as exc:
            raise FormatError(f"{output}: cannot write ({exc.strerror or exc})") from None
        err_console.print(escape(f"Wrote {output} ({fmt}, {len(transcript.utterances)} utterances)"))


@click.command()
@click.argument("episode")
@click.option("--json", "as_json", is_flag=True, help="Print the canonical JSON instead.")
@pass_library
def show(library: Library, episode: str, as_json: bool) -> None:
    """Print a transcript with speakers and times (estimated times are marked ~).

    \b
    Examples:
      banana show s01e01-data-contracts
      banana show practical-ai-100 --json
    """
    _, transcript = library.resolve(episode)
    if as_json:
        print_json(transcript.to_dict())
        return
    console.print(f"[bold]{escape(transcript.title or episode)}[/bold]")
    meta = [transcript.show, ", ".join(transcript.speakers), format_timestamp(transcript.duration),
            f"{len(transcript.utterances)} turns", transcript.source]
    console.print("[dim]" + escape(" · ".join(m for m in meta if m)) + "[/dim]\n")
    for u in transcript.utterances:
        mark = "~" if u.estimated else " "
        who = f"[bold]{escape(u.speaker)}:[/bold] " if u.speaker else ""
        console.print(f"[cyan]{mark}{format_timestamp(u.start, always_hours=True)}[/cyan] {who}{escape(u.text)}")


@click.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_library
def list_(library: Library, as_json: bool) -> None:
    """List the episodes in the library.

    \b
    Example:
      banana --library ~/podcast list
    """
    rows, failures = [], 0
    for slug in library.slugs():
        try:
            t = library.load(slug)
        except BananaError as exc:  # one damaged episode does not hide the others
            failures += 1
            print_error(str(exc))
            continue
        rows.append({"slug": slug, "title": t.title, "speakers": list(t.speakers),
                     "duration": t.duration, "turns": len(t.utterances), "source": t.source})
    if as_json:
        print_json({"episodes": rows})
    elif not rows and not failures:
        err_console.print(f"No episodes in {escape(str(library.root))}. "
                          "Try 'banana import FILE' or 'banana process'.")
    elif rows:
        table = Table("slug", "title", "speakers", "duration", "turns")
        for r in rows:
            table.add_row(escape(r["slug"]), escape(r["title"]), escape(", ".join(r["speakers"])),
                          format_timestamp(r["duration"]), str(r["turns"]))
        console.print(table)
    if failures:
        raise click.exceptions.Exit(1)

