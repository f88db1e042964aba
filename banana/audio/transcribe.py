"""Speech to transcript with one of two whisper engines behind one interface.

* ``whisper`` — openai-whisper (PyTorch): official model names and checkpoint files
  (``*.pt``).
* ``faster-whisper`` — the same models converted for CTranslate2 (a directory
  holding ``model.bin``, ``config.json``, ``tokenizer.json``), int8 on CPU and
  float16 on a GPU: the same words for a fraction of the CPU time.

``resolve_model`` turns ``--model``/``--model-dir``/``--engine`` into a ModelSpec
(checked before any audio is decoded); without ``--engine`` it picks the fastest
engine installed that has the model on disk. ``load_model`` loads it once as a
``SpeechModel``; ``transcribe`` runs it on decoded samples and returns a Transcript
whose utterances keep the engine's word timings (``Utterance.words``).

Both engines decode alike: beam search of 5 (whisper's command-line default),
falling back to sampling at rising temperatures when a window decodes badly, and
each 30-second window decoded on its own (``condition_on_previous_text=False``): with
small models, conditioning on the previous window's text lets one bad window start a
repetition loop that whisper then skips whole windows of speech to escape (seen with
tiny.en: a prompted run lost 50 of 264 words). The initial prompt applies to the
first window, where a show says its name and its hosts introduce themselves. The engines and torch are imported only
inside the functions here, so the rest of the toolkit stays fast to import.

The initial prompt (``library_prompt``) is a short, punctuated sentence: whisper
continues the style of its prompt, so a comma-separated list of names makes it drop
full stops, while a sentence keeps them.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import os
import shutil
import socket
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from banana.audio.decode import SAMPLE_RATE_HZ, SILENCE_WINDOW_SECONDS, is_silent
from banana.errors import ModelError
from banana.transcript import Transcript, Utterance, Word

WHISPER = "whisper"  # openai-whisper
FASTER_WHISPER = "faster-whisper"  # CTranslate2
ENGINES = (FASTER_WHISPER, WHISPER)  # fastest first: the order ``--engine`` defaults by
ENGINE_MODULES = {FASTER_WHISPER: "faster_whisper", WHISPER: "whisper"}

DEFAULT_MODEL = "base"  # a fair speed/accuracy trade-off on CPU (~1 GB RAM)
MODEL_ENV = "BANANA_WHISPER_MODEL"
DOWNLOAD_TIMEOUT_SECONDS = 30
HOP_SECONDS = 160 / SAMPLE_RATE_HZ  # whisper's mel frame hop (whisper.audio.HOP_LENGTH)
TEXT_CONTEXT_TOKENS = 448  # whisper's decoder context (n_text_ctx), the same for every size
DEFAULT_BEAM_SIZE = 5  # whisper's command-line default (and faster-whisper's)
BEST_OF = 5  # candidates sampled at a fallback temperature (whisper's default)
CONDITION_ON_PREVIOUS_TEXT = False  # see the module docstring
CT2_FILES = ("model.bin", "config.json")  # what makes a folder a CTranslate2 model


def default_model() -> str:
    """The model ``banana transcribe`` uses without ``--model``."""
    return os.environ.get(MODEL_ENV) or DEFAULT_MODEL


def default_download_root() -> Path:
    """whisper's own cache: ``$XDG_CACHE_HOME/whisper`` or ``~/.cache/whisper``. Both
    engines look there: ``NAME.pt`` for openai-whisper, ``NAME/`` for CTranslate2."""
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "whisper"


def installed_engines() -> tuple[str, ...]:
    """The engines whose Python package is installed, fastest first."""
    return tuple(e for e in ENGINES if importlib.util.find_spec(ENGINE_MODULES[e]) is not None)


def is_ctranslate2_model(path: Path) -> bool:
    """A folder holding a CTranslate2 model (faster-whisper's format)."""
    return path.is_dir() and all((path / name).is_file() for name in CT2_FILES)


@dataclass(frozen=True)
class ModelSpec:
    """Which model to load with which engine: an official name (looked up in
    ``download_root``, downloaded when missing), a checkpoint file (openai-whisper)
    or a CTranslate2 model directory (faster-whisper)."""

    name: str  # an official name, or the path as given
    checkpoint: Path | None  # a checkpoint file or a CTranslate2 directory, if given one
    download_root: Path
    engine: str = WHISPER

    @property
    def label(self) -> str:
        """What a transcript's ``source`` says produced it, e.g. ``faster-whisper:tiny.en``."""
        return f"{self.engine}:{self.checkpoint if self.checkpoint is not None else self.name}"

    @property
    def expected_file(self) -> Path:
        """Where an official model is looked for (and downloaded to): ``NAME.pt`` for
        openai-whisper, the folder ``NAME`` for faster-whisper."""
        if self.engine == FASTER_WHISPER:
            return self.download_root / self.name
        return self.download_root / _model_file_name(self.name)

    @property
    def url(self) -> str | None:
        if self.engine == FASTER_WHISPER:
            return None
        import whisper

        return getattr(whisper, "_MODELS", {}).get(self.name)

    @property
    def present(self) -> bool:
        """The model is on disk (nothing to download)."""
        if self.checkpoint is not None:
            return True
        if self.engine == FASTER_WHISPER:
            return is_ctranslate2_model(self.expected_file)
        return self.expected_file.is_file()


def _model_file_name(name: str) -> str:
    import whisper

    url = getattr(whisper, "_MODELS", {}).get(name)
    return os.path.basename(url) if url else f"{name}.pt"


def _official_names(engine: str) -> list[str]:
    if engine == FASTER_WHISPER:
        import faster_whisper

        return list(faster_whisper.available_models())
    import whisper

    return list(whisper.available_models())


def resolve_model(model: str | None = None, *, model_dir: Path | str | None = None,
                  engine: str | None = None) -> ModelSpec:
    """Turn ``--model`` / ``--model-dir`` / ``--engine`` into a ModelSpec, or a
    ModelError naming what is wrong.

    ``model`` is an official name, a checkpoint file (openai-whisper), a CTranslate2
    model directory (faster-whisper), or ``NAME`` for ``<model_dir>/NAME.pt`` or
    ``<model_dir>/NAME/``. Without ``engine`` the fastest installed engine that has
    the model on disk is used; when none has it, the fastest installed one.
    """
    installed = installed_engines()
    if not installed:
        raise ModelError("no whisper engine is installed: pip install 'banana[whisper]' "
                         "(faster-whisper and openai-whisper)")
    if engine is not None and engine not in ENGINES:
        raise ModelError(f"unknown engine {engine!r}: choose {' or '.join(ENGINES)}")
    if engine is not None and engine not in installed:
        raise ModelError(f"--engine {engine}: the {ENGINE_MODULES[engine]} package is not installed "
                         f"(pip install {engine})")
    name = model or default_model()
    root = Path(model_dir) if model_dir is not None else default_download_root()
    if model_dir is not None and root.exists() and not root.is_dir():
        raise ModelError(f"--model-dir {root}: not a directory")

    for candidate in (Path(name), root / name, root / f"{name}.pt"):
        if is_ctranslate2_model(candidate):
            return ModelSpec(name, candidate, root, _engine_for(FASTER_WHISPER, engine, installed, candidate))
        if candidate.is_file():
            if candidate.name in CT2_FILES and is_ctranslate2_model(candidate.parent):
                return ModelSpec(name, candidate.parent, root,
                                 _engine_for(FASTER_WHISPER, engine, installed, candidate.parent))
            return ModelSpec(name, candidate, root, _engine_for(WHISPER, engine, installed, candidate))

    candidates = [engine] if engine is not None else list(installed)
    known = [e for e in candidates if name in _official_names(e)]
    if known:
        specs = [ModelSpec(name, None, root, e) for e in known]
        return next((s for s in specs if s.present), specs[0])
    if Path(name).is_dir():
        raise ModelError(f"--model {name}: is a directory but not a CTranslate2 model "
                         f"(it needs {' and '.join(CT2_FILES)}); give a model directory, a "
                         "checkpoint file or a model name")
    looks_like_path = os.sep in name or name.endswith((".pt", ".pth", ".bin"))
    if looks_like_path:
        raise ModelError(f"--model {name}: no such checkpoint file or model directory")
    names = sorted({n for e in candidates for n in _official_names(e)})
    raise ModelError(f"unknown whisper model {name!r}: not one of {', '.join(names)} "
                     f"nor a checkpoint file or CTranslate2 model directory")


def _engine_for(needed: str, asked: str | None, installed: tuple[str, ...], path: Path) -> str:
    """The engine a model file needs, refused when another was asked for or it is missing."""
    what = "a CTranslate2 model directory" if needed == FASTER_WHISPER else "an openai-whisper checkpoint"
    if asked is not None and asked != needed:
        raise ModelError(f"--engine {asked} cannot load {path}: it is {what}; use --engine {needed}")
    if needed not in installed:
        raise ModelError(f"{path} is {what}, and {needed} is not installed (pip install {needed})")
    return needed


def pick_device(device: str | None = None, *, engine: str = WHISPER) -> str:
    """``"cuda"`` when available (or asked for), else ``"cpu"``."""
    if engine == FASTER_WHISPER:
        import ctranslate2

        has_cuda = ctranslate2.get_cuda_device_count() > 0
    else:
        import torch

        has_cuda = torch.cuda.is_available()
    if device in (None, "auto"):
        return "cuda" if has_cuda else "cpu"
    if device == "cuda" and not has_cuda:
        raise ModelError("--device cuda: CUDA is not available on this machine")
    return device


# -- decoding options and the engines' common output ---------------------------------

@dataclass(frozen=True)
class DecodeOptions:
    """How to decode, the same for both engines."""

    language: str | None = None
    prompt: str | None = None
    word_timestamps: bool = True
    temperature: float | None = None  # None: whisper's fallback schedule 0.0, 0.2, ... 1.0
    beam_size: int = DEFAULT_BEAM_SIZE  # 1: greedy
    max_tokens: int | None = None  # per 30-second window
    hotwords: str | None = None  # faster-whisper: before every window's prompt (openai-whisper has none)


@dataclass(frozen=True)
class Segment:
    """One decoded segment, engine-neutral."""

    start: float
    end: float
    text: str
    words: tuple[Word, ...] = ()


FALLBACK_TEMPERATURES = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)


