"""Audio decoding and transcription speed: ``python bench/bench_transcribe.py [--quick]``.

1. Decoding throughput (audio seconds per wall second) of Banana's PyAV decoder
   against whisper's own loader (``whisper.audio.load_audio``, which runs the
   ``ffmpeg`` program), on the same generated 10-minute files, in the same run; and
   how closely the two outputs agree.
2. Transcription real-time factor on CPU (processing seconds per audio second) with
   randomly initialised checkpoints of whisper's real ``tiny`` and ``base``
   dimensions. A random model never stops talking, so each 30-second window is
   decoded to a fixed number of tokens: 110 (about what 30 s of conversational
   speech takes: ~75 words at ~1.4 tokens a word) and whisper's maximum, 224.
3. Alignment speed of ``banana align`` over a whole episode (when the shared corpus
   is beside the checkout).

No weights are downloaded. ffmpeg is only needed for the baseline in (1); without it
the benchmark says so and measures PyAV alone.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from banana.audio.decode import SAMPLE_RATE_HZ, load_audio  # noqa: E402

sys.path.insert(0, str(REPO / "tests"))  # shared test material: the PyAV writer
from whisper_fixtures import write_audio  # noqa: E402

BANANA_DATA = REPO.parent / "shared" / "corpus" / "banana-data" / "s03e01-deepfakes-and-data-upskilling.txt"

# whisper's published dimensions (whisper/__init__.py checkpoints' "dims")
DIMS = {
    "tiny": dict(n_mels=80, n_audio_ctx=1500, n_audio_state=384, n_audio_head=6, n_audio_layer=4,
                 n_vocab=51865, n_text_ctx=448, n_text_state=384, n_text_head=6, n_text_layer=4),
    "base": dict(n_mels=80, n_audio_ctx=1500, n_audio_state=512, n_audio_head=8, n_audio_layer=6,
                 n_vocab=51865, n_text_ctx=448, n_text_state=512, n_text_head=8, n_text_layer=6),
}
SPEECH_TOKENS_PER_WINDOW = 110
MAX_TOKENS_PER_WINDOW = 224

# extension -> (encoder, sample rate, channels): what podcast files usually are
FORMATS = {
    "mp3": ("libmp3lame", 44100, 2),
    "m4a": ("aac", 44100, 2),
    "ogg": ("libopus", 48000, 2),
    "flac": ("flac", 44100, 2),
    "wav": ("pcm_s16le", 44100, 2),
}


def speechlike(seconds: float, rate: int, seed: int = 0) -> np.ndarray:
    """Noise shaped by a syllable-rate envelope with pauses: compresses like speech."""
    rng = np.random.default_rng(seed)
    n = int(seconds * rate)
    t = np.arange(n) / rate
    envelope = 0.5 + 0.5 * np.sin(2 * np.pi * 4.0 * t)  # ~4 syllables a second
    envelope *= (np.sin(2 * np.pi * 0.2 * t) > -0.6)  # a pause every 5 s
    voice = np.sin(2 * np.pi * 140 * t) + 0.5 * np.sin(2 * np.pi * 280 * t)
    return (0.15 * envelope * (voice + 0.5 * rng.standard_normal(n))).astype(np.float32)


def best_of(repeats: int, fn):
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return min(times), result


def agreement(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Correlation of two decodings, and their level ratio (FFmpeg's stereo downmix
    adds the channels at -3 dB each; Banana averages them)."""
    n = min(len(a), len(b))
    a, b = a[:n].astype(np.float64), b[:n].astype(np.float64)
    return float(np.corrcoef(a, b)[0, 1]), float(np.sqrt(np.mean(b**2) / np.mean(a**2)))


