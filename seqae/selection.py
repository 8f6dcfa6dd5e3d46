"""From a tagger's keep probabilities to a summary: the top-k document words, in document order, or the most
probable few contiguous spans.

Shared by the torch tagger (seqae.generators.ExtractiveGenerator) and its ONNX export (seqae.onnx_tagger), so
both choose alike. No torch here: the probabilities may be a torch tensor or a numpy array.

Why spans: the top-k words read as a bag of words (blind reading, docs/readability.md); readers accept a few
whole phrases. `select_spans` keeps the tagger's own scores and only constrains their shape.
"""

import math

import numpy as np

from seqae.data.heuristics import is_function_token, is_number_token

# A span should not start with a clitic or a conjunction ("'s claims", "and two injured").
_NO_SPAN_START = frozenset(("'s", "'", "n't", "and", "or", "but", "nor"))


def select_positions(words: list[str], keep_scores: list[float], count: int) -> list[int]:
    """The positions of the `count` highest-scoring words, in document order; a word already kept is skipped,
    not repeated."""
    chosen, seen = [], set()
    for index in sorted(range(len(words)), key=lambda i: -keep_scores[i]):
        if len(chosen) == count:
            break
        if words[index] in seen:
            continue
        chosen.append(index)
        seen.add(words[index])
    return sorted(chosen)


def can_start_span(word: str) -> bool:
    """A span may start at a number or a word with a letter or digit, but not at a clitic or a conjunction."""
    return is_number_token(word) or (word.lower() not in _NO_SPAN_START and any(c.isalnum() for c in word))


def can_end_span(word: str) -> bool:
    """A span ends where a phrase can end: at a content word or a number, never at "of", "the", "'s" or a comma."""
    return is_number_token(word) or not is_function_token(word)


def keep_log_odds(probability: float) -> float:
    """log p - log(1 - p), clipped so a saturated tagger still ranks its choices."""
    p = min(max(float(probability), 1e-6), 1 - 1e-6)
    return math.log(p) - math.log1p(-p)


def select_spans(words: list[str], keep_scores: list[float], count: int, max_spans: int,
                 phrase_boundaries: bool = True) -> list[int]:
    """The positions of `count` words (all, in a shorter document) forming at most `max_spans` runs of adjacent
    words: the keep/drop labelling the tagger finds most probable (the largest sum of keep log-odds) among those
    shapes, found exactly by dynamic programming over (position, words kept, spans opened, inside a span).

    With `phrase_boundaries`, spans start at `can_start_span` words and end at `can_end_span` words; where the
    document leaves no such choice, that rule is dropped rather than the length.
    """
    n = len(words)
    count = min(count, n)
    if count <= 0:
        return []
    scores = [keep_log_odds(p) for p in keep_scores[:n]]
    starts = [not phrase_boundaries or can_start_span(w) for w in words]
    ends = [not phrase_boundaries or can_end_span(w) for w in words]
    shape = (count + 1, max_spans + 1)
    # best[k, s, inside]: the best total after the words so far with k kept in s spans, the last word kept or not.
    best = np.full((*shape, 2), -np.inf)
    best[0, 0, 0] = 0.0
    # came_from[i][k, s, inside]: whether word i's state came from the previous word being inside a span.
    came_from = []
    for i in range(n):
        new = np.full_like(best, -np.inf)
        origin = np.zeros(best.shape, dtype=bool)
        # Drop word i: the span before it closes, which needs the previous word to end a phrase.
        closing = best[:, :, 1] if i > 0 and ends[i - 1] else np.full(shape, -np.inf)
        origin[:, :, 0] = closing > best[:, :, 0]
        new[:, :, 0] = np.maximum(best[:, :, 0], closing)
        # Keep word i: continue the open span, or open a new one where a span may start.
        opening = np.full(shape, -np.inf)
        if starts[i]:
            opening[:, 1:] = best[:, :-1, 0]
        origin[1:, :, 1] = best[:-1, :, 1] >= opening[:-1]
        new[1:, :, 1] = np.maximum(best[:-1, :, 1], opening[:-1]) + scores[i]
        best = new
        came_from.append(origin)
    final = best[count].copy()
    if not ends[-1]:
        final[:, 1] = -np.inf
    if not np.isfinite(final).any():
        return select_spans(words, keep_scores, count, max_spans, phrase_boundaries=False)
    k, (s, inside) = count, np.unravel_index(int(np.argmax(final)), final.shape)
    kept = []
    for i in range(n - 1, -1, -1):
        from_inside = came_from[i][k, s, inside]
        if inside:
            kept.append(i)
            k -= 1
            if not from_inside:
                s -= 1
        inside = 1 if from_inside else 0
    return kept[::-1]


class KeepSelection:
    """Greedy selection and decoding for a tagger with `keep_probabilities(documents) -> (words read per
    document, [B, W] keep probabilities)`."""

    def select(self, documents: list[str], *, words: int, ratio: float | None = None, max_spans: int = 0):
        """Greedy selection: the words the tagger read per document, and the kept positions (document order):
        the top-scoring words, or with `max_spans` the most probable words in at most that many spans."""
        read, keep = self.keep_probabilities(documents)
        positions = []
        for row, row_words in enumerate(read):
            count = max(1, round(ratio * len(row_words))) if ratio else words
            scores = keep[row, : len(row_words)].tolist()
            positions.append(select_spans(row_words, scores, count, max_spans) if max_spans
                             else select_positions(row_words, scores, count))
        return read, positions

    def decode(self, documents, *, words, ratio=None, max_spans=0, num_beams=1, min_words=1,
               no_repeat_ngram_size=2):
        """Summaries of exactly `words` words (or `ratio` of the words read), in at most `max_spans` spans when
        set; the beam and n-gram settings are for generators that write tokens, and are ignored."""
        read, positions = self.select(documents, words=words, ratio=ratio, max_spans=max_spans)
        return [" ".join(row[i] for i in kept) for row, kept in zip(read, positions)]
