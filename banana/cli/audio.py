"""``banana transcribe`` and ``banana align``: timed transcripts from audio."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape
from rich.progress import ProgressColumn
from rich.text import Text

from banana.audio.align import Alignment
from banana.audio.diarize import parse_speakers
from banana.audio.transcribe import DEFAULT_BEAM_SIZE, ENGINES, normalise_language
from banana.cli import pass_library
from banana.cli._render import err_console, print_error, print_json, progress_bar
from banana.cli.options import INPUT_FILES, audio_url_option, slug_option
from banana.errors import BananaError, ModelError, OptionError
from banana.formats import WRITERS
from banana.library import EpisodeMeta, Library, assign_slugs
from banana.pipeline import Transcriber, align_episode, transcribe_file
from banana.transcript import format_timestamp

EXIT_INTERRUPTED = 130  # what a shell reports for Ctrl-C
_EXPORTS = ", ".join(f for f in WRITERS if f != "json")  # json is the stored transcript itself


class AudioSecondsColumn(ProgressColumn):
    """``  42/1800 s``: seconds of audio processed out of the file's length."""

    def render(self, task) -> Text:
        done = f"{task.completed:>6.0f}"
        return Text(f"{done}/{task.total:.0f} s" if task.total is not None else f"{done} s",
                    style="progress.download")


