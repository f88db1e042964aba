"""``banana transcribe`` and ``banana align``: timed transcripts from audio."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape
from rich.progress import ProgressColumn
from rich.text import Text

from banana.cli import pass_library
from banana.cli._render import err_console, print_error, print_json, progress_bar
from banana.errors import BananaError, FormatError, ModelError
from banana.formats import EXTENSIONS, WRITERS, write_transcript
from banana.fsutil import atomic_write_text
from banana.cli.options import INPUT_FILES, audio_url_option, slug_option
from banana.library import TRANSCRIPT_FILE, EpisodeMeta, Library, assign_slugs, slug_for_path
from banana.transcript import Transcript, format_timestamp

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
    from banana.transcribe import normalise_language

    try:
        return normalise_language(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def export_path(library: Library, slug: str, fmt: str) -> Path:
    """``transcript.srt``, ``transcript.vtt``, ``transcript.podcast.json``... beside the
    stored ``transcript.json``."""
    ext = EXTENSIONS[fmt]
    if ext == ".json" and fmt != "json":  # podcast-json → transcript.podcast.json
        ext = f".{fmt.removesuffix('-json')}{ext}"
    return library.episode_dir(slug) / f"transcript{ext}"


def _export(library: Library, transcript: Transcript, slug: str, formats: tuple[str, ...]) -> list[Path]:
    written = []
    for fmt in formats:
        path = export_path(library, slug, fmt)
        if path.name == TRANSCRIPT_FILE:
            continue  # that is the stored transcript itself
        try:
            atomic_write_text(path, write_transcript(transcript, fmt))
        except OSError as exc:
            raise FormatError(f"{path}: cannot write ({exc.strerror or exc})") from None
        written.append(path)
    return written


def _title(path: Path) -> str:
    return path.stem.replace("_", " ").replace("-", " ").strip()


def _report_alignment(alignment) -> None:
    err_console.print(
        f"Aligned {alignment.utterances} utterances: {alignment.word_share:.1%} of words matched "
        f"({alignment.words_matched}/{alignment.words}), {alignment.utterance_share:.1%} of "
        f"utterances timed ({alignment.utterances - alignment.utterances_timed} interpolated)")


@click.command()
@click.argument("audio", nargs=-1, required=True, type=INPUT_FILES)
@click.option("--model", metavar="NAME|PATH",
              help="A whisper model name (tiny, base, small, medium, large-v3, turbo, *.en) or a "
                   "checkpoint file [default: base, or $BANANA_WHISPER_MODEL].")
@click.option("--model-dir", type=click.Path(path_type=Path),
              help="Folder holding model files NAME.pt; missing official models are downloaded "
                   "there [default: whisper's cache, ~/.cache/whisper].")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True,
              help="Where to run the model; auto uses CUDA when available.")
@click.option("--language", callback=_language, help="Spoken language (en, English, ...) [default: detect].")
@click.option("--prompt", help="Initial prompt: names and terms whisper should spell your way.")
@click.option("--prompt-from-library", is_flag=True,
              help="Build the prompt from the library's hosts' names and glossary terms.")
@click.option("--word-timestamps", is_flag=True,
              help="Time every word (sharper segment edges and --align-to times; slower).")
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
def transcribe(library: Library, audio: tuple[Path, ...], model: str | None, model_dir: Path | None,
               device: str, language: str | None, prompt: str | None, prompt_from_library: bool,
               word_timestamps: bool, temperature: float | None, max_tokens: int | None,
               slug: str | None, title: str | None,
               show_name: str | None, audio_url: str | None, exports: tuple[str, ...],
               align_to: str | None) -> None:
    """Transcribe audio files with whisper and store the transcripts in the library.

    Reads mp3, m4a/aac, ogg/opus, flac and wav (decoded with PyAV; no ffmpeg needed).
    Each file becomes an episode named after the file, with measured times and the
    model in its source. A file that cannot be decoded is reported and skipped; the
    exit code is 1 if any was. Ctrl-C stores nothing for the file in progress.

    \b
    Examples:
      banana transcribe episode-12.mp3
      banana transcribe season2/*.mp3 --model small --language en --export srt,vtt
      banana transcribe ep.m4a --prompt-from-library --word-timestamps
      banana transcribe ep.mp3 --align-to published-ep.txt --slug s03e01
      banana transcribe ep.ogg --model ./checkpoints/my-whisper.pt
    """
    single = {"--slug": slug, "--title": title, "--audio-url": audio_url, "--align-to": align_to}
    if len(audio) > 1:
        given = [name for name, value in single.items() if value]
        if given:
            raise click.UsageError(f"{given[0]} applies to a single audio file")
    batch = assign_slugs(audio, slug=slug)  # refuses two files that would share a slug
    meta = EpisodeMeta(title=title or None, show=show_name or None, audio_url=audio_url)
    from banana.audio import duration_seconds, load_audio, probe
    from banana import transcribe as tr

    published = None
    if align_to is not None:
        _, published = library.resolve(align_to)
    spec = tr.resolve_model(model, model_dir=model_dir)
    device = tr.pick_device(device)
    loaded = None
    initial_prompt = prompt
    failures = stored = 0
    with progress_bar(unit_column=AudioSecondsColumn()) as progress:
        pending: str | None = None  # what Ctrl-C would interrupt
        try:
            for path, episode in batch:
                pending = f"nothing stored for {path}"
                task = progress.add_task(f"Decoding {escape(path.name)}", total=None)
                try:
                    info = probe(path)
                    progress.update(task, total=info.duration_seconds or None)
                    samples = load_audio(path, progress=lambda s: progress.update(task, completed=s))
                    duration = duration_seconds(samples)
                    if loaded is None:
                        progress.update(task, description=f"Loading {escape(spec.label)}")
                        loaded = tr.load_model(spec, device=device)
                        initial_prompt = _prompt(loaded, library, prompt, prompt_from_library)
                    err_console.print(f"Transcribing {escape(str(path))} ({format_timestamp(duration)} "
                                      f"of audio) with {escape(spec.label)} on {device}")
                    progress.update(task, description=f"Transcribing {escape(path.name)}",
                                    total=duration, completed=0)
                    result = tr.transcribe(
                        loaded, samples, source=spec.label, language=language, prompt=initial_prompt,
                        word_timestamps=word_timestamps, temperature=temperature, max_tokens=max_tokens,
                        progress=lambda s: progress.update(task, completed=s),
                        title=title or info.title or _title(path), show=show_name or info.album,
                        audio_url=audio_url)
                    transcript = result.transcript
                    if published is not None:
                        from banana.align import align

                        alignment = align(published, transcript, words=result.words)
                        transcript = alignment.transcript.replace(
                            duration=duration, audio_url=audio_url or published.audio_url,
                            source=f"align:{published.source or align_to} to {spec.label}")
                        _report_alignment(alignment)
                    saved = library.store(transcript, episode, meta=meta)
                    transcript = library.load(episode)
                    pending = f"{episode} stored, its exports may be incomplete"
                    written = _export(library, transcript, episode, exports)
                except (BananaError, OSError) as exc:
                    if isinstance(exc, ModelError):
                        raise  # every other file would fail the same way
                    failures += 1
                    progress.remove_task(task)
                    print_error(_message(exc, path))
                    continue
                progress.remove_task(task)
                stored += 1
                click.echo(episode)
                extra = "".join(f", {p.name}" for p in written)
                err_console.print(
                    f"Stored {escape(episode)}: {_count(len(transcript.utterances), 'utterance')}, "
                    f"{format_timestamp(duration)} of audio, {escape(transcript.source)} "
                    f"→ {escape(str(saved))}{escape(extra)}")
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


def _prompt(model, library: Library, prompt: str | None, from_library: bool) -> str | None:
    from banana import transcribe as tr

    if prompt:
        used = tr.count_prompt_tokens(model, prompt)
        budget = tr.prompt_budget_tokens(model)
        if used > budget:
            raise click.BadParameter(f"the prompt is {used} tokens; whisper reads at most {budget}",
                                     param_hint="--prompt")
    if from_library:
        built = tr.library_prompt(model, library, lead=prompt or "")
        if built:
            err_console.print(f"Prompt: {escape(built)}")
        return built or None
    return prompt


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
    from banana.align import align as align_transcripts, whisper_words_in_file

    published_slug, published_transcript = library.resolve(published)
    timed_slug, timed_transcript = library.resolve(timed)
    words = [] if timed_slug else whisper_words_in_file(Path(timed))
    alignment = align_transcripts(published_transcript, timed_transcript, words=words)
    episode = slug or published_slug or slug_for_path(published)
    saved = library.store(alignment.transcript, episode)
    written = _export(library, alignment.transcript, episode, exports)
    if as_json:
        print_json({"slug": episode, "path": str(saved), **alignment.to_dict()})
        return
    click.echo(episode)
    _report_alignment(alignment)
    extra = "".join(f", {p.name}" for p in written)
    err_console.print(f"Stored {escape(episode)} → {escape(str(saved))}{escape(extra)}")
