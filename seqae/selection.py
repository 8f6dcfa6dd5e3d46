"""From a tagger's keep probabilities to a summary: the top-k document words, in document order.

Shared by the torch tagger (seqae.generators.ExtractiveGenerator) and its ONNX export (seqae.onnx_tagger), so
both choose alike. No torch here: the probabilities may be a torch tensor or a numpy array.
"""


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


class KeepSelection:
    """Greedy selection and decoding for a tagger with `keep_probabilities(documents) -> (words read per
    document, [B, W] keep probabilities)`."""

    def select(self, documents: list[str], *, words: int, ratio: float | None = None):
        """Greedy selection: the words the tagger read per document, and the kept positions (document order)."""
        read, keep = self.keep_probabilities(documents)
        positions = []
        for row, row_words in enumerate(read):
            count = max(1, round(ratio * len(row_words))) if ratio else words
            positions.append(select_positions(row_words, keep[row, : len(row_words)].tolist(), count))
        return read, positions

    def decode(self, documents, *, words, ratio=None, num_beams=1, min_words=1, no_repeat_ngram_size=2):
        """Summaries of exactly `words` words (or `ratio` of the words read); the beam and n-gram settings are
        for generators that write tokens, and are ignored."""
        read, positions = self.select(documents, words=words, ratio=ratio)
        return [" ".join(row[i] for i in kept) for row, kept in zip(read, positions)]