def _formats(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    names = tuple(dict.fromkeys(v.strip() for v in value.split(",") if v.strip()))
    unknown = [n for n in names if n not in WRITERS]
    if unknown:
        raise click.BadParameter(f"unknown format {unknown[0]!r}; choose from {', '.join(WRITERS)}")
    return names


def _language(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return normalise_language(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _speakers(ctx: click.Context, param: click.Parameter, value: str | None) -> int | str | None:
    try:
        return parse_speakers(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def engine_options(command):
    """``--engine``, ``--model``, ``--model-dir``: shared by ``transcribe`` and ``process``."""
    for option in reversed((
        click.option("--engine", type=click.Choice(ENGINES),
                     help="faster-whisper (CTranslate2, int8 on CPU) or whisper (openai-whisper, "
                          "PyTorch) [default: the fastest installed that has the model]."),
        click.option("--model", metavar="NAME|PATH",
                     help="A model name (tiny, base, small, medium, large-v3, turbo, *.en), an "
                          "openai-whisper checkpoint file or a CTranslate2 model directory "
                          "[default: base, or $BANANA_WHISPER_MODEL]."),
        click.option("--model-dir", type=click.Path(path_type=Path),
                     help="Folder holding models: NAME.pt (openai-whisper) and NAME/ (CTranslate2); "
                          "missing official models are downloaded there [default: ~/.cache/whisper]."),
        click.option("--speakers", callback=_speakers, default="auto", show_default=True,
                     metavar="auto|N|none",
                     help="Find who spoke (voice activity, speaker embeddings, clustering): auto "
                          "counts the speakers, N fixes the number, none skips it. Hosts who "
                          "introduce themselves (\"I'm Triveni\") get their names from the show's "
                          "profile; others are Speaker 1, Speaker 2."),
    )):
        command = option(command)
    return command


def _report_alignment(alignment: Alignment) -> None:
    err_console.print(
        f"Aligned {alignment.utterances} utterances: {alignment.word_share:.1%} of words matched "
        f"({alignment.words_matched}/{alignment.words}), {alignment.utterance_share:.1%} of "
        f"utterances timed ({alignment.utterances - alignment.utterances_timed} interpolated)")


@click.command()
@click.argument("audio", nargs=-1, required=True, type=INPUT_FILES)
@engine_options
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True,
              help="Where to run the model; auto uses CUDA when available.")
@click.option("--language", callback=_language, help="Spoken language (en, English, ...) [default: detect].")
@click.option("--prompt", help="Initial prompt: names and terms whisper should spell your way.")
@click.option("--prompt-from-library", is_flag=True,
              help="Prompt with a sentence naming the show, its hosts and the terms it has "
                   "explained (from the library and the show's profile).")
@click.option("--word-timestamps/--no-word-timestamps", default=True, show_default=True,
              help="Time every word and keep the timings in the transcript (sharper utterance "
                   "edges, better alignment, speakers split mid-segment).")
@click.option("--beam-size", type=click.IntRange(1, 16), default=DEFAULT_BEAM_SIZE, show_default=True,
              metavar="N", help="Beam search width; 1 decodes greedily (faster, more errors).")
@click.option("--temperature", type=click.FloatRange(0.0, 1.0),
              help="Decode each window once at this temperature instead of whisper's fallback "
                   "schedule (0 is fastest).")
@click.option("--max-tokens", type=click.IntRange(1, 224), metavar="N",
              help="Stop decoding a 30-second window after N tokens (a guard against runaway "
                   "repetition) [default: 224].")
@slug_option("Episode slug (one file only) [default: from the file name].")
@click.option("--title", help="Episode title (one file only) [default: the file's tag or name].")
@click.option("--show", "show_name", help="Show name stored with the episode [default: the album tag].")
@audio_url_option("Where the episode is published (one file only; an http/https URL); search "
                  "links to it. Kept until changed.")
@click.option("--export", "exports", callback=_formats, metavar="FMT[,FMT...]",
              help=f"Also write these formats beside the stored transcript ({_EXPORTS}).")
@click.option("--align-to", "align_to", metavar="PUBLISHED",
              help="Store this published transcript (slug or file) with times aligned to the audio "
                   "(one file only).")
@pass_library
def transcribe(library: Library, audio: tuple[Path, ...], engine: str | None, model: str | None,
               model_dir: Path | None, speakers: int | str | None,
               device: str, language: str | None, prompt: str | None, prompt_from_library: bool,
               word_timestamps: bool, beam_size: int, temperature: float | None, max_tokens: int | None,
               slug: str | None, title: str | None,
               show_name: str | None, audio_url: str | None, exports: tuple[str, ...],
               align_to: str | None) -> None:
    """Transcribe audio files with whisper and store the transcripts in the library.

    Reads mp3, m4a/aac, ogg/opus, flac and wav (decoded with PyAV; no ffmpeg needed).
    Each file becomes an episode named after the file, with measured times, each
    word's timing, the speakers found (unless --align-to gives them) and the model
    in its source. A file that cannot be decoded is reported and skipped; the exit
    code is 1 if any was. Ctrl-C stores nothing for the file in progress.

    \b
    Examples:
      banana transcribe episode-12.mp3
      banana transcribe season2/*.mp3 --model small --language en --export srt,vtt
      banana transcribe ep.m4a --prompt-from-library --speakers 2
      banana transcribe ep.mp3 --align-to published-ep.txt --slug s03e01
      banana transcribe ep.ogg --model ./models/tiny.en --engine faster-whisper
      banana transcribe ep.ogg --model ./checkpoints/my-whisper.pt
    """
    single = {"--slug": slug, "--title": title, "--audio-url": audio_url, "--align-to": align_to}
    if len(audio) > 1:
        given = [name for name, value in single.items() if value]
        if given:
            raise click.UsageError(f"{given[0]} applies to a single audio file")
    batch = assign_slugs(audio, slug=slug)  # refuses two files that would share a slug
    meta = EpisodeMeta(title=title or None, show=show_name or None, audio_url=audio_url)
    published = library.resolve(align_to)[1] if align_to is not None else None
    transcriber = Transcriber(model, model_dir=model_dir, device=device, language=language,
                              prompt=prompt, prompt_from_library=prompt_from_library,
                              word_timestamps=word_timestamps, temperature=temperature,
                              max_tokens=max_tokens, engine=engine, beam_size=beam_size,
                              speakers=None if align_to is not None else speakers,
                              show=show_name or "")  # a bad model name is refused here
    failures = stored = 0
    with progress_bar(unit_column=AudioSecondsColumn()) as progress:
        pending: str | None = None  # what Ctrl-C would interrupt
        try:
            for path, episode in batch:
                pending = f"nothing stored for {path}"
                task = progress.add_task(f"Decoding {escape(path.name)}", total=None)
                shown = {"prompt": False}

                def report(stage: str, total: float | None, done: float) -> None:
                    if stage == "load":
                        progress.update(task, description=f"Loading {escape(transcriber.spec.label)}")
                        return
                    verb = {"decode": "Decoding", "diarize": "Finding speakers in",
                            "retry": "Speech skipped; again with less prompt:"}.get(stage, "Transcribing")
                    if stage == "retry" and done == 0:
                        err_console.print(f"The prompted decode of {escape(path.name)} skipped the start "
                                          f"of the speech: decoding again with less prompt")
                    if stage == "transcribe" and done == 0:
                        if transcriber.used_prompt and prompt_from_library and not shown["prompt"]:
                            err_console.print(f"Prompt: {escape(transcriber.used_prompt)}")
                            shown["prompt"] = True
                        err_console.print(
                            f"Transcribing {escape(str(path))} ({format_timestamp(total or 0)} of "
                            f"audio) with {escape(transcriber.spec.label)} on {transcriber.device}")
                    progress.update(task, description=f"{verb} {escape(path.name)}", total=total,
                                    completed=done)

                try:
                    done = transcribe_file(library, path, episode, transcriber, meta=meta,
                                           published=published, published_name=align_to or "",
                                           exports=exports, progress=report)
                except (BananaError, OSError) as exc:
                    if isinstance(exc, (ModelError, OptionError)):
                        raise  # every other file would fail the same way
                    failures += 1
                    progress.remove_task(task)
                    print_error(_message(exc, path))
                    continue
                progress.remove_task(task)
                stored += 1
                if done.alignment is not None:
                    _report_alignment(done.alignment)
                click.echo(episode)
                extra = "".join(f", {p.name}" for p in done.exported)
                err_console.print(
                    f"Stored {escape(episode)}: {_count(len(done.transcript.utterances), 'utterance')}, "
                    f"{format_timestamp(done.duration)} of audio, {escape(done.transcript.source)} "
                    f"→ {escape(str(done.path))}{escape(extra)}")
        except KeyboardInterrupt:
            progress.stop()
            print_error(f"interrupted; {pending}"
                        + (f" ({_count(stored, 'file')} done before it)" if stored else ""))
            raise click.exceptions.Exit(EXIT_INTERRUPTED) from None
    if failures:
        err_console.print(f"{failures} of {_count(len(audio), 'file')} failed.")
        raise click.exceptions.Exit(1)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _message(exc: BaseException, path: Path) -> str:
    text = str(exc) if isinstance(exc, BananaError) else f"{path}: {getattr(exc, 'strerror', None) or exc}"
    return " ".join(text.split())


@click.command()
@click.argument("published")
@click.argument("timed")
@slug_option("Episode slug to store the result under [default: PUBLISHED's slug or file name].")
@click.option("--export", "exports", callback=_formats, metavar="FMT[,FMT...]",
              help=f"Also write these formats beside the stored transcript ({_EXPORTS}).")
@click.option("--json", "as_json", is_flag=True, help="Print the alignment figures as JSON.")
@pass_library
def align(library: Library, published: str, timed: str, slug: str | None, exports: tuple[str, ...],
          as_json: bool) -> None:
    """Give a published transcript the times of a timed transcript of the same audio.

    PUBLISHED has the right words and speakers but estimated or no times (a host's
    published page text, Markdown, ...). TIMED is a timed transcript of the same
    audio: whisper JSON (word timestamps are used when present), SRT, WebVTT, or an
    episode slug from 'banana transcribe'. Both may be slugs or files. The result is
    stored like an import; the command reports the share of words matched and of
    utterances timed (the rest get interpolated times, marked estimated).

    \b
    Examples:
      banana align episode.txt episode.whisper.json
      banana align s03e01-deepfakes-and-data-upskilling s03e01-audio --slug s03e01
      banana align published.md captions.srt --json
    """
    episode, saved, alignment, written = align_episode(library, published, timed, slug=slug,
                                                       exports=exports)
    if as_json:
        print_json({"slug": episode, "path": str(saved), **alignment.to_dict()})
        return
    click.echo(episode)
    _report_alignment(alignment)
    extra = "".join(f", {p.name}" for p in written)
    err_console.print(f"Stored {escape(episode)} → {escape(str(saved))}{escape(extra)}")