class SpeechModel:
    """A loaded model of either engine: its prompt budget, its tokenizer, and
    ``segments`` (which decodes)."""

    engine = ""

    def __init__(self, spec: ModelSpec, model: Any, device: str) -> None:
        self.spec = spec
        self.model = model
        self.device = device

    @property
    def prompt_budget(self) -> int:
        """How many prompt tokens whisper keeps (it drops the oldest beyond this)."""
        return TEXT_CONTEXT_TOKENS // 2 - 1

    def count_tokens(self, text: str) -> int:
        """Tokens ``text`` takes as the initial prompt, with the model's tokenizer."""
        raise NotImplementedError

    def segments(self, samples: np.ndarray, options: DecodeOptions, *,
                 progress: Callable[[float], None] | None = None) -> tuple[list[Segment], str | None]:
        """The decoded segments and the language, progress in seconds of audio."""
        raise NotImplementedError


class OpenAIWhisperModel(SpeechModel):
    engine = WHISPER

    @property
    def prompt_budget(self) -> int:
        return self.model.dims.n_text_ctx // 2 - 1

    def count_tokens(self, text: str) -> int:
        from whisper.tokenizer import get_tokenizer

        tokenizer = get_tokenizer(self.model.is_multilingual, num_languages=self.model.num_languages)
        return len(tokenizer.encode(" " + text.strip()))

    def segments(self, samples, options, *, progress=None):
        result = run_whisper(self.model, samples, language=options.language, prompt=options.prompt,
                             word_timestamps=options.word_timestamps, temperature=options.temperature,
                             beam_size=options.beam_size, max_tokens=options.max_tokens,
                             progress=progress)
        out = []
        for seg in result.get("segments") or []:
            words = tuple(Word(w["start"], w["end"], w["word"], w.get("probability"))
                          for w in seg.get("words") or () if str(w.get("word", "")).strip())
            out.append(Segment(float(seg["start"]), float(seg["end"]), str(seg.get("text", "")), words))
        return out, result.get("language") or None


