"""From a tagger's keep probabilities to a summary: the top-k document words, in document order, or the most
probable few contiguous spans.

Shared by the torch tagger (seqae.core.generators.ExtractiveGenerator) and its ONNX export (seqae.core.onnx_tagger), so
both choose alike. No torch here: the probabilities may be a torch tensor or a numpy array.

Why spans: the top-k words read as a bag of words (blind reading, docs/readability.md); readers accept a few
whole phrases. `select_spans` keeps the tagger's own scores and only constrains their shape.
"""

import math
import zlib

import numpy as np

from seqae.data.heuristics import is_function_token, is_number_token, is_number_word

# A span should not start with a clitic or a conjunction ("'s claims", "and two injured").
_NO_SPAN_START = frozenset(("'s", "'", "n't", "and", "or", "but", "nor"))
# Words that scale the number before them: "$1.2" without "trillion", or "trillion" without "$1.2", says another
# amount or none (the packaged model parted them in 12 of 2,000 dev headlines).
SCALE_WORDS = frozenset("hundred thousand million billion trillion percent % pct".split())
# Words a span may leave out between two of its words, as headlines do.
ARTICLES = frozenset(("the", "a", "an"))
CONTINUED, OPENED, BRIDGED = 0, 1, 2


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


def scales_number(words: list[str], i: int) -> bool:
    """Whether `words[i]` is a number (digits or spelled) and `words[i + 1]` the word that scales it."""
    return (i + 1 < len(words) and words[i + 1].lower() in SCALE_WORDS
            and (is_number_token(words[i]) or is_number_word(words[i])))


def span_boundaries(words: list[str]) -> tuple[list[bool], list[bool]]:
    """Where a span may start and where it may end: `can_start_span` and `can_end_span` words, never between a
    number and its scale word (`scales_number`)."""
    starts = [can_start_span(w) and not (i > 0 and scales_number(words, i - 1)) for i, w in enumerate(words)]
    ends = [can_end_span(w) and not scales_number(words, i) for i, w in enumerate(words)]
    return starts, ends


def keep_log_odds(probability: float) -> float:
    """log p - log(1 - p), clipped so a saturated tagger still ranks its choices."""
    p = min(max(float(probability), 1e-6), 1 - 1e-6)
    return math.log(p) - math.log1p(-p)


def select_spans(words: list[str], keep_scores: list[float], count: int, max_spans: int,
                 phrase_boundaries: bool = True, bridged: frozenset[str] = ARTICLES) -> list[int]:
    """The positions of `count` words (all, in a shorter document) forming at most `max_spans` spans: the
    keep/drop labelling the tagger finds most probable among those shapes (`best_spans` of the keep log-odds)."""
    log_odds = [keep_log_odds(p) for p in keep_scores[:len(words)]]
    return best_spans(words, log_odds, count, max_spans, phrase_boundaries=phrase_boundaries, bridged=bridged)


