"""The main job: an episode in (audio or transcript), publishable files out.

``process(library, inputs)`` runs, for each input: read (import a transcript, or
transcribe audio with whisper), analyse (segments, glossary, teaser), solve the
teaser, index (done by ``Library.store``), and write ``transcript.vtt``,
``transcript.srt``, ``chapters.json``, ``notes.md`` and ``notes.html`` into the
episode's folder. Every output is a pure function of its input, written
atomically and only when its bytes change, so a second run gives the same files.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path

from banana.errors import BananaError, LibraryError
from banana.fsutil import atomic_write_text
from banana.library import Library, assign_slugs, natural_key
from banana.transcript import Transcript

# Stages each episode goes through, in order (the CLI's progress bar counts them).
STAGES = ("read", "analyse", "solve", "write")

AUDIO_SUFFIXES = frozenset({".mp3", ".m4a", ".aac", ".mp4", ".ogg", ".oga", ".opus", ".flac",
                            ".wav", ".wma", ".webm", ".aiff", ".aif"})

OUTPUTS = ("transcript.vtt", "transcript.srt", "chapters.json", "notes.md", "notes.html")
PENDING_FILE = ".processing"  # in an episode's folder while its outputs are not all written

Progress = Callable[[str, str], None]  # (stage, what) -> None


@dataclass(frozen=True)
class EpisodeResult:
    """What processing one input produced."""

    source: Path
    slug: str | None = None
    title: str = ""
    duration: float = 0.0  # seconds
    segments: int = 0
    glossary_terms: int = 0
    teaser: str = "none"  # "solved", "none", or "unsolved" (with the reason after a colon)
    written: tuple[Path, ...] = ()  # files whose bytes changed this run
    error: str | None = None
    resumed: bool = False  # an episode an earlier, interrupted run left unpublished


def sample_paths() -> list[Path]:
    """The bundled sample episodes: packaged in the wheel as ``banana/samples``,
    or ``episodes/samples`` beside the package in a source checkout."""
    packaged = resources.files("banana") / "samples"
    folder = Path(str(packaged))
    if not folder.is_dir():
        folder = Path(__file__).resolve().parent.parent / "episodes" / "samples"
    paths = sorted(folder.glob("*.txt")) if folder.is_dir() else []
    if not paths:
        raise BananaError("no bundled sample episodes found; give the files to process")
    return paths


def is_audio(path: Path) -> bool:
    return path.suffix.lower() in AUDIO_SUFFIXES


def write_if_changed(path: Path, text: str) -> bool:
    """Write atomically unless the file already holds exactly this text."""
    try:
        if path.read_text(encoding="utf-8") == text:
            return False
    except (OSError, UnicodeDecodeError):
        pass
    atomic_write_text(path, text)
    return True


class Transcriber:
    """Whisper for the audio inputs of one run: the model loads once, on first use."""

    def __init__(self, model: str | None = None, *, model_dir: Path | None = None) -> None:
        from banana import transcribe as tr

        self._tr = tr
        self.spec = tr.resolve_model(model, model_dir=model_dir)  # fails fast on a bad name
        self._model = None

    def __call__(self, path: Path) -> Transcript:
        from banana.audio import load_audio

        samples = load_audio(path)
        if self._model is None:
            self._model = self._tr.load_model(self.spec)
        result = self._tr.transcribe(self._model, samples, source=self.spec.label,
                                     title=path.stem.replace("-", " ").replace("_", " "))
        return result.transcript


def read_input(path: Path, *, transcriber: Callable[[Path], Transcript] | None = None) -> Transcript:
    """A transcript from a transcript file, or from audio through ``transcriber``."""
    if is_audio(path):
        return (transcriber or Transcriber())(path)
    from banana.formats import read_transcript

    return read_transcript(path)


def publish(library: Library, slug: str, transcript: Transcript, *, source: Path,
            progress: Progress | None = None) -> EpisodeResult:
    """Analyse a stored episode and write its publishable files."""
    from banana.analysis import analyse, profile_for
    from banana.chapters import episode_chapters, write_chapters
    from banana.formats import write_transcript
    from banana.notes import build_notes, previous_answer_in_library, render
    from banana.teaser import solve_query

    tick = progress or (lambda stage, what: None)
    tick("analyse", slug)
    profile = profile_for(library.root, transcript)
    analysis = analyse(transcript, profile=profile, episode=slug)
    tick("solve", slug)
    solutions, teaser = [], "none"
    if analysis.teaser is not None:
        try:
            solutions = solve_query(analysis.teaser)
            teaser = "solved" if solutions else "unsolved"
        except BananaError as exc:  # e.g. the puzzle is beyond the solver's bounds
            teaser = f"unsolved: {exc}"
    tick("write", slug)
    previous = previous_answer_in_library(library, slug, transcript, analysis)
    notes = build_notes(transcript, analysis, episode=slug, solutions=solutions, previous_answer=previous)
    folder = library.episode_dir(slug)
    outputs = {
        "transcript.vtt": write_transcript(transcript, "vtt"),
        "transcript.srt": write_transcript(transcript, "srt"),
        "chapters.json": write_chapters(episode_chapters(transcript, analysis), "podcast-json",
                                        title=transcript.title),
        "notes.md": render(notes, "md"),
        "notes.html": render(notes, "html"),
    }
    written = tuple(folder / name for name, text in outputs.items() if write_if_changed(folder / name, text))
    return EpisodeResult(source=source, slug=slug, title=transcript.title,
                         duration=transcript.duration, segments=len(analysis.segments),
                         glossary_terms=len(analysis.glossary), teaser=teaser, written=written)


def process(library: Library, inputs: Sequence[Path] | None = None, *,
            progress: Progress | None = None,
            transcriber: Callable[[Path], Transcript] | None = None) -> list[EpisodeResult]:
    """Process each input (the bundled samples when none are given), then finish any
    episode an earlier run stored but did not get to publish (it was killed). A
    failing input is reported in its result and the others still run; two inputs
    that would be stored under one slug are refused before any work."""
    paths = list(inputs) if inputs else sample_paths()
    batch = assign_slugs(paths)
    tick = progress or (lambda stage, what: None)
    results = []
    for path, slug in batch:
        try:
            tick("read", str(path))
            transcript = read_input(path, transcriber=transcriber)
            _mark_pending(library, slug)
            library.store(transcript, slug)
            results.append(_publish_stored(library, slug, source=path, progress=progress))
        except BananaError as exc:
            results.append(EpisodeResult(source=path, error=str(exc)))
    results.extend(finish_unfinished(library, progress=progress,
                                     skip={slug for _, slug in batch}))
    return results


def finish_unfinished(library: Library, *, progress: Progress | None = None,
                      skip: Collection[str] = ()) -> list[EpisodeResult]:
    """Publish the episodes an earlier ``process`` stored but was stopped (killed, or
    a write failed) before it wrote all their files; ``skip`` those this run did."""
    return [_publish_stored(library, slug, source=library.transcript_path(slug),
                            progress=progress, resumed=True)
            for slug in unfinished(library) if slug not in skip]


def _publish_stored(library: Library, slug: str, *, source: Path, progress: Progress | None,
                    resumed: bool = False) -> EpisodeResult:
    """Publish a stored episode, turning any failure into this episode's error."""
    try:
        result = publish(library, slug, library.load(slug), source=source, progress=progress)
    except BananaError as exc:  # the episode as it is cannot be published: no retrying
        _clear_pending(library, slug)
        return EpisodeResult(source=source, slug=slug, error=str(exc), resumed=resumed)
    except OSError as exc:  # disk full, a folder in the way: the next run tries again
        target = exc.filename2 or exc.filename  # os.replace(temp, target) names both
        where = f"{target}: " if target else ""
        return EpisodeResult(source=source, slug=slug, resumed=resumed,
                             error=f"{slug}: cannot write {where}{exc.strerror or exc}")
    _clear_pending(library, slug)
    return replace(result, resumed=resumed)


