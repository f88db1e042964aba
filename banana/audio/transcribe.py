"""Speech to transcript with openai-whisper.

whisper and torch are imported only inside the functions here, so the rest of the
toolkit stays fast to import. Audio comes decoded from ``banana.audio`` (PyAV) and
is handed to ``whisper.transcribe`` as an array, so no system ffmpeg is needed.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import socket
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from banana.audio.align import TimedWord, words_from_whisper
from banana.audio.decode import SAMPLE_RATE_HZ, is_silent
from banana.errors import ModelError
from banana.transcript import Transcript, Utterance

DEFAULT_MODEL = "base"  # a fair speed/accuracy trade-off on CPU (~1 GB RAM)
MODEL_ENV = "BANANA_WHISPER_MODEL"
DOWNLOAD_TIMEOUT_SECONDS = 30
HOP_SECONDS = 160 / SAMPLE_RATE_HZ  # whisper's mel frame hop (whisper.audio.HOP_LENGTH)
HOST_MIN_EPISODE_SHARE = 0.25  # a speaker in at least this share of episodes is a host
GLOSSARY_EPISODES = 20  # explained terms come from this many latest episodes (~0.2 s each)
PROMPT_SEPARATOR = ", "


def default_model() -> str:
    """The model ``banana transcribe`` uses without ``--model``."""
    return os.environ.get(MODEL_ENV) or DEFAULT_MODEL


def default_download_root() -> Path:
    """whisper's own cache: ``$XDG_CACHE_HOME/whisper`` or ``~/.cache/whisper``."""
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "whisper"


@dataclass(frozen=True)
class ModelSpec:
    """Which whisper model to load: an official name (looked up in ``download_root``,
    downloaded when missing) or a checkpoint file."""

    name: str  # an official name, or the checkpoint path as given
    checkpoint: Path | None  # set for checkpoint files
    download_root: Path

    @property
    def label(self) -> str:
        """What a transcript's ``source`` says produced it."""
        return f"whisper:{self.checkpoint if self.checkpoint is not None else self.name}"

    @property
    def expected_file(self) -> Path:
        """Where whisper looks for (and downloads) an official model's weights."""
        return self.download_root / _model_file_name(self.name)

    @property
    def url(self) -> str | None:
        import whisper

        return getattr(whisper, "_MODELS", {}).get(self.name)


def _model_file_name(name: str) -> str:
    import whisper

    url = getattr(whisper, "_MODELS", {}).get(name)
    return os.path.basename(url) if url else f"{name}.pt"


def resolve_model(model: str | None = None, *, model_dir: Path | str | None = None) -> ModelSpec:
    """Turn ``--model`` / ``--model-dir`` into a ModelSpec, or a ModelError naming
    what is wrong. Checkpoints are any file whisper can load; ``NAME`` also finds
    ``<model_dir>/NAME.pt``."""
    import whisper

    name = model or default_model()
    root = Path(model_dir) if model_dir is not None else default_download_root()
    if model_dir is not None and root.exists() and not root.is_dir():
        raise ModelError(f"--model-dir {root}: not a directory")
    if name in whisper.available_models():
        return ModelSpec(name=name, checkpoint=None, download_root=root)
    for candidate in (Path(name), root / name, root / f"{name}.pt"):
        if candidate.is_file():
            return ModelSpec(name=name, checkpoint=candidate, download_root=root)
    if Path(name).is_dir():
        raise ModelError(f"--model {name}: is a directory; give a checkpoint file or a model name")
    looks_like_path = os.sep in name or name.endswith((".pt", ".pth", ".bin"))
    if looks_like_path:
        raise ModelError(f"--model {name}: no such checkpoint file")
    raise ModelError(f"unknown whisper model {name!r}: not one of {', '.join(whisper.available_models())} "
                     f"nor a checkpoint file")


def pick_device(device: str | None = None) -> str:
    """``"cuda"`` when available (or asked for), else ``"cpu"``."""
    import torch

    if device in (None, "auto"):
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ModelError("--device cuda: CUDA is not available on this machine")
    return device


