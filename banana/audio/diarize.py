"""Who spoke when: speaker diarization for audio with no published transcript.

Three stages, each with trained weights that ship inside its Python package (nothing
is downloaded):

1. **Voice activity** — Silero VAD (``silero-vad``'s bundled model) finds the speech
   regions of the 16 kHz samples.
2. **Speaker embeddings** — Resemblyzer's pretrained speaker encoder (the
   ``pretrained.pt`` in its wheel: a 3-layer LSTM over 40-band mel power frames,
   256-dimensional L2-normalised output) embeds 1.6-second windows of each region,
   ``WINDOWS_PER_SECOND`` apart. The encoder is rebuilt here from those weights —
   Resemblyzer's own ``import`` needs ``webrtcvad``, which needs the removed
   ``pkg_resources`` — and tests/test_diarize.py checks it gives Resemblyzer's
   embeddings.
3. **Clustering** — agglomerative clustering (scikit-learn, cosine distance, average
   linkage) into ``speakers`` clusters, or, for ``"auto"``, the number from 2 to
   ``MAX_SPEAKERS`` with the best silhouette (one speaker when no split scores
   ``MIN_SILHOUETTE``).

Each 10 ms of speech takes the label of the nearest window; runs shorter than
``MIN_TURN_SECONDS`` join their neighbour. ``label_transcript`` gives each word (or
utterance, without word timings) the speaker it overlaps, splits utterances where the
speaker changes, and names the clusters: a host who introduces themself ("I'm
Triveni", "and I'm Will Nowak", "my name is ...") names the cluster that said it;
the others are "Speaker 1", "Speaker 2" in order of first appearance.
"""

from __future__ import annotations

import difflib
import importlib.util
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from banana.audio.decode import SAMPLE_RATE_HZ
from banana.errors import ModelError
from banana.transcript import Transcript, Utterance, Word

# Resemblyzer's hyper-parameters (resemblyzer/hparams.py)
MEL_WINDOW_SAMPLES = 400  # 25 ms
MEL_HOP_SAMPLES = 160  # 10 ms
MEL_BANDS = 40
PARTIAL_FRAMES = 160  # 1.6 s of mel frames per embedding
TARGET_DBFS = -30.0  # volume normalisation, increase only
HIDDEN = 256
LAYERS = 3

WINDOWS_PER_SECOND = 2.0  # embeddings per second of speech (a window every 0.5 s)
MIN_REGION_SECONDS = 0.3  # speech regions shorter than this are left unlabelled
MIN_TURN_SECONDS = 0.5  # a speaker run shorter than this joins its neighbour
MAX_SPEAKERS = 8  # "auto" tries 2..MAX_SPEAKERS clusters
MIN_SILHOUETTE = 0.1  # below this no split into 2+ speakers is convincing: one speaker
FRAME_SECONDS = MEL_HOP_SAMPLES / SAMPLE_RATE_HZ
PACKAGES = {"silero_vad": "silero-vad", "sklearn": "scikit-learn", "resemblyzer": "resemblyzer"}


@dataclass(frozen=True)
class Turn:
    """A stretch of speech by one (anonymous) speaker: seconds and a cluster label."""

    start: float
    end: float
    label: int


@dataclass(frozen=True)
class Diarization:
    """The speech turns, and how many speakers were found."""

    turns: tuple[Turn, ...]
    speakers: int


def check_installed() -> None:
    """A ModelError naming the missing packages, before any work."""
    missing = [pip for module, pip in PACKAGES.items() if importlib.util.find_spec(module) is None]
    if missing:
        raise ModelError(f"speaker diarization needs {', '.join(missing)}: pip install 'banana[whisper]'")


def parse_speakers(value: str | int | None) -> int | str | None:
    """``--speakers``: ``auto``, ``none`` (or 0: no diarization) or a number of speakers."""
    if value is None:
        return None
    text = str(value).strip().lower()
    if text == "auto":
        return "auto"
    if text in ("none", "0", "off"):
        return None
    if text.isdigit() and 1 <= int(text) <= MAX_SPEAKERS * 4:
        return int(text)
    raise ValueError(f"--speakers must be auto, none or a number of speakers from 1 to "
                     f"{MAX_SPEAKERS * 4}, not {value!r}")


