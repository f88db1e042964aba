"""TopicTiling-style segmentation with a topic model trained on the show's back catalogue,
tried on the development episodes: ``python bench/topics_lda.py [--topics 40]``.

The issue suggested it: the library holds the show's other episodes, so a topic model
(scikit-learn's LDA) trained on them could see that two different words belong to one
subject. For each development episode (``bench/annotations/dev/``), LDA is trained on 120
other episodes of its show (never an annotated one), cut into 150-word documents, and then:

* **lda → dcm**: every word replaced by its most probable topic, and Banana's dcm partition
  run over those topic ids (the method TopicTiling's authors pair with an optimal split);
* **TopicTiling**: topic distributions of the units ``W`` either side of each gap, cosine
  similarity, depth scores, boundaries at depth peaks over mean + c × standard deviation.

Printed beside dcm on words (what Banana ships). Figures in bench/README.md ("Topics").
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import numpy as np  # noqa: E402
from sklearn.decomposition import LatentDirichletAllocation  # noqa: E402
from sklearn.feature_extraction.text import CountVectorizer  # noqa: E402

import bench_topics as B  # noqa: E402
from banana.analysis import topics as T  # noqa: E402
from banana.analysis.doc import Doc  # noqa: E402
from banana.analysis.segments import find_segments  # noqa: E402
from banana.formats import read_transcript  # noqa: E402
from metrics import boundaries, pk  # noqa: E402

TRAIN_EPISODES = 120
DOC_WORDS = 150


class TopicDoc:
    """A Doc whose tokens are topic ids (what dcm reads), the rest as the words' Doc."""

    def __init__(self, doc: Doc, tokens: list[list[str]]):
        self.words, self.words_between, self.shifts = doc.words, doc.words_between, doc.shifts
        self.tokens = tokens


def train(show: str, excluded: set[str], topics: int):
    files = [p for p in sorted(B.SHOWS[show].glob("*.md")) if p.stem not in excluded]
    random.Random(1).shuffle(files)
    chunks = []
    for path in files[:TRAIN_EPISODES]:
        doc = Doc(read_transcript(path))
        words = [w for turn in doc.tokens for w in turn]
        chunks += [" ".join(words[i:i + DOC_WORDS]) for i in range(0, len(words), DOC_WORDS)]
    vectorizer = CountVectorizer(min_df=3, max_df=0.3, token_pattern=r"\S+")
    lda = LatentDirichletAllocation(n_components=topics, learning_method="online",
                                    random_state=0, max_iter=10, batch_size=256)
    lda.fit(vectorizer.fit_transform(chunks))
    return vectorizer, lda


def tiling(theta: np.ndarray, window: int, cut: float) -> list[int]:
    """Gap indexes (a boundary before unit g+1) at depth peaks."""
    sims = []
    for g in range(1, len(theta)):
        left, right = theta[max(0, g - window):g].sum(0), theta[g:g + window].sum(0)
        sims.append(float(left @ right / (np.linalg.norm(left) * np.linalg.norm(right) + 1e-9)))
    depth = [(max(sims[:i + 1]) - s) + (max(sims[i:]) - s) for i, s in enumerate(sims)]
    if not depth:
        return []
    threshold = np.mean(depth) + cut * np.std(depth)
    return [i for i, d in enumerate(depth) if d > threshold
            and (i == 0 or d >= depth[i - 1]) and (i == len(depth) - 1 or d >= depth[i + 1])]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--topics", type=int, default=40)
    args = parser.parse_args(argv)
    if not B.CORPUS.is_dir():
        print(f"{B.CORPUS} is missing: nothing to measure")
        return 0
    excluded = {p.stem for d in ("real", "dev") for p in (HERE / "annotations" / d).glob("*.json")}
    models: dict = {}
    scores: dict[str, list[tuple[float, int]]] = {}
    for show, name, t, ref in B.annotated("dev"):
        if show not in models:
            models[show] = train(show, excluded, args.topics)
        vectorizer, lda = models[show]
        doc, n = Doc(t), len(t.utterances)
        shipped = boundaries(find_segments(t))
        scores.setdefault("dcm on words (shipped)", []).append((pk(ref, shipped, n), len(shipped)))
        vocabulary = vectorizer.vocabulary_
        best = (lda.components_ / lda.components_.sum(axis=1, keepdims=True)).argmax(axis=0)
        topic_doc = TopicDoc(doc, [[f"t{best[vocabulary[w]]}" for w in turn if w in vocabulary]
                                   for turn in doc.tokens])
        units = T._units(doc, 0, n - 1)
        for penalty in (0.5, 1.0, 2.0, 4.0):
            starts = T._dcm(topic_doc, units, settings=T.TopicSettings(penalty=penalty))
            hyp = {units[i][0] for i in starts}
            scores.setdefault(f"lda → dcm, penalty {penalty}", []).append((pk(ref, hyp, n), len(hyp)))
        theta = lda.transform(vectorizer.transform(
            [" ".join(w for i in range(a, b + 1) for w in doc.tokens[i]) for a, b in units]))
        for window in (2, 3, 4):
            for cut in (0.0, 0.5, 1.0):
                hyp = {units[g + 1][0] for g in tiling(theta, window, cut)}
                scores.setdefault(f"TopicTiling, W {window}, c {cut}", []).append(
                    (pk(ref, hyp, n), len(hyp)))
    print(f"Development episodes, LDA with {args.topics} topics per show\n")
    print("| method | Pk | boundaries an episode |\n|---|---:|---:|")
    for method, values in scores.items():
        print(f"| {method} | {statistics.mean(v[0] for v in values):.3f} | "
              f"{statistics.mean(v[1] for v in values):.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
