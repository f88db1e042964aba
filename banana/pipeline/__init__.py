"""The one package that sequences the stages: audio → transcript → store → analyse →
index → publish. This module holds an episode's stages; ``feeds`` a feed's items (``banana
feed``), built on these.

* ``import_files`` stores transcripts a host already has, analyses them (the
  analysis is stored beside each transcript) and brings the search index up to date.
* ``transcribe_file`` turns one audio file into a stored episode (whisper, optionally
  aligned to a published transcript), analysed and indexed the same way.
* ``process`` is the main job: each input transcribed or imported, then published:
  the teaser solved, and ``transcript.vtt``, ``transcript.srt``, ``chapters.json``,
  ``notes.md`` and ``notes.html`` written into the episode's folder. Every output is a
  pure function of its input, written atomically and only when its bytes change, so a
  second run gives the same files and analyses nothing again.
* ``index_library`` is ``banana index``: tidy what interrupted writes left, update
  the index, finish episodes an interrupted ``process`` left unpublished.

Nothing below this module calls a later stage: the library stores, the analysis
analyses, the index indexes, the publishers render.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path

from banana.analysis.puzzle import solve_query
from banana.analysis.words import normalise
from banana.audio import diarize
from banana.audio import transcribe as whisper
from banana.audio.align import Alignment, align
from banana.audio.decode import duration_seconds, load_audio, probe
from banana.errors import AnalysisError, BananaError, FormatError, LibraryError, OptionError
from banana.formats import EXTENSIONS, read_transcript, write_transcript
from banana.fsutil import atomic_write_text, write_if_changed
from banana.library import EpisodeMeta, Library, assign_slugs, natural_key
from banana.publish.chapters import episode_chapters, write_chapters
from banana.publish.notes import build_notes, render
from banana.publish.teasers import previous_answer
from banana.search.index import IndexReport, SearchIndex
from banana.transcript import Transcript

# Stages each input of ``process`` goes through, in order (the CLI's progress bar counts them).
STAGES = ("read", "analyse", "solve", "write")

AUDIO_SUFFIXES = frozenset({".mp3", ".m4a", ".aac", ".mp4", ".ogg", ".oga", ".opus", ".flac",
                            ".wav", ".wma", ".webm", ".aiff", ".aif"})

OUTPUTS = ("transcript.vtt", "transcript.srt", "chapters.json", "notes.md", "notes.html")
PENDING_FILE = ".processing"  # in an episode's folder while its outputs are not all written

HOST_MIN_EPISODE_SHARE = 0.25  # a speaker in at least this share of episodes is a host
GLOSSARY_EPISODES = 20  # the prompt's explained terms come from this many latest episodes

Progress = Callable[[str, str], None]  # (stage, what) -> None


# --- importing ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Imported:
    """One file of ``import_files``: the slug it was stored under, or why not."""

    source: Path
    slug: str | None = None
    error: str | None = None


def import_files(library: Library, paths: Sequence[Path], *, fmt: str | None = None,
                 slug: str | None = None, meta: EpisodeMeta | None = None,
                 progress: Progress | None = None,
                 index_progress: Callable[[int, int, str], None] | None = None) -> list[Imported]:
    """Store each transcript file (two files that would share a slug are refused before
    any is read), analyse it and bring the search index up to date once at the end.
    A file that cannot be read is reported in its result and the rest go on."""
    batch = assign_slugs(paths, slug=slug)
    tick = progress or (lambda stage, what: None)
    results = []
    for path, name in batch:
        tick("read", str(path))
        try:
            library.store(read_transcript(path, format=fmt), name, meta=meta)
        except BananaError as exc:
            results.append(Imported(path, error=str(exc)))
            continue
        results.append(Imported(path, slug=name))
    stored = [r.slug for r in results if r.slug]
    for name in stored:
        tick("analyse", name)
        analyse_stored(library, name)
    if stored:
        tick("index", "")
        update_index(library, progress=index_progress)
    return results


def store_episode(library: Library, transcript: Transcript, slug: str, *,
                  meta: EpisodeMeta | None = None) -> Path:
    """Store one episode, analyse it and index it: what ``transcribe`` and ``align``
    do with their result (``import_files`` does the same for a batch, indexing once)."""
    path = library.store(transcript, slug, meta=meta)
    analyse_stored(library, slug)
    SearchIndex(library).update_episode(slug)
    return path


def analyse_stored(library: Library, slug: str) -> None:
    """Compute and store an episode's analysis now, so every later reader finds it; a
    transcript the analysis refuses (longer than any episode) stays stored and is
    indexed without it."""
    try:
        library.analysis(slug)
    except AnalysisError:
        pass


def update_index(library: Library, *, rebuild: bool = False,
                 progress: Callable[[int, int, str], None] | None = None,
                 entry_progress: Callable[[str, int, int], None] | None = None) -> IndexReport:
    return SearchIndex(library).update(rebuild=rebuild, progress=progress,
                                       entry_progress=entry_progress)


@dataclass(frozen=True)
class IndexResult:
    """What ``index_library`` did: leftovers removed, the index report, and the
    episodes an interrupted ``process`` had left unpublished, now finished."""

    tidied: tuple[Path, ...]
    report: IndexReport
    finished: tuple[EpisodeResult, ...] = ()


def index_library(library: Library, *, rebuild: bool = False,
                  progress: Callable[[int, int, str], None] | None = None,
                  entry_progress: Callable[[str, int, int], None] | None = None) -> IndexResult:
    """``banana index``: remove what interrupted writes left, update the index (all of
    it with ``rebuild``), and finish what an interrupted ``process`` left."""
    tidied = tuple(library.tidy())
    report = update_index(library, rebuild=rebuild, progress=progress,
                          entry_progress=entry_progress)
    return IndexResult(tidied, report, tuple(finish_unfinished(library)))


# --- transcribing ---------------------------------------------------------------------------

@dataclass
class Transcriber:
    """Speech to text for the audio inputs of one run: the engine and model are
    resolved (and a bad name refused) at once, the model is loaded once, on first use,
    and speakers are found by diarization when asked for (``speakers``: ``"auto"``, a
    number, or None)."""

    model: str | None = None
    model_dir: Path | None = None
    device: str | None = None
    language: str | None = None
    prompt: str | None = None
    prompt_from_library: bool = False
    word_timestamps: bool = True
    temperature: float | None = None
    max_tokens: int | None = None
    engine: str | None = None
    beam_size: int = whisper.DEFAULT_BEAM_SIZE
    speakers: int | str | None = None
    show: str = ""  # the show, for the prompt and the hosts' names (else the library's usual show)
    spec: whisper.ModelSpec = field(init=False)
    used_prompt: str | None = field(init=False, default=None)
    hosts: tuple[str, ...] = field(init=False, default=())
    hotwords: str | None = field(init=False, default=None)
    _loaded: whisper.SpeechModel | None = field(init=False, default=None, repr=False)

    def __post_init__(self) -> None:
        self.spec = whisper.resolve_model(self.model, model_dir=self.model_dir, engine=self.engine)
        self.device = whisper.pick_device(self.device, engine=self.spec.engine)
        if self.speakers is not None:
            diarize.check_installed()

    def load(self, library: Library, *, show: str = "") -> None:
        """Load the model (once) and settle the initial prompt and the hosts' names."""
        if self._loaded is not None:
            return
        loaded = whisper.load_model(self.spec, device=self.device)
        if self.prompt:
            used = loaded.count_tokens(self.prompt)
            if used > loaded.prompt_budget:
                raise OptionError(f"--prompt is {used} tokens; whisper reads at most {loaded.prompt_budget}")
        vocabulary = show_vocabulary(library, show=self.show or show)
        self.hosts = tuple(vocabulary.hosts)
        self.used_prompt = self.prompt
        if self.prompt_from_library:
            self.used_prompt = whisper.library_prompt(
                loaded, show=vocabulary.show, hosts=vocabulary.hosts, terms=vocabulary.terms,
                lead=self.prompt or "") or None
            self.hotwords = whisper.segment_hotwords(vocabulary.segments)
        self._loaded = loaded

    def __call__(self, library: Library, samples, *, progress: Callable[[float], None] | None = None,
                 diarize_progress: Callable[[float], None] | None = None, diarize_speakers: bool = True,
                 retry_progress: Callable[[float], None] | None = None, **fields) -> Transcript:
        """The transcript of the samples, with speakers when diarization was asked for
        (and ``diarize_speakers``: not when a published transcript supplies them)."""
        self.load(library, show=str(fields.get("show") or ""))
        transcript = whisper.transcribe(
            self._loaded, samples, source=self.spec.label, language=self.language,
            prompt=self.used_prompt, word_timestamps=self.word_timestamps,
            temperature=self.temperature, beam_size=self.beam_size, max_tokens=self.max_tokens,
            hotwords=self.hotwords, progress=progress, retry_progress=retry_progress, **fields)
        if self.speakers is None or not diarize_speakers or not transcript.utterances:
            return transcript
        found = diarize.diarize(samples, speakers=self.speakers, progress=diarize_progress)
        return diarize.label_transcript(transcript, found, hosts=self.hosts)