def load_model(spec: ModelSpec, *, device: str | None = None):
    """Load a whisper model; a missing model that cannot be downloaded is a ModelError
    that names the file expected and where to put it."""
    import whisper

    device = pick_device(device)
    if spec.checkpoint is not None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return whisper.load_model(str(spec.checkpoint), device=device)
        except Exception as exc:  # torch raises many types for a bad file
            raise ModelError(f"{spec.checkpoint}: not a whisper checkpoint ({_load_failure(exc)})") from None
    present = spec.expected_file.is_file()
    try:
        with _download_timeout(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return whisper.load_model(spec.name, device=device, download_root=str(spec.download_root))
    except KeyboardInterrupt:
        raise
    except Exception as exc:
        if present:
            raise ModelError(f"{spec.expected_file}: cannot load whisper model {spec.name!r} "
                             f"({_load_failure(exc)})") from None
        where = f" from {spec.url}" if spec.url else ""
        raise ModelError(
            f"whisper model {spec.name!r} is not in {spec.download_root} and could not be "
            f"downloaded ({_one_line(exc)}); download {spec.expected_file.name}{where} and put it at "
            f"{spec.expected_file}, or pass --model-dir DIR or --model PATH.pt") from None


@contextlib.contextmanager
def _download_timeout() -> Iterator[None]:
    """whisper downloads with urllib and no timeout; give a dead network one."""
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(DOWNLOAD_TIMEOUT_SECONDS)
    try:
        yield
    finally:
        socket.setdefaulttimeout(previous)


def _load_failure(exc: BaseException) -> str:
    """Why a checkpoint did not load, in one line, never repeating torch's advice to
    retry with ``weights_only=False`` (that would run whatever code the file holds)."""
    text = str(exc)
    if "weights_only" in text or "Unpickl" in type(exc).__name__ or "nsupported global" in text:
        return ("it holds Python objects besides model weights, and Banana loads weights only: "
                "loading it would run code stored in the file")
    return _one_line(exc)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."


def normalise_language(language: str | None) -> str | None:
    """``"English"``/``"en"`` → ``"en"``; raises ValueError for a language whisper lacks."""
    if language is None:
        return None
    from whisper.tokenizer import LANGUAGES, TO_LANGUAGE_CODE

    key = language.strip().lower()
    if key in LANGUAGES:
        return key
    if key in TO_LANGUAGE_CODE:
        return TO_LANGUAGE_CODE[key]
    raise ValueError(f"whisper does not know the language {language!r}")


# -- the initial prompt ------------------------------------------------------------

def prompt_budget_tokens(model) -> int:
    """How many prompt tokens whisper keeps (it drops the oldest beyond this)."""
    return model.dims.n_text_ctx // 2 - 1


def count_prompt_tokens(model, text: str) -> int:
    """Tokens ``text`` takes as whisper's initial prompt, with the model's tokenizer."""
    from whisper.tokenizer import get_tokenizer

    tokenizer = get_tokenizer(model.is_multilingual, num_languages=model.num_languages)
    return len(tokenizer.encode(" " + text.strip()))


def fit_prompt(model, terms: Sequence[str], *, lead: str = "") -> str:
    """``lead`` followed by as many of ``terms`` (in order, no repeats) as fit in
    whisper's prompt budget, joined with commas."""
    budget = prompt_budget_tokens(model)
    prompt = lead.strip()
    seen = {prompt.casefold()} if prompt else set()
    for term in terms:
        term = " ".join(term.split())
        if not term or term.casefold() in seen:
            continue
        candidate = f"{prompt}{PROMPT_SEPARATOR}{term}" if prompt else term
        if count_prompt_tokens(model, candidate) > budget:
            continue  # a shorter term further on may still fit
        prompt = candidate
        seen.add(term.casefold())
    return prompt


def library_prompt(model, hosts: Sequence[str], terms: Sequence[str], *, lead: str = "") -> str:
    """The ``--prompt-from-library`` prompt: the hosts' names, then the terms the show
    explained (``pipeline.library_vocabulary`` collects both from the library)."""
    return fit_prompt(model, [*hosts, *terms], lead=lead)


# -- transcription -----------------------------------------------------------------

@dataclass(frozen=True)
class Transcription:
    """A transcript from whisper, and word timings when they were asked for."""

    transcript: Transcript
    words: tuple[TimedWord, ...] = ()


class _AudioProgress:
    """Stands in for the tqdm bar inside ``whisper.transcribe``: reports seconds of
    audio processed (whisper counts mel frames) to a callback."""

    def __init__(self, callback: Callable[[float], None], *, total: int, **_: Any) -> None:
        self.callback = callback
        self.total = total
        self.frames = 0

    def __enter__(self) -> _AudioProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, frames: int) -> None:
        self.frames = min(self.total, self.frames + frames)
        self.callback(self.frames * HOP_SECONDS)