# -- voice activity ----------------------------------------------------------------

def speech_regions(samples: np.ndarray, *, progress: Callable[[float], None] | None = None,
                   vad=None) -> list[tuple[float, float]]:
    """(start, end) seconds of speech, by Silero VAD."""
    import torch
    from silero_vad import get_speech_timestamps, load_silero_vad

    model = vad or load_silero_vad()
    duration = len(samples) / SAMPLE_RATE_HZ
    tracker = (lambda percent: progress(duration * percent / 100)) if progress is not None else None
    with torch.no_grad():
        stamps = get_speech_timestamps(torch.from_numpy(np.ascontiguousarray(samples, dtype=np.float32)),
                                       model, sampling_rate=SAMPLE_RATE_HZ,
                                       progress_tracking_callback=tracker)
    return [(s["start"] / SAMPLE_RATE_HZ, s["end"] / SAMPLE_RATE_HZ) for s in stamps]


# -- speaker embeddings --------------------------------------------------------------

def _slaney_mel_filters(sr: int, n_fft: int, n_mels: int) -> np.ndarray:
    """librosa.filters.mel's default (Slaney mel scale, Slaney area normalisation)."""
    f_sp = 200.0 / 3
    min_log_hz, logstep = 1000.0, np.log(6.4) / 27.0
    min_log_mel = min_log_hz / f_sp

    def hz_to_mel(f):
        f = np.asanyarray(f, dtype=np.float64)
        return np.where(f >= min_log_hz, min_log_mel + np.log(np.maximum(f, 1e-10) / min_log_hz) / logstep,
                        f / f_sp)

    def mel_to_hz(m):
        m = np.asanyarray(m, dtype=np.float64)
        return np.where(m >= min_log_mel, min_log_hz * np.exp(logstep * (m - min_log_mel)), f_sp * m)

    fftfreqs = np.fft.rfftfreq(n_fft, 1.0 / sr)
    mel_f = mel_to_hz(np.linspace(hz_to_mel(0.0), hz_to_mel(sr / 2.0), n_mels + 2))
    fdiff = np.diff(mel_f)
    ramps = mel_f[:, None] - fftfreqs[None, :]
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    weights = np.maximum(0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_f[2:n_mels + 2] - mel_f[:n_mels]))[:, None]
    return weights.astype(np.float32)


_MEL = _slaney_mel_filters(SAMPLE_RATE_HZ, MEL_WINDOW_SAMPLES, MEL_BANDS)
_HANN = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(MEL_WINDOW_SAMPLES) / MEL_WINDOW_SAMPLES)).astype(np.float32)


def mel_frames(wav: np.ndarray) -> np.ndarray:
    """Resemblyzer's ``wav_to_mel_spectrogram``: mel power (not log), frames × 40,
    centred frames with zero padding (librosa's ``melspectrogram`` defaults)."""
    pad = MEL_WINDOW_SAMPLES // 2
    padded = np.pad(wav.astype(np.float32), pad)
    count = 1 + (len(padded) - MEL_WINDOW_SAMPLES) // MEL_HOP_SAMPLES
    index = np.arange(MEL_WINDOW_SAMPLES)[None, :] + MEL_HOP_SAMPLES * np.arange(count)[:, None]
    spectrum = np.abs(np.fft.rfft(padded[index] * _HANN, axis=1)) ** 2
    return (spectrum.astype(np.float32) @ _MEL.T).astype(np.float32)


def normalise_volume(wav: np.ndarray) -> np.ndarray:
    """Raise quiet speech to ``TARGET_DBFS`` (Resemblyzer's increase-only normalisation)."""
    rms = float(np.sqrt(np.mean(wav.astype(np.float64) ** 2))) if wav.size else 0.0
    if rms <= 0:
        return wav
    change = TARGET_DBFS - 20 * np.log10(rms)
    return wav if change < 0 else (wav * 10 ** (change / 20)).astype(np.float32)