def _mark_pending(library: Library, slug: str) -> None:
    """Note that the episode is being processed, until its files are all written."""
    try:
        atomic_write_text(library.episode_dir(slug) / PENDING_FILE, "")
    except OSError as exc:
        raise LibraryError(f"cannot write in {library.episode_dir(slug)}: {exc.strerror or exc}") from None


def _clear_pending(library: Library, slug: str) -> None:
    try:
        (library.episode_dir(slug) / PENDING_FILE).unlink()
    except FileNotFoundError:
        pass


def unfinished(library: Library) -> list[str]:
    """Episodes a ``process`` run stored but was stopped before publishing (their
    pending mark is still there)."""
    if not library.root.is_dir():
        return []
    found = []
    for mark in library.root.glob(f"*/{PENDING_FILE}"):
        if mark.parent.name in library:
            found.append(mark.parent.name)
        else:  # killed before the transcript was stored: nothing to finish
            mark.unlink(missing_ok=True)
            library.tidy()
    return sorted(found, key=natural_key)


def totals(results: Iterable[EpisodeResult]) -> dict[str, float]:
    done = [r for r in results if r.error is None]
    return {
        "episodes": len(done),
        "duration": sum(r.duration for r in done),
        "segments": sum(r.segments for r in done),
        "glossary_terms": sum(r.glossary_terms for r in done),
        "teasers_solved": sum(r.teaser == "solved" for r in done),
    }
