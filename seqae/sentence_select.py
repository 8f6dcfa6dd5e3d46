"""Whole documents: choose sentences without supervision, in document order (LexRank, Erkan & Radev 2004).

Each sentence is a TF-IDF vector (term frequency x log inverse sentence frequency, counted within the document,
function words and punctuation left out); sentences whose cosine is at least `threshold` are linked; a
sentence's centrality is its stationary probability under a random walk on that graph (PageRank with damping
0.85, by power iteration). The `count` most central sentences are returned in the order they appear.
"""

import math
from collections import Counter

from seqae.data.heuristics import is_function_token


def tfidf_vectors(sentences: list[str]) -> list[dict[str, float]]:
    """One sparse unit-length TF-IDF vector per sentence (content words only; idf over the document's sentences)."""
    bags = [Counter(w for w in s.lower().split() if not is_function_token(w)) for s in sentences]
    frequency = Counter(word for bag in bags for word in bag)
    count = len(sentences)
    vectors = []
    for bag in bags:
        vector = {w: tf * math.log((1 + count) / (1 + frequency[w]) + 1) for w, tf in bag.items()}
        norm = math.sqrt(sum(v * v for v in vector.values()))
        vectors.append({w: v / norm for w, v in vector.items()} if norm else {})
    return vectors


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(value * b.get(word, 0.0) for word, value in a.items())


def lexrank_scores(sentences: list[str], threshold: float = 0.1, damping: float = 0.85,
                   iterations: int = 100, tolerance: float = 1e-8) -> list[float]:
    """Centrality of each sentence (they sum to 1)."""
    count = len(sentences)
    if count == 0:
        return []
    vectors = tfidf_vectors(sentences)
    links = [[j for j in range(count) if j != i and cosine(vectors[i], vectors[j]) >= threshold]
             for i in range(count)]
    scores = [1.0 / count] * count
    for _ in range(iterations):
        new = [(1 - damping) / count] * count
        for i, targets in enumerate(links):
            # A sentence linked to nothing spreads its weight evenly (the standard dangling-node rule).
            share = damping * scores[i] / (len(targets) if targets else count)
            for j in (targets or range(count)):
                new[j] += share
        converged = sum(abs(a - b) for a, b in zip(new, scores)) < tolerance
        scores = new
        if converged:
            break
    return scores


def select_sentences(sentences: list[str], count: int) -> list[str]:
    """The `count` most central sentences (ties: the earlier one), in document order."""
    scores = lexrank_scores(sentences)
    chosen = sorted(range(len(sentences)), key=lambda i: (-scores[i], i))[:count]
    return [sentences[i] for i in sorted(chosen)]