def resemblyzer_weights() -> Path:
    """The pretrained encoder inside the installed Resemblyzer wheel (found without
    importing the package)."""
    spec = importlib.util.find_spec("resemblyzer")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError("speaker diarization needs resemblyzer (its wheel holds the speaker "
                         "encoder): pip install 'banana[whisper]'")
    path = Path(next(iter(spec.submodule_search_locations))) / "pretrained.pt"
    if not path.is_file():
        raise ModelError(f"{path}: Resemblyzer's pretrained speaker encoder is missing; reinstall resemblyzer")
    return path


class SpeakerEncoder:
    """Resemblyzer's VoiceEncoder network with its pretrained weights."""

    def __init__(self, weights: Path | None = None) -> None:
        import torch

        self.lstm = torch.nn.LSTM(MEL_BANDS, HIDDEN, LAYERS, batch_first=True)
        self.linear = torch.nn.Linear(HIDDEN, HIDDEN)
        path = weights or resemblyzer_weights()
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)["model_state"]
            self.lstm.load_state_dict({k[5:]: v for k, v in state.items() if k.startswith("lstm.")})
            self.linear.load_state_dict({k[7:]: v for k, v in state.items() if k.startswith("linear.")})
        except Exception as exc:  # torch raises many types for a bad file
            raise ModelError(f"{path}: not Resemblyzer's speaker encoder ({' '.join(str(exc).split())[:200]})") from None
        self.lstm.eval()
        self.linear.eval()

    def embed(self, mels: np.ndarray) -> np.ndarray:
        """Embeddings (n × 256, unit length) of a batch of mel windows (n × 160 × 40)."""
        import torch

        with torch.no_grad():
            _, (hidden, _) = self.lstm(torch.from_numpy(np.ascontiguousarray(mels, dtype=np.float32)))
            raw = torch.relu(self.linear(hidden[-1]))
            norms = torch.linalg.norm(raw, dim=1, keepdim=True).clamp_min(1e-8)
            return (raw / norms).numpy()


