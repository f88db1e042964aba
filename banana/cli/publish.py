"""``banana notes`` and ``banana chapters``: what hosts publish with an episode."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape

from banana.cli import pass_library
from banana.cli._render import err_console
from banana.errors import FormatError
from banana.fsutil import atomic_write_text
from banana.library import Library
from banana.publish.chapters import FORMATS as CHAPTER_FORMATS
from banana.publish.chapters import (check_embed_paths, embed_chapters, episode_chapters,
                                     write_chapters)
from banana.publish.notes import DEFAULT_MAX_CHARS, FORMATS as NOTE_FORMATS, MIN_MAX_CHARS
from banana.publish.notes import build_notes, check_max_chars, render
from banana.publish.teasers import previous_answer


def _write(output: Path | None, text: str, what: str) -> None:
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        atomic_write_text(output, text)
    except OSError as exc:
        raise FormatError(f"{output}: cannot write ({exc.strerror or exc})") from None
    err_console.print(escape(f"Wrote {output} ({what})"))


_profile_option = click.option(
    "--profile", type=click.Path(dir_okay=False, path_type=Path),
    help="Show profile (TOML) naming the show's segments [default: the show's own, or built-in].")
_output_option = click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file (atomically) instead of standard output.")


@click.command()
@click.argument("episode")
@click.option("--format", "fmt", type=click.Choice(NOTE_FORMATS), default="md", show_default=True,
              help="Markdown, one self-contained HTML page, or JSON.")
@click.option("--max-chars", type=click.IntRange(min=MIN_MAX_CHARS), default=DEFAULT_MAX_CHARS,
              show_default=True,
              help="Keep the Markdown under this many characters (lower-priority parts trimmed first).")
@_output_option
@_profile_option
@pass_library
def notes(library: Library, episode: str, fmt: str, max_chars: int, output: Path | None,
          profile: Path | None) -> None:
    """Write show notes for an episode: title, a short summary in the hosts' own
    sentences, chapters with timestamps, the "In English Please" term, what was
    mentioned, the brain teaser with the solver's verified answers behind a spoiler,
    and the answer to the previous episode's teaser when this one announces it.

    EPISODE is a slug in the library or a path to any transcript file. The puzzle
    of an announced answer is the one the hosts restate, else the previous episode's
    in the library (slug order).

    \b
    Examples:
      banana notes s01e02-leaderboards-and-model-drift
      banana notes s01e02-leaderboards-and-model-drift --format html -o notes.html
      banana notes episode.txt --max-chars 2000 -o notes.md
    """
    check_max_chars(max_chars)
    slug, name, transcript, analysis = library.analysed(episode, profile=profile)
    gathered = build_notes(transcript, analysis, episode=name,
                           previous_answer=previous_answer(library, slug, transcript, analysis))
    text = render(gathered, fmt, max_chars=max_chars)
    _write(output, text, f"{fmt}, {len(text):,} characters")


@click.command()
@click.argument("episode")
@click.option("--format", "fmt", type=click.Choice(CHAPTER_FORMATS), default="podcast-json",
              show_default=True,
              help="Podcasting 2.0 JSON, YouTube/Spotify description lines, WebVTT or ffmpeg metadata.")
@_output_option
@click.option("--embed", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE.mp3",
              help="Write the chapters as ID3 CHAP/CTOC frames into a copy of this MP3 (-o names the copy).")
@_profile_option
@pass_library
def chapters(library: Library, episode: str, fmt: str, output: Path | None, embed: Path | None,
             profile: Path | None) -> None:
    """Write an episode's chapters (one per segment) for podcast apps, YouTube or ffmpeg.

    YouTube/Spotify lines start at 00:00 and have at least three chapters of at
    least 10 s with titles under 40 characters: shorter chapters are merged and
    long titles shortened to fit. With --embed the chapters go into a copy of the
    MP3 (-o), never into the original.

    \b
    Examples:
      banana chapters s01e01-faster-dataframes-and-census-privacy -o chapters.json
      banana chapters s01e01-faster-dataframes-and-census-privacy --format youtube
      banana chapters episode.txt --format ffmetadata -o chapters.txt
      banana chapters s01e01-faster-dataframes-and-census-privacy --embed ep1.mp3 -o ep1-chapters.mp3
    """
    if embed is not None:
        if output is None:
            raise click.UsageError("--embed needs -o OUT.mp3: the chapters go into a copy, "
                                   "never into the original")
        check_embed_paths(embed, output)
    _, _, transcript, analysis = library.analysed(episode, profile=profile)
    found = episode_chapters(transcript, analysis)
    if embed is not None:
        count = embed_chapters(embed, output, found, title=transcript.title)
        err_console.print(escape(f"Wrote {output} ({count} ID3 chapters; {embed} unchanged)"))
        return
    text = write_chapters(found, fmt, title=transcript.title)
    _write(output, text, f"{fmt}, {len(found)} chapters")