@dataclass(frozen=True)
class Transcribed:
    """One audio file turned into a stored episode."""

    slug: str
    transcript: Transcript  # as stored
    duration: float  # seconds of audio
    path: Path  # the stored transcript.json
    exported: tuple[Path, ...] = ()
    alignment: Alignment | None = None


# (what, total s, done s); what: "decode", "load", "transcribe", "retry" (decoding again
# with less prompt: the prompted decode skipped the start of the speech), "diarize"
AudioProgress = Callable[[str, float | None, float], None]


def transcribe_file(library: Library, path: Path, slug: str, transcriber: Transcriber, *,
                    meta: EpisodeMeta | None = None, published: Transcript | None = None,
                    published_name: str = "", exports: Sequence[str] = (),
                    progress: AudioProgress | None = None) -> Transcribed:
    """Decode ``path``, transcribe it, (align ``published`` to it,) store it under
    ``slug`` with the file's own tags as defaults for title and show, analyse it,
    index it and write ``exports`` beside it. Nothing is stored until the transcript
    is complete, so an interrupted call stores nothing."""
    report = progress or (lambda what, total, done: None)
    info = probe(path)
    report("decode", info.duration_seconds or None, 0.0)
    samples = load_audio(path, progress=lambda s: report("decode", info.duration_seconds, s))
    duration = duration_seconds(samples)
    report("load", None, 0.0)
    show = (meta.show if meta is not None and meta.show else None) or info.album
    transcriber.load(library, show=show)
    report("transcribe", duration, 0.0)
    transcript = transcriber(
        library, samples, progress=lambda s: report("transcribe", duration, s),
        diarize_progress=lambda s: report("diarize", duration, s),
        retry_progress=lambda s: report("retry", duration, s),
        diarize_speakers=published is None, title=info.title or title_from_name(path), show=info.album)
    alignment = None
    if published is not None:
        alignment = align(published, transcript)
        transcript = alignment.transcript.replace(
            duration=duration, audio_url=published.audio_url,
            source=f"align:{published.source or published_name} to {transcriber.spec.label}")
    stored = store_episode(library, transcript, slug, meta=meta)
    transcript = library.load(slug)
    return Transcribed(slug, transcript, duration, stored,
                       tuple(export_formats(library, slug, transcript, exports)), alignment)


