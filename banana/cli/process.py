"""``banana process``: the main job, one command from episode to publishable files."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from banana.cli import pass_library
from banana.cli._render import console, err_console, print_error, progress_bar
from banana.cli.audio import engine_options
from banana.cli.options import INPUT_FILES
from banana.library import Library
from banana.pipeline import STAGES, Transcriber, is_audio, process as run, sample_paths, totals
from banana.transcript import format_timestamp


@click.command()
@click.argument("inputs", nargs=-1, type=INPUT_FILES)
@engine_options
@click.option("--prompt-from-library/--no-prompt-from-library", default=True, show_default=True,
              help="For audio: prompt whisper with the show's name, hosts, segment titles and "
                   "explained terms.")
@pass_library
def process(library: Library, inputs: tuple[Path, ...], engine: str | None, model: str | None,
            model_dir: Path | None, speakers: int | str | None, prompt_from_library: bool) -> None:
    """Turn episodes into everything a host publishes, in one go.

    For each INPUT: transcribe it (audio) or import it (a transcript), analyse it
    (segments, glossary, brain teaser), solve the teaser, update the search index,
    and write transcript.vtt, transcript.srt, chapters.json, notes.md and notes.html
    into the episode's folder in the library. With no INPUT, processes the bundled
    sample episodes. Running it again gives the same files.

    \b
    Examples:
      banana process
      banana process episode-12.mp3 --model base
      banana process episode-13.mp3 --model ./models/tiny.en --speakers 2
      banana --library ~/podcast process transcripts/*.txt
    """
    paths = list(inputs) or sample_paths()
    transcriber = None
    if any(is_audio(p) for p in paths):  # a bad model name is refused before any work
        transcriber = Transcriber(model, model_dir=model_dir, engine=engine, speakers=speakers,
                                  prompt_from_library=prompt_from_library)
    with progress_bar(len(paths) > 0) as progress:
        task = progress.add_task("Processing", total=len(paths) * len(STAGES))

        def tick(stage: str, what: str) -> None:
            progress.update(task, description=f"{stage:>8} {escape(Path(what).name)}")
            progress.advance(task)

        results = run(library, paths, progress=tick, transcriber=transcriber)
    table = Table("episode", "duration", "segments", "glossary", "teaser", "files updated",
                  title=f"Processed into {escape(str(library.root))}")
    for r in results:
        if r.error:
            print_error(r.error)
            continue
        name = escape(r.slug or "") + (" [dim](finished from an interrupted run)[/dim]"
                                        if r.resumed else "")
        table.add_row(name, format_timestamp(r.duration), str(r.segments),
                      str(r.glossary_terms), r.teaser.partition(":")[0], str(len(r.written)))
    total = totals(results)
    table.add_section()
    table.add_row(f"{total['episodes']} episodes", format_timestamp(total["duration"]),
                  str(total["segments"]), str(total["glossary_terms"]),
                  f"{total['teasers_solved']} solved", "")
    console.print(table)
    failed = sum(1 for r in results if r.error)
    if failed:
        err_console.print(f"{failed} of {len(results)} inputs failed.")
        raise click.exceptions.Exit(1)