class FasterWhisperModel(SpeechModel):
    engine = FASTER_WHISPER

    def count_tokens(self, text: str) -> int:
        return len(self.model.hf_tokenizer.encode(" " + text.strip(), add_special_tokens=False).ids)

    def segments(self, samples, options, *, progress=None):
        temperature = (list(FALLBACK_TEMPERATURES) if options.temperature is None
                       else options.temperature)
        kwargs: dict[str, Any] = dict(
            language=options.language or None, initial_prompt=options.prompt or None,
            word_timestamps=options.word_timestamps, temperature=temperature,
            beam_size=options.beam_size, best_of=BEST_OF, vad_filter=False,
            condition_on_previous_text=CONDITION_ON_PREVIOUS_TEXT, hotwords=options.hotwords or None)
        if options.max_tokens is not None:  # the prompt and the new tokens share the context
            room = TEXT_CONTEXT_TOKENS - 4 - (self.count_tokens(options.prompt) if options.prompt else 0)
            kwargs["max_new_tokens"] = max(1, min(options.max_tokens, room))
        if options.language is None and not self.model.model.is_multilingual:
            kwargs["language"] = "en"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pieces, info = self.model.transcribe(samples, **kwargs)
            out = []
            for seg in pieces:  # a generator: each window is decoded as it is asked for
                words = tuple(Word(w.start, w.end, w.word, w.probability)
                              for w in seg.words or () if w.word.strip())
                out.append(Segment(float(seg.start), float(seg.end), seg.text, words))
                if progress is not None:
                    progress(min(float(seg.end), len(samples) / SAMPLE_RATE_HZ))
        if progress is not None:
            progress(len(samples) / SAMPLE_RATE_HZ)
        return out, info.language or None


