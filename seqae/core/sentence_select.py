"""Whole documents: choose sentences without supervision and return them in document order, within a budget.

Two rankings:
- `lexrank` (Erkan & Radev 2004): undirected centrality, blind to position;
- `position` (directed centrality, PACSUM, Zheng & Lapata 2019): a sentence gains from its similarity to the
  sentences after it and loses (weight `backward_weight`) from its similarity to those before it, so the
  sentence that the rest of the article elaborates ranks first. News puts that sentence early, and this ranking
  knows it without a hand-set lead bias. Edges are similarities minus the document's smallest one.
  `backward_weight=-2` was chosen on CNN/DailyMail val (600 articles, R-1 at Lead-3's word budget; -0.5 to -4
  are within 0.3 R-1); it is the default.
Similarities are TF-IDF cosines, plus sentence-encoder cosines when an `embed` callable is given (MiniLM in
seqae[pretrained]): on that val slice the sum ranked better than either alone.

Each sentence is a TF-IDF vector (term frequency x log inverse sentence frequency, counted within the document,
function words and punctuation left out). For `lexrank`, sentences whose cosine is at least `threshold` are
linked, and a sentence's centrality is its stationary probability under a random walk on that graph (PageRank
with damping 0.85, by power iteration).
"""

import math
from collections import Counter

from seqae.data.heuristics import is_function_token
from seqae.data.normalize import strip_datelines


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