def window_embeddings(samples: np.ndarray, regions: Sequence[tuple[float, float]], encoder: SpeakerEncoder, *,
                      progress: Callable[[float], None] | None = None,
                      batch: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """(centres in seconds, embeddings) of 1.6-second windows over each speech region,
    ``WINDOWS_PER_SECOND`` apart (a region shorter than a window is one window,
    zero-padded, as Resemblyzer pads)."""
    hop = max(1, int(round(1 / WINDOWS_PER_SECOND / FRAME_SECONDS)))
    centres: list[float] = []
    windows: list[np.ndarray] = []
    out: list[np.ndarray] = []
    for start, end in regions:
        if end - start < MIN_REGION_SECONDS:
            continue
        a, b = int(start * SAMPLE_RATE_HZ), int(end * SAMPLE_RATE_HZ)
        mels = mel_frames(normalise_volume(samples[a:b]))
        if len(mels) < PARTIAL_FRAMES:
            mels = np.pad(mels, ((0, PARTIAL_FRAMES - len(mels)), (0, 0)))
        last = len(mels) - PARTIAL_FRAMES
        offsets = list(range(0, last + 1, hop))
        if offsets[-1] != last:
            offsets.append(last)
        for k in offsets:
            windows.append(mels[k:k + PARTIAL_FRAMES])
            centres.append(min(start + (k + PARTIAL_FRAMES / 2) * FRAME_SECONDS, end))
        if len(windows) >= batch:
            out.append(encoder.embed(np.stack(windows)))
            windows = []
        if progress is not None:
            progress(end)
    if windows:
        out.append(encoder.embed(np.stack(windows)))
    embeddings = np.concatenate(out) if out else np.zeros((0, HIDDEN), dtype=np.float32)
    return np.asarray(centres), embeddings


# -- clustering ----------------------------------------------------------------------

def cluster(embeddings: np.ndarray, speakers: int | str = "auto") -> np.ndarray:
    """A cluster label per embedding: ``speakers`` clusters, or the silhouette's best
    count for ``"auto"``."""
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.metrics import silhouette_score

    n = len(embeddings)
    if n == 0:
        return np.zeros(0, dtype=int)

    def fit(k: int) -> np.ndarray:
        if k <= 1 or n < 2:
            return np.zeros(n, dtype=int)
        return AgglomerativeClustering(n_clusters=min(k, n), metric="cosine",
                                       linkage="average").fit_predict(embeddings)

    if speakers != "auto":
        return fit(int(speakers))
    best, best_score = np.zeros(n, dtype=int), MIN_SILHOUETTE
    for k in range(2, min(MAX_SPEAKERS, n - 1) + 1):
        labels = fit(k)
        if len(set(labels.tolist())) < 2:
            continue
        score = float(silhouette_score(embeddings, labels, metric="cosine"))
        if score > best_score:
            best, best_score = labels, score
    return best


def _turns(regions: Sequence[tuple[float, float]], centres: np.ndarray, labels: np.ndarray) -> list[Turn]:
    """Label each 10 ms of each speech region with its nearest window's cluster, then
    let runs shorter than MIN_TURN_SECONDS join a neighbour."""
    turns: list[Turn] = []
    if len(centres) == 0:
        return turns
    for start, end in regions:
        if end - start < MIN_REGION_SECONDS:
            continue
        times = np.arange(start, end, FRAME_SECONDS) + FRAME_SECONDS / 2
        nearest = np.abs(times[:, None] - centres[None, :]).argmin(axis=1)
        frame_labels = labels[nearest]
        runs: list[list] = []  # [start, end, label]
        for t, lab in zip(times, frame_labels.tolist()):
            if runs and runs[-1][2] == lab:
                runs[-1][1] = min(t + FRAME_SECONDS / 2, end)
            else:
                runs.append([max(t - FRAME_SECONDS / 2, start), min(t + FRAME_SECONDS / 2, end), lab])
        runs = _absorb_short(runs)
        turns.extend(Turn(round(a, 3), round(b, 3), int(lab)) for a, b, lab in runs)
    return turns


def _absorb_short(runs: list[list]) -> list[list]:
    changed = True
    while changed and len(runs) > 1:
        changed = False
        shortest = min(range(len(runs)), key=lambda i: runs[i][1] - runs[i][0])
        a, b, _ = runs[shortest]
        if b - a >= MIN_TURN_SECONDS:
            break
        if shortest == 0:
            neighbour = 1
        elif shortest == len(runs) - 1:
            neighbour = shortest - 1
        else:  # the longer neighbour takes it
            left, right = runs[shortest - 1], runs[shortest + 1]
            neighbour = shortest - 1 if left[1] - left[0] >= right[1] - right[0] else shortest + 1
        runs[neighbour][0] = min(runs[neighbour][0], a)
        runs[neighbour][1] = max(runs[neighbour][1], b)
        del runs[shortest]
        merged: list[list] = []
        for run in runs:
            if merged and merged[-1][2] == run[2]:
                merged[-1][1] = run[1]
            else:
                merged.append(run)
        runs = merged
        changed = True
    return runs


def diarize(samples: np.ndarray, *, speakers: int | str = "auto",
            progress: Callable[[float], None] | None = None,
            encoder: SpeakerEncoder | None = None, vad=None) -> Diarization:
    """Speech turns with anonymous speaker labels 0, 1, ... in order of first
    appearance. ``progress`` gets seconds of audio: once through for voice activity,
    once for the embeddings (the caller shows two passes)."""
    check_installed()
    regions = speech_regions(samples, progress=progress, vad=vad)
    centres, embeddings = window_embeddings(samples, regions, encoder or SpeakerEncoder(), progress=progress)
    labels = cluster(embeddings, speakers)
    turns = _turns(regions, centres, labels)
    order: dict[int, int] = {}
    for t in turns:
        order.setdefault(t.label, len(order))
    turns = [Turn(t.start, t.end, order[t.label]) for t in turns]
    return Diarization(tuple(turns), len(order))


# -- speakers for a transcript -------------------------------------------------------

_INTRO = re.compile(r"\b(?:i'm|i’m|i am|my name is|this is)\s+((?:[\w’'-]+\s*){1,3})", re.IGNORECASE)
NAME_SIMILARITY = 0.8  # how close a misheard first name must be to a host's (difflib ratio)


def _label_at(turns: Sequence[Turn], start: float, end: float) -> int | None:
    """The label overlapping [start, end] most; the nearest turn when none overlaps."""
    if not turns:
        return None
    overlap: Counter[int] = Counter()
    for t in turns:
        o = min(end, t.end) - max(start, t.start)
        if o > 0:
            overlap[t.label] += o
    if overlap:
        return overlap.most_common(1)[0][0]
    middle = (start + end) / 2
    return min(turns, key=lambda t: max(t.start - middle, middle - t.end, 0.0)).label


def _fold(text: str) -> str:
    return re.sub(r"[^\w\s]", "", text.casefold()).strip()


def introduced_host(text: str, hosts: Sequence[str]) -> str | None:
    """The host who introduces themself in ``text`` ("I'm Triveni", "and I'm Will
    Nowak", "my name is ..."), matched on the first or full name, or None."""
    for match in _INTRO.finditer(text):
        said = _fold(match.group(1)).split()
        if not said:
            continue
        for host in hosts:
            names = _fold(host).split()
            if not names:
                continue
            if said[:len(names)] == names or said[0] == names[0]:
                return host
            if difflib.SequenceMatcher(None, said[0], names[0]).ratio() >= NAME_SIMILARITY:
                return host
    return None


def label_transcript(transcript: Transcript, diarization: Diarization, *,
                     hosts: Sequence[str] = ()) -> Transcript:
    """The transcript with a speaker on every utterance: each word takes the speaker
    it overlaps most, an utterance is split where the speaker changes, and clusters
    are named from the hosts' self-introductions, else "Speaker N"."""
    turns = diarization.turns
    pieces: list[tuple[int | None, Utterance]] = []
    for u in transcript.utterances:
        if not u.words:
            pieces.append((_label_at(turns, u.start, u.end), u))
            continue
        groups: list[tuple[int | None, list[Word]]] = []
        for w in u.words:
            label = _label_at(turns, w.start, max(w.end, w.start + 0.01))
            if groups and groups[-1][0] == label:
                groups[-1][1].append(w)
            else:
                groups.append((label, [w]))
        if len(groups) == 1:
            pieces.append((groups[0][0], u))
            continue
        for k, (label, words) in enumerate(groups):
            start = u.start if k == 0 else words[0].start
            end = u.end if k == len(groups) - 1 else words[-1].end
            pieces.append((label, Utterance(start, max(end, start), " ".join(w.text for w in words),
                                            words=tuple(words))))
    names = _names(pieces, hosts)
    utterances = [Utterance(u.start, u.end, u.text, speaker=names.get(label), estimated=u.estimated,
                            words=u.words) for label, u in pieces]
    return transcript.replace(utterances=tuple(utterances),
                              speakers=tuple(dict.fromkeys(u.speaker for u in utterances if u.speaker)))


def _names(pieces: Sequence[tuple[int | None, Utterance]], hosts: Sequence[str]) -> dict[int | None, str]:
    votes: Counter[tuple[int, str]] = Counter()
    for label, u in pieces:
        if label is None:
            continue
        host = introduced_host(u.text, hosts)
        if host is not None:
            votes[(label, host)] += 1
    names: dict[int | None, str] = {}
    taken: set[str] = set()
    for (label, host), _ in votes.most_common():
        if label not in names and host not in taken:
            names[label] = host
            taken.add(host)
    number = 0
    for label, _ in pieces:
        if label is not None and label not in names:
            number += 1
            names[label] = f"Speaker {number}"
    return names