def load_model(spec: ModelSpec, *, device: str | None = None) -> SpeechModel:
    """Load a model with its engine; a missing model that cannot be downloaded is a
    ModelError that names what is expected and where to put it."""
    device = pick_device(device, engine=spec.engine)
    if spec.engine == FASTER_WHISPER:
        return FasterWhisperModel(spec, _load_ctranslate2(spec, device), device)
    return OpenAIWhisperModel(spec, _load_openai(spec, device), device)


def _load_openai(spec: ModelSpec, device: str):
    import whisper

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


def _load_ctranslate2(spec: ModelSpec, device: str):
    import faster_whisper

    compute_type = "float16" if device == "cuda" else "int8"
    path = spec.checkpoint if spec.checkpoint is not None else spec.expected_file
    if spec.checkpoint is None and not spec.present:
        _download_ctranslate2(spec)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return faster_whisper.WhisperModel(str(path), device=device, compute_type=compute_type)
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # CTranslate2 raises RuntimeError/ValueError for a bad model
        raise ModelError(f"{path}: cannot load CTranslate2 model ({_one_line(exc)})") from None


def _download_ctranslate2(spec: ModelSpec) -> None:
    """Fetch an official CTranslate2 model into ``<download_root>/NAME``; nothing is
    left there when the download fails."""
    from faster_whisper.utils import download_model

    target = spec.expected_file
    existed = target.exists()
    try:
        with _download_timeout(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            download_model(spec.name, output_dir=str(target))
    except KeyboardInterrupt:
        raise
    except Exception as exc:
        if not existed:
            shutil.rmtree(target, ignore_errors=True)
        raise ModelError(
            f"faster-whisper model {spec.name!r} is not in {spec.download_root} and could not be "
            f"downloaded ({_one_line(exc)}); put the CTranslate2 model directory (model.bin, "
            f"config.json, tokenizer.json) at {target}, or pass --model-dir DIR or --model PATH "
            f"(or --engine whisper for {spec.name}.pt)") from None
    if not is_ctranslate2_model(target):
        raise ModelError(f"{target}: the download holds no CTranslate2 model")


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
    try:
        from whisper.tokenizer import LANGUAGES, TO_LANGUAGE_CODE
    except ImportError:  # faster-whisper alone knows the codes, not the names
        from faster_whisper.tokenizer import _LANGUAGE_CODES

        LANGUAGES, TO_LANGUAGE_CODE = {code: code for code in _LANGUAGE_CODES}, {}
    key = language.strip().lower()
    if key in LANGUAGES:
        return key
    if key in TO_LANGUAGE_CODE:
        return TO_LANGUAGE_CODE[key]
    raise ValueError(f"whisper does not know the language {language!r}")


# -- the initial prompt ------------------------------------------------------------

def prompt_budget_tokens(model: SpeechModel) -> int:
    """How many prompt tokens whisper keeps (it drops the oldest beyond this)."""
    return model.prompt_budget


def count_prompt_tokens(model: SpeechModel, text: str) -> int:
    """Tokens ``text`` takes as whisper's initial prompt, with the model's tokenizer."""
    return model.count_tokens(text)


def _join(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    items = list(items)
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if not text or text[-1] in ".?!" else text + "."


def segment_hotwords(segments: Sequence[str]) -> str | None:
    """The show's segment titles ("In English Please, brain teaser"), which faster-whisper
    puts before every window's prompt (``hotwords``): the names of recurring segments
    are the cues the analysis looks for, said anywhere in an episode. (Put in the
    initial prompt as a sentence, they made tiny.en drop its first 20 seconds.)"""
    titles = list(dict.fromkeys(" ".join(t.split()) for t in segments if t.strip()))
    if not titles:
        return None
    return ", ".join([titles[0], *(t[:1].lower() + t[1:] for t in titles[1:])])


def library_prompt(model: SpeechModel, *, show: str = "", hosts: Sequence[str] = (),
                   terms: Sequence[str] = (), lead: str = "") -> str:
    """The ``--prompt-from-library`` prompt: ``lead`` and then short sentences in the
    style a transcript is written in, e.g. "Welcome to the Banana Data podcast with
    Triveni Gandhi and Will Nowak. Today we talk about autoencoder neural networks
    and deepfakes." — the show's name, the hosts and as many explained terms, in
    order, as fit the model's prompt budget (``pipeline.show_vocabulary`` collects
    them). Terms are written as the show writes them (no digits turned to words or
    back)."""
    budget = model.prompt_budget
    show = " ".join(show.split())
    hosts = list(dict.fromkeys(" ".join(h.split()) for h in hosts if h.strip()))
    if show and not show.casefold().endswith("podcast"):
        show = f"the {show} podcast" if not show.casefold().startswith("the ") else f"{show} podcast"
    intro = ""
    if show or hosts:
        intro = f"Welcome to {show or 'the show'}" + (f" with {_join(hosts)}" if hosts else "") + "."
    parts = [p for p in (_sentence(lead), intro) if p]
    while parts and model.count_tokens(" ".join(parts)) > budget and hosts:
        hosts = hosts[:-1]  # an absurd number of hosts: keep those that fit
        intro = f"Welcome to {show or 'the show'}" + (f" with {_join(hosts)}" if hosts else "") + "."
        parts = [p for p in (_sentence(lead), intro) if p]
    head = " ".join(parts)
    chosen: list[str] = []
    seen = {head.casefold()}
    for term in terms:
        term = " ".join(term.split())
        if not term or term.casefold() in seen:
            continue
        candidate = f"{head} Today we talk about {_join([*chosen, term])}.".strip()
        if model.count_tokens(candidate) > budget:
            continue  # a shorter term further on may still fit
        chosen.append(term)
        seen.add(term.casefold())
    if chosen:
        return f"{head} Today we talk about {_join(chosen)}.".strip()
    return head if model.count_tokens(head) <= budget else ""


# -- transcription -----------------------------------------------------------------

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
                beam_size: int = 1, max_tokens: int | None = None,
                progress: Callable[[float], None] | None = None) -> dict[str, Any]:
    """``whisper.transcribe`` (openai-whisper) on 16 kHz mono samples; returns
    whisper's result dict.

    ``temperature=None`` keeps whisper's fallback schedule (0.0 up to 1.0 when a
    window decodes badly); a number decodes each window once at that temperature.
    ``beam_size=1`` decodes greedily.
    """
    import whisper

    options: dict[str, Any] = {
        "language": language,
        "initial_prompt": prompt or None,
        "word_timestamps": word_timestamps,
        "fp16": str(model.device).startswith("cuda"),
        "verbose": None,  # whisper prints nothing
        "condition_on_previous_text": CONDITION_ON_PREVIOUS_TEXT,
    }
    if beam_size > 1:
        options["beam_size"] = beam_size
        options["best_of"] = BEST_OF
    if temperature is not None:
        options["temperature"] = temperature
    if max_tokens is not None:
        options["sample_len"] = max_tokens
    with _whisper_progress(progress), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return whisper.transcribe(model, samples, **options)


def to_transcript(segments: Sequence[Segment] | dict[str, Any], *, duration: float, source: str,
                  language: str | None = None, **fields: Any) -> Transcript:
    """Segments as utterances (no speakers), times clamped to the audio; each keeps
    its words. Also takes whisper's result dict."""
    if isinstance(segments, dict):
        language = language or segments.get("language") or None
        segments = [Segment(float(s["start"]), float(s["end"]), str(s.get("text", "")),
                            tuple(Word(w["start"], w["end"], w["word"], w.get("probability"))
                                  for w in s.get("words") or () if str(w.get("word", "")).strip()))
                    for s in segments.get("segments") or []]
    utterances = []
    for segment in segments:
        text = " ".join(segment.text.split())
        if not text:
            continue
        start = min(max(segment.start, 0.0), duration)
        end = min(max(segment.end, start), duration)
        words = tuple(Word(min(max(w.start, 0.0), duration), min(max(w.end, w.start, 0.0), duration),
                           w.text, w.probability) for w in segment.words)
        utterances.append(Utterance(start, end, text, words=words))
    return Transcript.build(utterances, duration=duration, source=source, language=language, **fields)


# A prompt can make whisper skip speech: with a long enough initial prompt (plus
# hotwords), tiny.en decoded the first 30-second window of an episode as its first
# sentence alone and jumped to the next window, losing 20 seconds (the show's own intro
# resembles the prompt, which whisper takes for text already transcribed). A prompted
# decode whose first words come well after the speech starts is decoded again with less
# prompt: without the initial prompt, then without hotwords too.
PROMPT_SKIP_SECONDS = 3.0  # first words this long after the speech starts: speech was skipped
WHOLE_WINDOW_SECONDS = 25.0  # a first segment this long (a window decoded without timestamps) ...
WHOLE_WINDOW_MIN_WORDS_PER_SECOND = 1.0  # ... holding fewer words than this skipped speech
SPEECH_BELOW_PEAK_DB = 30.0  # speech starts at the first 100 ms this close to the loud part


def speech_onset(samples: np.ndarray) -> float:
    """Seconds to the first 100 ms window within ``SPEECH_BELOW_PEAK_DB`` of the audio's
    loud part (its 95th-percentile window)."""
    window = max(1, int(SILENCE_WINDOW_SECONDS * SAMPLE_RATE_HZ))
    count = samples.size // window
    if count == 0:
        return 0.0
    rms = np.sqrt(np.mean(samples[:count * window].astype(np.float64).reshape(count, window) ** 2, axis=1))
    loud = float(np.percentile(rms, 95))
    if loud <= 0:
        return 0.0
    above = np.flatnonzero(rms >= loud * 10 ** (-SPEECH_BELOW_PEAK_DB / 20))
    return float(above[0]) * SILENCE_WINDOW_SECONDS if above.size else 0.0


def _first_start(segments: Sequence[Segment]) -> float:
    for seg in segments:
        if seg.text.strip():
            return seg.words[0].start if seg.words else seg.start
    return float("inf")


def skipped_speech(segments: Sequence[Segment], onset: float) -> bool:
    """Did the decode skip the start of the speech (its first words long after the
    speech starts, or its first window decoded as one long segment with few words: the
    first sentence alone)?"""
    spoken = [seg for seg in segments if seg.text.strip()]
    if not spoken:
        return True
    first = spoken[0]
    length = first.end - first.start
    return (_first_start(spoken) - onset > PROMPT_SKIP_SECONDS
            or (length >= WHOLE_WINDOW_SECONDS
                and len(first.text.split()) < WHOLE_WINDOW_MIN_WORDS_PER_SECOND * length))


def _without_skipped_speech(model: SpeechModel, samples: np.ndarray, options: DecodeOptions,
                            segments: list[Segment], *,
                            progress: Callable[[float], None] | None = None) -> list[Segment]:
    """``segments``, or, when the prompt made whisper skip speech, a decode with less
    prompt that does not (or that starts earliest); ``progress`` follows each decode
    again from the start."""
    onset = speech_onset(samples)
    best = segments
    tried = {(options.prompt, options.hotwords)}
    for fallback in (replace(options, prompt=None), replace(options, prompt=None, hotwords=None)):
        if not skipped_speech(best, onset):
            break
        if (fallback.prompt, fallback.hotwords) in tried:
            continue
        tried.add((fallback.prompt, fallback.hotwords))
        if progress is not None:
            progress(0.0)
        again, _ = model.segments(samples, fallback, progress=progress)
        if not skipped_speech(again, onset) or _first_start(again) < _first_start(best) - PROMPT_SKIP_SECONDS:
            best = again
    return best


def transcribe(model: SpeechModel | None, samples: np.ndarray, *, source: str,
               language: str | None = None, prompt: str | None = None,
               word_timestamps: bool = True, temperature: float | None = None,
               beam_size: int = DEFAULT_BEAM_SIZE, max_tokens: int | None = None,
               hotwords: str | None = None,
               progress: Callable[[float], None] | None = None,
               retry_progress: Callable[[float], None] | None = None, **fields: Any) -> Transcript:
    """Transcribe decoded audio (see ``banana.audio.load_audio``).

    Silence-only audio gives an empty transcript without running the model (whisper
    tends to invent words for silence). ``fields`` (title, show, ...) go to the
    Transcript; ``source`` names the model (``ModelSpec.label``). ``progress`` is told
    the seconds decoded; ``retry_progress`` the same for a decode again with less prompt
    (when the prompted one skipped the start of the speech).
    """
    duration = len(samples) / SAMPLE_RATE_HZ
    if is_silent(samples):
        if progress is not None:
            progress(duration)
        return Transcript.build((), duration=duration, source=source, language=language, **fields)
    assert model is not None
    options = DecodeOptions(language=language, prompt=prompt, word_timestamps=word_timestamps,
                            temperature=temperature, beam_size=beam_size, max_tokens=max_tokens,
                            hotwords=hotwords)
    segments, detected = model.segments(samples, options, progress=progress)
    if options.prompt or options.hotwords:
        segments = _without_skipped_speech(model, samples, options, segments,
                                           progress=retry_progress)
    return to_transcript(segments, duration=duration, source=source,
                         language=language or detected, **fields)