def bench_decoding(minutes: float, formats: list[str], repeats: int, work: Path) -> None:
    import whisper.audio

    ffmpeg = shutil.which("ffmpeg")
    seconds = minutes * 60
    print(f"\n## Decoding {minutes:g}-minute files to 16 kHz mono (best of {repeats})")
    if not ffmpeg:
        print("ffmpeg is not installed, so whisper's own loader cannot run: PyAV figures only.\n"
              "(Debian/Ubuntu: apt-get install -y ffmpeg — for this baseline only; Banana never needs it.)")
    print(f"{'format':<6} {'MB':>6} {'PyAV s':>8} {'PyAV x RT':>10} {'ffmpeg s':>9} {'ffmpeg x RT':>12} "
          f"{'PyAV/ffmpeg':>12} {'corr':>7} {'level':>6}")
    source = speechlike(seconds, 44100)
    for ext in formats:
        codec, rate, channels = FORMATS[ext]
        samples = source if rate == 44100 else speechlike(seconds, rate)
        path = write_audio(work / f"episode.{ext}", samples, codec=codec, rate=rate, channels=channels)
        mb = path.stat().st_size / 1e6
        pyav_s, ours = best_of(repeats, lambda: load_audio(path))
        audio_s = len(ours) / SAMPLE_RATE_HZ
        row = f"{ext:<6} {mb:>6.1f} {pyav_s:>8.2f} {audio_s / pyav_s:>9.0f}x"
        if ffmpeg:
            ffmpeg_s, theirs = best_of(repeats, lambda: whisper.audio.load_audio(str(path)))
            corr, level = agreement(ours, theirs)
            row += (f" {ffmpeg_s:>9.2f} {audio_s / ffmpeg_s:>11.0f}x {ffmpeg_s / pyav_s:>11.2f}x"
                    f" {corr:>7.4f} {level:>6.3f}")
        print(row, flush=True)


def random_model(name: str):
    import torch
    from whisper.model import ModelDimensions, Whisper

    torch.manual_seed(0)
    model = Whisper(ModelDimensions(**DIMS[name]))
    with torch.no_grad():  # whisper leaves it uninitialised (torch.empty)
        model.decoder.positional_embedding.normal_(0.0, 0.01)
    return model.eval()


def bench_rtf(names: list[str], seconds: float, repeats: int) -> None:
    import torch

    from banana.audio.transcribe import run_whisper

    audio = speechlike(seconds, SAMPLE_RATE_HZ, seed=1)
    windows = int(np.ceil(seconds / 30))
    print(f"\n## Transcription real-time factor on CPU ({seconds:g} s of audio = {windows} windows, "
          f"torch {torch.__version__}, {torch.get_num_threads()} threads, greedy, temperature 0, best of {repeats})")
    print(f"{'model':<6} {'params':>7} {'tokens/window':>14} {'seconds':>8} {'RTF':>7} {'x RT':>6}")
    for name in names:
        model = random_model(name)
        params = sum(p.numel() for p in model.parameters()) / 1e6
        run_whisper(model, audio[: SAMPLE_RATE_HZ * 5], language="en", temperature=0.0, max_tokens=8)  # warm-up
        # No word-timestamp case: whisper then seeks to the last word's end, and a random
        # model's "words" end early in each window, so it would decode many more windows
        # than a real model and the figure would mean nothing.
        cases = [(SPEECH_TOKENS_PER_WINDOW, False), (MAX_TOKENS_PER_WINDOW, False)]
        for tokens, words in cases:
            took, _ = best_of(repeats, lambda: run_whisper(model, audio, language="en", temperature=0.0,
                                                           max_tokens=tokens, word_timestamps=words))
            label = str(tokens)
            print(f"{name:<6} {params:>6.0f}M {label:>14} {took:>8.1f} {took / seconds:>7.3f} "
                  f"{seconds / took:>5.1f}x", flush=True)