def title_from_name(path: Path) -> str:
    """A title from a file name: ``episode-12_final`` → ``episode 12 final``."""
    return path.stem.replace("_", " ").replace("-", " ").strip()


def export_path(library: Library, slug: str, fmt: str) -> Path:
    """``transcript.srt``, ``transcript.vtt``, ``transcript.podcast.json``... beside the
    stored ``transcript.json``."""
    ext = EXTENSIONS[fmt]
    if ext == ".json" and fmt != "json":  # podcast-json → transcript.podcast.json
        ext = f".{fmt.removesuffix('-json')}{ext}"
    return library.episode_dir(slug) / f"transcript{ext}"


def export_formats(library: Library, slug: str, transcript: Transcript,
                   formats: Iterable[str]) -> list[Path]:
    """Write the transcript in ``formats`` beside the stored one; returns the paths."""
    written = []
    for fmt in formats:
        path = export_path(library, slug, fmt)
        if path == library.transcript_path(slug):
            continue  # that is the stored transcript itself
        try:
            atomic_write_text(path, write_transcript(transcript, fmt))
        except OSError as exc:
            raise FormatError(f"{path}: cannot write ({exc.strerror or exc})") from None
        written.append(path)
    return written


def align_episode(library: Library, published: str, timed: str, *, slug: str | None = None,
                  exports: Sequence[str] = ()) -> tuple[str, Path, Alignment, list[Path]]:
    """``banana align``: give a published transcript (slug or file) the times of a timed
    one of the same audio (slug, whisper JSON with word times, SRT, WebVTT), store the
    result, analyse and index it. The word timings the timed transcript keeps (a
    stored episode from ``transcribe``, whisper JSON) are used when it has them."""
    published_slug, published_transcript = library.resolve(published)
    _, timed_transcript = library.resolve(timed)
    alignment = align(published_transcript, timed_transcript)  # with the word timings it keeps
    name = slug or published_slug or assign_slugs([Path(published)])[0][1]
    saved = store_episode(library, alignment.transcript, name)
    return name, saved, alignment, export_formats(library, name, alignment.transcript, exports)


