"""Audio in: decode any episode file with PyAV to whisper's 16 kHz mono float32.

PyAV bundles its own FFmpeg libraries, so no system ``ffmpeg`` is needed. Every
failure (missing file, a folder, a text file named ``.mp3``, a truncated or corrupt
file) is an ``AudioError`` with one line naming the file.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from banana.errors import AudioError
from banana.fsutil import UnreadableFile, open_regular

SAMPLE_RATE_HZ = 16000  # what whisper expects (whisper.audio.SAMPLE_RATE)
SILENCE_DBFS = -60.0  # audio whose loudest window is quieter than this is silence
SILENCE_WINDOW_SECONDS = 0.1
# Decoded audio may fall this far short of the duration the container declares
# before the file counts as truncated (encoder padding, rounding of estimates).
SHORTFALL_TOLERANCE_SECONDS = 0.5
SHORTFALL_TOLERANCE_SHARE = 0.05
SNIFF_BYTES = 512
RESAMPLED_FRAME_SAMPLES = SAMPLE_RATE_HZ  # decode in one-second blocks


@dataclass(frozen=True)
class AudioInfo:
    """What the container says about an audio file, without decoding it."""

    path: str
    format_name: str  # container, e.g. "mp3", "ogg", "mov,mp4,m4a,3gp,3g2,mj2"
    codec: str  # e.g. "mp3float", "opus", "aac"
    sample_rate_hz: int
    channels: int
    duration_seconds: float | None  # None when the container does not say
    title: str = ""  # the file's own title tag, if any
    album: str = ""  # the album tag (usually the show's name), if any


def _check_path(path: Path) -> None:
    try:
        with open_regular(path) as fh:
            size = os.fstat(fh.fileno()).st_size
            head = fh.read(SNIFF_BYTES)
    except UnreadableFile as exc:
        what = str(exc).replace("is a directory", "is a directory, not an audio file")
        raise AudioError(f"{path}: {what}") from None
    except OSError as exc:
        raise AudioError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if size == 0:
        raise AudioError(f"{path}: file is empty")
    if _looks_like_text(head):
        raise AudioError(f"{path}: is a text file, not audio")


def _looks_like_text(head: bytes) -> bool:
    """True for bytes that are plainly text (UTF-8 without control characters)."""
    if not head or b"\x00" in head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:  # not just a multi-byte character cut at the end
            return False
        text = head[: exc.start].decode("utf-8")
    return all(ch.isprintable() or ch in "\t\n\r\f" for ch in text)


def _open(path: Path):
    import av

    try:
        container = av.open(str(path), metadata_errors="replace")
    except av.FFmpegError as exc:
        raise AudioError(f"{path}: not an audio file PyAV can read ({_reason(exc)})") from None
    if not container.streams.audio:
        container.close()
        raise AudioError(f"{path}: has no audio stream")
    return container


def _reason(exc: Exception) -> str:
    """FFmpeg's message without the errno and the file name it repeats."""
    message = getattr(exc, "strerror", None) or str(exc)
    return str(message).split(":")[0].strip() or type(exc).__name__


def _declared_seconds(container, stream) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        seconds = float(stream.duration * stream.time_base)
        if seconds > 0:
            return seconds
    if container.duration:
        return container.duration / 1_000_000  # av.time_base is microseconds
    return None


def probe(path: Path | str) -> AudioInfo:
    """Container facts (duration, codec, tags) without decoding the audio."""
    path = Path(path)
    _check_path(path)
    with _open(path) as container:
        stream = container.streams.audio[0]
        tags = {k.lower(): v for k, v in (container.metadata or {}).items()}
        return AudioInfo(
            path=str(path),
            format_name=container.format.name,
            codec=stream.codec_context.name,
            sample_rate_hz=stream.codec_context.sample_rate or 0,
            channels=stream.codec_context.channels or 0,
            duration_seconds=_declared_seconds(container, stream),
            title=str(tags.get("title", "")).strip(),
            album=str(tags.get("album", "")).strip(),
        )