class _TqdmShim:
    def __init__(self, callback: Callable[[float], None]) -> None:
        self.callback = callback

    def tqdm(self, **kwargs: Any) -> _AudioProgress:
        return _AudioProgress(self.callback, **kwargs)


@contextlib.contextmanager
def _whisper_progress(callback: Callable[[float], None] | None) -> Iterator[None]:
    """whisper reports progress only through tqdm; route it to ``callback`` for the
    duration of one call (not thread-safe, like whisper's own bar)."""
    if callback is None:
        yield
        return
    module = importlib.import_module("whisper.transcribe")
    original = module.tqdm
    module.tqdm = _TqdmShim(callback)
    try:
        yield
    finally:
        module.tqdm = original


def run_whisper(model, samples: np.ndarray, *, language: str | None = None, prompt: str | None = None,
                word_timestamps: bool = False, temperature: float | None = None,
                max_tokens: int | None = None,
                progress: Callable[[float], None] | None = None) -> dict[str, Any]:
    """``whisper.transcribe`` on 16 kHz mono samples; returns whisper's result dict.

    ``temperature=None`` keeps whisper's fallback schedule (0.0 up to 1.0 when a
    window decodes badly); a number decodes each window once at that temperature.
    """
    import whisper

    options: dict[str, Any] = {
        "language": language,
        "initial_prompt": prompt or None,
        "word_timestamps": word_timestamps,
        "fp16": str(model.device).startswith("cuda"),
        "verbose": None,  # whisper prints nothing
    }
    if temperature is not None:
        options["temperature"] = temperature
    if max_tokens is not None:
        options["sample_len"] = max_tokens
    with _whisper_progress(progress), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return whisper.transcribe(model, samples, **options)


def to_transcript(result: dict[str, Any], *, duration: float, source: str, **fields: Any) -> Transcript:
    """whisper's segments as utterances (no speakers), times clamped to the audio."""
    utterances = []
    for segment in result.get("segments") or []:
        text = " ".join(str(segment.get("text", "")).split())
        if not text:
            continue
        start = min(max(float(segment["start"]), 0.0), duration)
        end = min(max(float(segment["end"]), start), duration)
        utterances.append(Utterance(start, end, text))
    return Transcript.build(utterances, duration=duration, source=source,
                            language=result.get("language") or None, **fields)


def transcribe(model, samples: np.ndarray, *, source: str, language: str | None = None,
               prompt: str | None = None, word_timestamps: bool = False,
               temperature: float | None = None, max_tokens: int | None = None,
               progress: Callable[[float], None] | None = None, **fields: Any) -> Transcription:
    """Transcribe decoded audio (see ``banana.audio.load_audio``).

    Silence-only audio gives an empty transcript without running the model (whisper
    tends to invent words for silence). ``fields`` (title, show, ...) go to the
    Transcript; ``source`` names the model (``ModelSpec.label``).
    """
    duration = len(samples) / SAMPLE_RATE_HZ
    if is_silent(samples):
        if progress is not None:
            progress(duration)
        return Transcription(Transcript.build((), duration=duration, source=source, language=language,
                                              **fields))
    result = run_whisper(model, samples, language=language, prompt=prompt,
                         word_timestamps=word_timestamps, temperature=temperature,
                         max_tokens=max_tokens, progress=progress)
    words = tuple(words_from_whisper(result)) if word_timestamps else ()
    return Transcription(to_transcript(result, duration=duration, source=source, **fields), words)