def best_spans(words: list[str], log_odds: list[float], count: int, max_spans: int,
               phrase_boundaries: bool = True, bridged: frozenset[str] = ARTICLES) -> list[int]:
    """The positions of `count` words (all, in a shorter document) forming at most `max_spans` spans with the
    largest sum of `log_odds` (one per word), found exactly by dynamic programming over (position, words kept,
    spans opened, inside a span). Reranking's draws (`span_candidates`) call it on noisy log-odds.

    A span is a run of adjacent document words, except that it may leave out `bridged` words between two of its
    words, as headlines leave out articles ("planting a car bomb" -> "planting car bomb"). With
    `phrase_boundaries`, spans start and end where `span_boundaries` allows; where the document leaves no such
    choice, that rule is dropped rather than the length.
    """
    n = len(words)
    count = min(count, n)
    if count <= 0:
        return []
    scores = [float(value) for value in log_odds[:n]]
    starts, ends = span_boundaries(words) if phrase_boundaries else ([True] * n, [True] * n)
    shape = (count + 1, max_spans + 1)
    impossible = np.full(shape, -np.inf)
    # best[k, s, inside]: the best total after the words so far, with k kept in s spans, a span open or not.
    best = np.full((*shape, 2), -np.inf)
    best[0, 0, 0] = 0.0
    # origins[i][k, s, inside], how word i's state was reached. Outside a span: 0 the previous word was outside
    # too, 1 word i closed the span before it. Inside: CONTINUED or OPENED (word i kept), BRIDGED (word i left out).
    origins = []
    for i in range(n):
        origin = np.zeros(best.shape, dtype=np.int8)
        # Drop word i outside a span, or close the span before it (its last word must end a phrase; a bridged
        # word never does, so a span never ends on a left-out word).
        closing = best[:, :, 1] if i > 0 and ends[i - 1] else impossible
        outside = np.maximum(best[:, :, 0], closing)
        origin[:, :, 0] = closing > best[:, :, 0]
        # Keep word i in the open span, or in a new one where a span may start; or bridge it inside the span.
        continued = np.full(shape, -np.inf)
        continued[1:] = best[:-1, :, 1] + scores[i]
        opened = np.full(shape, -np.inf)
        if starts[i]:
            opened[1:, 1:] = best[:-1, :-1, 0] + scores[i]
        bridge = best[:, :, 1] if words[i].lower() in bridged and i > 0 else impossible
        candidates = np.stack([continued, opened, bridge])  # indexed by CONTINUED, OPENED, BRIDGED
        origin[:, :, 1] = candidates.argmax(0)
        best = np.stack([outside, candidates.max(0)], -1)
        origins.append(origin)
    final = best[count].copy()
    if not ends[-1]:
        final[:, 1] = -np.inf
    if not np.isfinite(final).any():
        return best_spans(words, log_odds, count, max_spans, phrase_boundaries=False, bridged=bridged)
    k, (s, inside) = count, np.unravel_index(int(np.argmax(final)), final.shape)
    kept = []
    for i in range(n - 1, -1, -1):
        how = origins[i][k, s, inside]
        if not inside:
            inside = int(how == 1)
        elif how == BRIDGED:
            inside = 1
        else:
            kept.append(i)
            k -= 1
            s -= int(how == OPENED)
            inside = int(how == CONTINUED)
    return kept[::-1]


def span_candidates(words: list[str], keep_scores: list[float], count: int, most_spans: int, draws: int = 0,
                    seed: int = 0) -> list[list[int]]:
    """The distinct selections of `count` words that reranking chooses among (seqae.rl.search.best_candidates):
    the most probable in 1, 2, ..., `most_spans` phrases (`select_spans`), then `draws` more of the same shapes
    (draw j in 1 + j % most_spans phrases), each the best under the keep log-odds plus logistic noise: without
    the shape, the noisy log-odds' signs would be an exact keep/drop draw from the tagger. The noise is seeded by
    `seed` and the document's words, so a document's candidates do not depend on its batch."""
    log_odds = np.array([keep_log_odds(p) for p in keep_scores[:len(words)]])
    candidates = []
    for max_spans in range(1, most_spans + 1):
        kept = best_spans(words, log_odds.tolist(), count, max_spans)
        if kept not in candidates:
            candidates.append(kept)
    rng = np.random.default_rng([seed, zlib.crc32(" ".join(words).encode("utf-8"))])
    for draw in range(draws):
        uniform = rng.uniform(1e-6, 1 - 1e-6, size=log_odds.shape)
        noisy = log_odds + np.log(uniform) - np.log1p(-uniform)
        kept = best_spans(words, noisy.tolist(), count, 1 + draw % most_spans)
        if kept not in candidates:
            candidates.append(kept)
    return candidates


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

    def select_candidates(self, documents: list[str], *, words: int, ratio: float | None = None, most_spans: int,
                          draws: int = 0, seed: int = 0) -> tuple[list[list[str]], list[list[list[int]]]]:
        """The words read per document, and its `span_candidates` (in 1..most_spans phrases, `draws` noisy ones)."""
        read, keep = self.keep_probabilities(documents)
        candidates = []
        for row, row_words in enumerate(read):
            count = max(1, round(ratio * len(row_words))) if ratio else words
            candidates.append(span_candidates(row_words, keep[row, : len(row_words)].tolist(), count, most_spans,
                                              draws, seed))
        return read, candidates

    def decode(self, documents, *, words, ratio=None, max_spans=0, num_beams=1, min_words=1,
               no_repeat_ngram_size=2, phrase_bonus=0.0):
        """Summaries of exactly `words` words (or `ratio` of the words read), in at most `max_spans` spans when
        set; the beam, n-gram and phrase settings are for generators that write tokens, and are ignored."""
        read, positions = self.select(documents, words=words, ratio=ratio, max_spans=max_spans)
        return [" ".join(row[i] for i in kept) for row, kept in zip(read, positions)]