def load_audio(path: Path | str, *, progress: Callable[[float], None] | None = None) -> np.ndarray:
    """Decode an audio file to 16 kHz mono float32 samples in [-1, 1].

    ``progress`` is called with the seconds of audio decoded so far. Raises
    AudioError when the file cannot be decoded or decodes shorter than its
    container says (a truncated or corrupt file).
    """
    import av

    path = Path(path)
    _check_path(path)
    chunks: list[np.ndarray] = []
    decoded = 0
    with _open(path) as container:
        stream = container.streams.audio[0]
        declared = _declared_seconds(container, stream)
        # Resample each channel, then average them: FFmpeg's own downmix adds two
        # identical channels at -3 dB each, so a loud stereo file would clip.
        # One-second output frames: far fewer Python round trips than one per packet.
        resampler = av.AudioResampler(format="fltp", rate=SAMPLE_RATE_HZ, frame_size=RESAMPLED_FRAME_SAMPLES)
        try:
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray().mean(axis=0, dtype=np.float32))
                    decoded += out.samples
                if progress is not None:
                    progress(decoded / SAMPLE_RATE_HZ)
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().mean(axis=0, dtype=np.float32))
                decoded += out.samples
            if progress is not None:
                progress(decoded / SAMPLE_RATE_HZ)
        except av.FFmpegError as exc:
            at = decoded / SAMPLE_RATE_HZ
            raise AudioError(f"{path}: corrupt audio data after {at:.1f} s ({_reason(exc)})") from None
        format_name = container.format.name
    if not decoded:
        raise AudioError(f"{path}: contains no audio samples")
    seconds = decoded / SAMPLE_RATE_HZ
    if declared is not None:
        shortfall = declared - seconds
        if shortfall > max(SHORTFALL_TOLERANCE_SECONDS, SHORTFALL_TOLERANCE_SHARE * declared):
            raise AudioError(f"{path}: truncated or corrupt: decoded {seconds:.1f} s of the "
                             f"{declared:.1f} s the file declares")
    _check_complete(path, format_name)
    samples = np.concatenate(chunks).astype(np.float32, copy=False)
    return np.clip(samples, -1.0, 1.0, out=samples)


def _check_complete(path: Path, format_name: str) -> None:
    """Catch truncations the decoder cannot see: a WAV whose data chunk is shorter
    than its header says, an Ogg stream without its end-of-stream page."""
    if format_name == "wav":
        missing = _wav_missing_bytes(path)
        if missing > 0:
            raise AudioError(f"{path}: truncated: the WAV header declares {missing:,} more "
                             "bytes of audio than the file holds")
    elif format_name == "ogg" and not _ogg_has_end(path):
        raise AudioError(f"{path}: truncated: the Ogg stream has no final page")


WAV_STREAMING_SIZE = 0xFFFFFFFF  # data size written by recorders that never finished the header


def _wav_missing_bytes(path: Path) -> int:
    """Bytes the ``data`` chunk declares beyond the end of the file (0 if complete)."""
    size = path.stat().st_size
    with path.open("rb") as fh:
        header = fh.read(12)
        if len(header) < 12 or header[:4] not in (b"RIFF", b"RIFX") or header[8:12] != b"WAVE":
            return 0  # RF64/W64 and friends: leave it to the decoder
        fmt = "<I" if header[:4] == b"RIFF" else ">I"
        offset = 12
        while offset + 8 <= size:
            fh.seek(offset)
            chunk = fh.read(8)
            (length,) = struct.unpack(fmt, chunk[4:8])
            if chunk[:4] == b"data":
                if length in (0, WAV_STREAMING_SIZE):
                    return 0
                return max(0, offset + 8 + length - size)
            offset += 8 + length + (length & 1)
    return 0


OGG_TAIL_BYTES = 65536 + 282  # the largest Ogg page, so the tail holds the last one
OGG_EOS_FLAG = 0x04


def _ogg_has_end(path: Path) -> bool:
    size = path.stat().st_size
    with path.open("rb") as fh:
        fh.seek(max(0, size - OGG_TAIL_BYTES))
        tail = fh.read()
    at = tail.rfind(b"OggS")
    return at >= 0 and at + 5 < len(tail) and bool(tail[at + 5] & OGG_EOS_FLAG)


def duration_seconds(samples: np.ndarray) -> float:
    return len(samples) / SAMPLE_RATE_HZ


def is_silent(samples: np.ndarray, *, threshold_dbfs: float = SILENCE_DBFS) -> bool:
    """True when no 100 ms window of the audio is louder than ``threshold_dbfs`` (RMS)."""
    if samples.size == 0:
        return True
    window = max(1, int(SILENCE_WINDOW_SECONDS * SAMPLE_RATE_HZ))
    usable = samples[: samples.size - samples.size % window] if samples.size >= window else samples
    if usable.size == 0:
        usable = samples
    frames = usable.reshape(-1, min(window, usable.size)).astype(np.float64)
    loudest_rms = float(np.sqrt(np.mean(frames**2, axis=1)).max())
    threshold = 10 ** (threshold_dbfs / 20)
    return loudest_rms < threshold