def dot(a: dict[str, float], b: dict[str, float]) -> float:
    """The dot product of two sparse vectors: the cosine when both have unit length."""
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
    links = [[j for j in range(count) if j != i and dot(vectors[i], vectors[j]) >= threshold]
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


def directed_centrality(sentences: list[str], embed=None, backward_weight: float = -2.0,
                        floor_sample: int = 300) -> list[float]:
    """PACSUM scores: the sum of edges to later sentences + backward_weight x the sum of edges to earlier ones.
    An edge is a similarity (TF-IDF cosine, + `embed`'s cosine) minus the smallest similarity between two different
    sentences (found among at most `floor_sample` evenly spaced sentences, so exact up to that length).

    Cosines of unit vectors are dot products, so each sum is one dot product with a running sum of vectors: the
    cost grows with the document's length, not its square, and a book-length input ranks in seconds."""
    count = len(sentences)
    if count < 2:
        return [0.0] * count
    sparse = tfidf_vectors(sentences)
    dense = embed(sentences) if embed is not None else None

    def similarity(i: int, j: int) -> float:
        return dot(sparse[i], sparse[j]) + (float(dense[i] @ dense[j]) if dense is not None else 0.0)

    step = max(1, count // floor_sample)
    sample = range(0, count, step)
    floor = min(similarity(i, j) for i in sample for j in sample if i < j)
    total: dict[str, float] = {}
    for vector in sparse:
        for word, value in vector.items():
            total[word] = total.get(word, 0.0) + value
    before: dict[str, float] = {}
    dense_total = dense.sum(0) if dense is not None else None
    dense_before = dense_total * 0 if dense is not None else None
    scores = []
    for i, vector in enumerate(sparse):
        backward = dot(vector, before)
        forward = dot(vector, total) - backward - dot(vector, vector)
        if dense is not None:
            dense_backward = float(dense[i] @ dense_before)
            backward += dense_backward
            forward += float(dense[i] @ dense_total) - dense_backward - float(dense[i] @ dense[i])
            dense_before = dense_before + dense[i]
        for word, value in vector.items():
            before[word] = before.get(word, 0.0) + value
        scores.append(forward - floor * (count - 1 - i) + backward_weight * (backward - floor * i))
    return scores


def rank_sentences(sentences: list[str], method: str = "position", embed=None) -> list[int]:
    """Sentence indices, best first (ties: the earlier sentence)."""
    if method == "lexrank":
        scores = lexrank_scores(sentences)
    elif method == "position":
        scores = directed_centrality(sentences, embed)
    else:
        raise ValueError(f"unknown sentence ranking {method!r}: lexrank or position")
    return sorted(range(len(sentences)), key=lambda i: (-scores[i], i))


def word_count(text: str) -> int:
    """Words as ROUGE counts them: tokens with a letter or digit (punctuation tokens are free)."""
    return sum(any(c.isalnum() for c in token) for token in text.split())


# Words: a run this long without a sentence end is no sentence a reader wants whole (news sentences rarely pass 60);
# document mode cuts it into runs of this many so that ranking and budgets still work on a text without periods.
LONGEST_SENTENCE = 150
SHORTEST_LINE = 4  # words: a shorter "sentence" is a byline, a name or an abbreviation split off, not a summary line
CUT_MARK = "…"  # ends the one sentence a words or bytes budget cuts, so the reader knows it goes on


def document_sentences(document: str, splitter=None) -> list[str]:
    """The document's sentences as document mode chooses among them, datelines and bylines dropped
    (seqae.data.normalize.strip_datelines). Written text (with capitals) is split by
    seqae.data.sentences.split_written; text in the corpora's lowercased form by `splitter` (a trained
    seqae.data.sentences.SentenceSplitter; ValueError without one). A piece of at most two words (an abbreviation
    or a name the splitter cut off) joins the sentence before it, and a run of more than LONGEST_SENTENCE words
    without a sentence end is cut into runs of that many."""
    from seqae.data.sentences import is_written, split_written  # imports nltk: only once a document is split

    text = strip_datelines(document)
    if not text.strip():
        return []
    if is_written(text):
        pieces = split_written(text)
    elif splitter is not None:
        pieces = splitter.split(" ".join(text.split()))
    else:
        raise ValueError("lowercased text needs a trained sentence splitter")
    joined = []
    for piece in pieces:
        if joined and len(piece.split()) <= 2:
            joined[-1] += " " + piece
        else:
            joined.append(piece)
    if len(joined) > 1 and len(joined[0].split()) <= 2:
        joined[:2] = [joined[0] + " " + joined[1]]
    return [" ".join(tokens[start:start + LONGEST_SENTENCE])
            for tokens in (sentence.split() for sentence in joined)
            for start in range(0, len(tokens), LONGEST_SENTENCE)]


def lead_sentence(sentences: list[str]) -> str | None:
    """The first sentence that may be a summary line (SHORTEST_LINE words or more; any, if none has that many): the
    sentence a document's headline is written from."""
    order = readable_order(sentences, list(range(len(sentences))))
    return sentences[min(order)] if order else None


def readable_order(sentences: list[str], order: list[int]) -> list[int]:
    """`order` without the sentences of fewer than SHORTEST_LINE words, unless no sentence has that many."""
    kept = [index for index in order if word_count(sentences[index]) >= SHORTEST_LINE]
    return kept or order


def fill_budget(sentences: list[str], order: list[int], *, count: int | None = None, words: int | None = None,
                n_bytes: int | None = None, cut: bool = True) -> list[str]:
    """Sentences taken in `order` until the budget is spent, returned in document order: `count` whole sentences,
    or whole sentences while they fit `words` words / `n_bytes` UTF-8 bytes (joined by one space). With `cut`, the
    first sentence that does not fit is then cut at the budget and ends with CUT_MARK (the DUC convention, said), so
    the budget is filled when the document is long enough, unless fewer than SHORTEST_LINE of its words would fit;
    without, the summary stops before it."""
    if (count is None) + (words is None) + (n_bytes is None) != 2:
        raise ValueError("give exactly one budget: count, words or n_bytes")
    if count is not None:
        return [sentences[i] for i in sorted(order[:count])]
    mark_bytes = len(CUT_MARK.encode("utf-8"))
    chosen, used = {}, 0
    for index in order:
        sentence = sentences[index]
        cost = word_count(sentence) if words is not None else len(sentence.encode("utf-8")) + bool(chosen)
        if used + cost <= (words if words is not None else n_bytes):
            chosen[index], used = sentence, used + cost
            continue
        kept = []
        for token in sentence.split() if cut else []:
            if words is not None:
                if used >= words:
                    break
                used += any(c.isalnum() for c in token)
            else:
                cost = len(token.encode("utf-8")) + (1 if chosen or kept else 0)
                if used + cost + mark_bytes > n_bytes:
                    break
                used += cost
            kept.append(token)
        if word_count(" ".join(kept)) >= SHORTEST_LINE:
            chosen[index] = " ".join(kept) + CUT_MARK
        break
    return [chosen[i] for i in sorted(chosen)]