@dataclass(frozen=True)
class Vocabulary:
    """What whisper's prompt names, and whom diarization can name: the show, its hosts
    (the show profile's, then the library's), the terms the show has explained."""

    show: str
    hosts: tuple[str, ...]
    terms: tuple[str, ...]
    segments: tuple[str, ...] = ()  # titles of the segments the analysis will look for


def show_vocabulary(library: Library, *, show: str = "") -> Vocabulary:
    """The vocabulary of ``show`` (the audio's own tag or ``--show``; else the show most
    of the library's episodes belong to). The show's profile gives its hosts when the
    profile is that show's (the built-in default names its own show, not every show)."""
    hosts, terms = library_vocabulary(library)
    show = " ".join(show.split()) or _usual_show(library)
    profile_hosts: list[str] = []
    said_titles: list[str] = []  # segment titles the show says on air ("In English Please")
    if show:
        try:
            profile = library.profile_for(Transcript(show=show))
        except BananaError:  # a malformed show profile: the library's own hosts still serve
            profile = None
        if profile is not None and profile.name.casefold() == show.casefold():
            profile_hosts = list(profile.hosts)
            said_titles = [s.title for s in profile.segments
                           if normalise(s.title) in {normalise(c) for c in s.cues}]
    return Vocabulary(show, tuple(dict.fromkeys([*profile_hosts, *hosts])), tuple(terms), tuple(said_titles))


def _usual_show(library: Library) -> str:
    shows: Counter[str] = Counter()
    for slug in library.slugs():
        try:
            name = library.load(slug).show
        except BananaError:
            continue
        if name:
            shows[name] += 1
    return shows.most_common(1)[0][0] if shows else ""