def bench_alignment(repeats: int) -> None:
    if not BANANA_DATA.exists():
        print(f"\n## Alignment: skipped ({BANANA_DATA} not available)")
        return
    from banana.audio.align import align
    from banana.transcript import Transcript, Utterance
    from banana.formats import read_transcript

    published = read_transcript(BANANA_DATA)
    rng = random.Random(0)
    words, t = [], 0.0
    for u in published.utterances:
        t += rng.uniform(0.2, 1.0)
        for w in u.text.split():
            if rng.random() < 0.04:
                continue
            w = "banana" if rng.random() < 0.06 else w
            words.append((t, w))
            t += 0.1 + 0.05 * len(w)
    cues = [Utterance(words[i][0], words[min(i + 11, len(words) - 1)][0] + 0.3,
                      " ".join(w for _, w in words[i:i + 12])) for i in range(0, len(words), 12)]
    timed = Transcript.build(cues)
    took, result = best_of(repeats, lambda: align(published, timed))
    print(f"\n## Alignment of the banana-data episode ({result.words} words, {len(cues)} cues; best of {repeats})")
    print(f"{took:.2f} s; {result.word_share:.1%} of words matched, {result.utterance_share:.1%} of "
          f"utterances timed; {result.words / took:,.0f} words per second")
    alignment_accuracy(published, seeds=10 if repeats == 1 else 30)


def alignment_accuracy(published, *, seeds: int) -> None:
    """Share of utterance starts within 1 s, over many damaged timed transcripts made
    by the alignment tests' generator (tests/test_align.py)."""
    sys.path.insert(0, str(REPO / "tests"))
    from test_align import share_within, synthetic_published, timed_srt

    from banana.audio.align import align
    from banana.formats import parse_transcript

    print(f"\n## Alignment accuracy over {seeds} seeds (utterance starts within 1 s; "
          "the test requires 95 %)")
    print(f"{'episode':<12} {'min':>7} {'median':>7} {'mean':>7} {'seeds < 95 %':>13}")
    for name, make, offset in [("banana-data", lambda seed: published, 0),
                               ("synthetic", synthetic_published, 100)]:
        shares = []
        for seed in range(seeds):
            source = make(seed)
            text, truth = timed_srt(source, seed + offset)
            shares.append(share_within(align(source, parse_transcript(text, name="t.srt")).transcript, truth))
        print(f"{name:<12} {min(shares):>7.1%} {statistics.median(shares):>7.1%} "
              f"{statistics.mean(shares):>7.1%} {sum(s < 0.95 for s in shares):>13}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a 2-minute mp3, tiny only, one repeat")
    parser.add_argument("--minutes", type=float, help="length of the decoding test files [default: 10]")
    parser.add_argument("--work", type=Path, help="keep the generated audio here instead of a temp dir")
    parser.add_argument("--threads", type=int, help="torch threads [default: torch's choice]")
    parser.add_argument("--models", help="comma-separated: tiny,base [default: both; tiny with --quick]")
    parser.add_argument("--only", choices=["decode", "rtf", "align"], action="append",
                        help="run only this part (repeatable)")
    args = parser.parse_args(argv)
    parts = set(args.only or ["decode", "rtf", "align"])
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    minutes = args.minutes or (2 if args.quick else 10)
    formats = ["mp3"] if args.quick else list(FORMATS)
    repeats = 1 if args.quick else 3
    print(f"# bench_transcribe ({'quick' if args.quick else 'full'}): {os.cpu_count()} CPUs, Python "
          f"{sys.version.split()[0]}, load average {os.getloadavg()[0]:.1f} at start")
    if "decode" in parts:
        with tempfile.TemporaryDirectory(prefix="bench-transcribe-") as tmp:
            work = args.work or Path(tmp)
            work.mkdir(parents=True, exist_ok=True)
            bench_decoding(minutes, formats, repeats, work)
    if "rtf" in parts:
        models = args.models.split(",") if args.models else (["tiny"] if args.quick else ["tiny", "base"])
        bench_rtf(models, 60.0 if args.quick else 120.0, repeats)
    if "align" in parts:
        bench_alignment(repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main())
