"""Fit the ``questions`` topic method's logistic model: ``python bench/fit_topic_questions.py``.

Data: the development annotations (``bench/annotations/dev/``, 20 episodes of five shows, never
the reported ones). Each turn is an example, labelled 1 where an annotated chapter starts;
its features are ``banana.analysis.topics.question_features`` (the library's own). The model
is scikit-learn's logistic regression; the threshold and the least gap between chapters are
chosen leave-one-episode-out on the same episodes. Printed: the weights to write into
``banana/analysis/topics.py`` (and whether they are the ones there), then held-out figures:
the reported annotated episodes (``bench/annotations/real/``) with the model fitted on the
development set, the same leave-one-show-out (fitted on the other four shows' development
episodes), and the stitched documents of ``bench_topics.py`` — each beside ``dcm``.
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

THRESHOLDS = (0.1, 0.15, 0.2, 0.25, 0.3, 0.4)
GAPS = (3, 5, 7, 9)


def examples(docs):
    out = []
    for show, name, t, ref in docs:
        n = len(t.utterances)
        x = np.array(T.question_features(Doc(t), 0, n - 1))
        out.append((show, name, t, ref, x, np.array([int(i in ref) for i in range(n)])))
    return out


def fit(items) -> LogisticRegression:
    model = LogisticRegression(max_iter=2000)
    model.fit(np.vstack([i[4] for i in items]), np.concatenate([i[5] for i in items]))
    return model


def decode(p, threshold: float, gap: int) -> set[int]:
    return set(T.peaks(p.tolist(), threshold, gap))  # as the library decodes


def score(model, items, threshold, gap) -> list[float]:
    return [pk(ref, decode(model.predict_proba(x)[:, 1], threshold, gap), len(t.utterances))
            for _, _, t, ref, x, _ in items]


def main() -> int:
    if not B.CORPUS.is_dir():
        print(f"{B.CORPUS} is missing: nothing to fit")
        return 0
    dev = examples(B.annotated("dev"))
    real = examples([d for d in B.annotated("real") if d[0] != B.HOME])
    loo = {g: [] for g in itertools.product(THRESHOLDS, GAPS)}
    for k in range(len(dev)):
        model = fit(dev[:k] + dev[k + 1:])
        for g in loo:
            loo[g] += score(model, dev[k:k + 1], *g)
    threshold, gap = min(loo, key=lambda g: statistics.mean(loo[g]))
    model = fit(dev)
    weights = tuple(round(float(w), 2) for w in model.coef_[0])
    bias = round(float(model.intercept_[0]), 2)
    print(f"weights {weights}\nbias {bias}\nthreshold {threshold}, gap {gap} "
          f"(development, leave one episode out: Pk {statistics.mean(loo[threshold, gap]):.3f})")
    same = (weights == T.QUESTION_WEIGHTS and bias == T.QUESTION_BIAS
            and threshold == T.QUESTION_THRESHOLD and gap == T.QUESTION_GAP)
    print("banana/analysis/topics.py holds these" if same else
          "banana/analysis/topics.py holds OTHER values: write these there")

    def dcm(items):
        return [pk(ref, B.whole(t), len(t.utterances)) for _, _, t, ref, _, _ in items]

    print("\nPk, held out (lower is better)\n| documents | questions | dcm | no boundary |")
    print("|---|---:|---:|---:|")
    none = [pk(ref, set(), len(t.utterances)) for _, _, t, ref, _, _ in real]
    print(f"| reported annotated episodes (12), fitted on development | "
          f"{statistics.mean(score(model, real, threshold, gap)):.3f} | "
          f"{statistics.mean(dcm(real)):.3f} | {statistics.mean(none):.3f} |")
    loso = []
    for show in B.SHOWS:
        own = [r for r in real if r[0] == show]
        if own:
            loso += score(fit([d for d in dev if d[0] != show]), own, threshold, gap)
    print(f"| the same, fitted without the episode's show | {statistics.mean(loso):.3f} | | |")
    stitched = []
    for number, (show, folder) in enumerate(B.SHOWS.items()):
        stitched += [(show, "", t, ref, None, None)
                     for t, ref in B.stitched(sorted(folder.glob("*.md")), 6, seed=11 + number)]
    st_q = [pk(ref, set(T.split_topics(Doc(t), 0, len(t.utterances) - 1, method="questions")),
               len(t.utterances)) for _, _, t, ref, _, _ in stitched]
    st_d = [pk(ref, B.topics_only(t), len(t.utterances)) for _, _, t, ref, _, _ in stitched]
    print(f"| stitched documents (30) | {statistics.mean(st_q):.3f} | {statistics.mean(st_d):.3f} | |")
    lib = [pk(ref, set(T.split_topics(Doc(t), 0, len(t.utterances) - 1, method="questions")),
              len(t.utterances)) for _, _, t, ref, _, _ in real]
    print(f"| reported annotated episodes, the library's method | {statistics.mean(lib):.3f} | | |")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