def library_vocabulary(library: Library) -> tuple[list[str], list[str]]:
    """What the show's own words are, for whisper's prompt: the hosts (speakers in at
    least a quarter of the episodes, most frequent first) and the terms the show
    explained in its latest episodes, newest first (from the stored analyses)."""
    slugs = library.slugs()
    episodes: Counter[str] = Counter()
    turns: Counter[str] = Counter()
    for slug in slugs:
        try:
            transcript = library.load(slug)
        except BananaError:
            continue
        episodes.update(set(transcript.speakers) | {u.speaker for u in transcript.utterances if u.speaker})
        turns.update(u.speaker for u in transcript.utterances if u.speaker)
    needed = max(1, HOST_MIN_EPISODE_SHARE * len(slugs))
    hosts = sorted((s for s, n in episodes.items() if n >= needed),
                   key=lambda s: (-episodes[s], -turns[s], s))
    terms: list[str] = []
    for slug in reversed(slugs[-GLOSSARY_EPISODES:]):
        try:
            terms.extend(entry.term for entry in library.analysis(slug).glossary)
        except BananaError:  # a malformed show profile, a refused transcript
            continue
    return hosts, terms


# --- processing -----------------------------------------------------------------------------

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
        folder = Path(__file__).resolve().parents[2] / "episodes" / "samples"
    paths = sorted(folder.glob("*.txt")) if folder.is_dir() else []
    if not paths:
        raise BananaError("no bundled sample episodes found; give the files to process")
    return paths


def is_audio(path: Path) -> bool:
    return path.suffix.lower() in AUDIO_SUFFIXES


def publish(library: Library, slug: str, *, source: Path,
            progress: Progress | None = None) -> EpisodeResult:
    """Publish a stored episode from its stored analysis: solve the teaser, write the
    captions, chapters and notes."""
    tick = progress or (lambda stage, what: None)
    transcript = library.load(slug)
    tick("analyse", slug)
    analysis = library.analysis(slug)
    tick("solve", slug)
    solutions, teaser = [], "none"
    if analysis.teaser is not None:
        try:
            solutions = solve_query(analysis.teaser)
            teaser = "solved" if solutions else "unsolved"
        except BananaError as exc:  # e.g. the puzzle is beyond the solver's bounds
            teaser = f"unsolved: {exc}"
    tick("write", slug)
    notes = build_notes(transcript, analysis, episode=slug, solutions=solutions,
                        previous_answer=previous_answer(library, slug, transcript, analysis))
    folder = library.episode_dir(slug)
    outputs = {
        "transcript.vtt": write_transcript(transcript, "vtt"),
        "transcript.srt": write_transcript(transcript, "srt"),
        "chapters.json": write_chapters(episode_chapters(transcript, analysis), "podcast-json",
                                        title=transcript.title),
        "notes.md": render(notes, "md"),
        "notes.html": render(notes, "html"),
    }
    written = tuple(folder / name for name, text in outputs.items()
                    if write_if_changed(folder / name, text.encode("utf-8")))
    return EpisodeResult(source=source, slug=slug, title=transcript.title,
                         duration=transcript.duration, segments=len(analysis.segments),
                         glossary_terms=len(analysis.glossary), teaser=teaser, written=written)


def process(library: Library, inputs: Sequence[Path] | None = None, *,
            progress: Progress | None = None,
            transcriber: Transcriber | None = None) -> list[EpisodeResult]:
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
            if is_audio(path):
                transcript = _transcribe_for_process(library, path, transcriber)
            else:
                transcript = read_transcript(path)
            _mark_pending(library, slug)
            store_episode(library, transcript, slug)
            results.append(_publish_stored(library, slug, source=path, progress=progress))
        except BananaError as exc:
            results.append(EpisodeResult(source=path, error=str(exc)))
    results.extend(finish_unfinished(library, progress=progress,
                                     skip={slug for _, slug in batch}))
    return results


def _transcribe_for_process(library: Library, path: Path,
                            transcriber: Transcriber | None) -> Transcript:
    transcriber = transcriber or Transcriber(speakers="auto")
    info = probe(path)
    return transcriber(library, load_audio(path), title=info.title or title_from_name(path),
                       show=info.album)


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
        result = publish(library, slug, source=source, progress=progress)
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
