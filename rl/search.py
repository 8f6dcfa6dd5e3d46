"""Test-time search over word selections: hill climbing over exact-length selections (HC, Schumann et al.
2020), and reranking a few whole-phrase shapes.

Start from k document positions; each round, try random one-word swaps (drop a kept position, add one not
kept), score them all, and move to the best if it scores no lower than the current selection. The length
never changes, so a length-biased score cannot drift. Every round makes ONE call to the scorer with the
candidates of all documents together: a neural scorer (MiniLM) is cheap per text only when batched.
"""

import random
from collections.abc import Callable, Sequence

from tqdm import tqdm

from seqae.core.config import DecodeConfig


def one_word_swaps(words: list[str], kept: list[int], count: int, rng: random.Random) -> list[list[int]]:
    """Up to `count` distinct one-word swaps of `kept` (sorted positions), each sorted again.

    A word equal to a kept one is never added: it would repeat a word (or, in place of itself, change nothing).
    """
    kept_words = {words[p] for p in kept}
    kept_set = set(kept)
    addable = [p for p in range(len(words)) if p not in kept_set and words[p] not in kept_words]
    pairs = len(kept) * len(addable)
    picks = range(pairs) if pairs <= count else rng.sample(range(pairs), count)
    candidates = []
    for pick in picks:
        drop, add = kept[pick // len(addable)], addable[pick % len(addable)]
        candidates.append(sorted([p for p in kept if p != drop] + [add]))
    return candidates


def _checked_start(words: list[str], start: Sequence[int]) -> list[int]:
    positions = sorted({int(p) for p in start})
    if positions and (positions[0] < 0 or positions[-1] >= len(words)):
        raise ValueError(f"start positions {positions} do not fit a document of {len(words)} words")
    return positions


def _climb(documents_words: list[list[str]], starts, score: Callable, rounds: int, swaps_per_round: int,
           rngs: list[random.Random]) -> tuple[list[list[int]], list[float]]:
    """The search over many documents; `score(document_indices, summaries) -> list[float]`, once per round."""
    current = [_checked_start(words, start) for words, start in zip(documents_words, starts, strict=True)]
    current_scores: list[float | None] = [None] * len(current)

    def call(owners: list[int], selections: list[list[int]]) -> list[float]:
        summaries = [" ".join(documents_words[i][p] for p in s) for i, s in zip(owners, selections)]
        scores = list(score(owners, summaries))
        if len(scores) != len(summaries):
            raise ValueError(f"the scorer returned {len(scores)} scores for {len(summaries)} summaries")
        return scores

    for _ in range(rounds):
        owners, selections, is_current = [], [], []
        for i, (words, kept) in enumerate(zip(documents_words, current)):
            # A start is scored in the first round's batch, not in a call of its own.
            starting = [kept] if current_scores[i] is None else []
            swaps = one_word_swaps(words, kept, swaps_per_round, rngs[i])
            owners += [i] * (len(starting) + len(swaps))
            selections += starting + swaps
            is_current += [True] * len(starting) + [False] * len(swaps)
        if not owners:
            break
        best: dict[int, tuple[float, list[int]]] = {}
        for i, selection, scored, value in zip(owners, selections, is_current, call(owners, selections)):
            if scored:
                current_scores[i] = value
            elif i not in best or value > best[i][0]:
                best[i] = (value, selection)
        for i, (value, selection) in best.items():
            if value >= current_scores[i]:  # ties move too: a plateau is crossed, not stopped on
                current[i], current_scores[i] = selection, value

    unscored = [i for i, value in enumerate(current_scores) if value is None]  # only when rounds == 0
    if unscored:
        for i, value in zip(unscored, call(unscored, [current[i] for i in unscored])):
            current_scores[i] = value
    return current, current_scores




def search_batch(documents_words: list[list[str]], starts: list[Sequence[int]],
                 score_fn: Callable[[list[str], list[str]], list[float]], rounds: int = 8,
                 swaps_per_round: int = 10, seed: int = 0) -> list[list[int]]:
    """Search many documents at once: per document, the best positions found, in document order.

    `score_fn(documents, summaries) -> scores` (a reward callable; a document is its words joined by spaces)
    is called once per round over the candidates of every document. Each document draws its swaps from its
    own generator, seeded by `seed` and the document's words, so its result does not depend on the rest of
    the batch or on where in it the document stands.
    """
    documents = [" ".join(words) for words in documents_words]
    rngs = [random.Random(f"{seed}/{document}") for document in documents]
    positions, _ = _climb(documents_words, starts,
                          lambda owners, summaries: score_fn([documents[i] for i in owners], summaries),
                          rounds, swaps_per_round, rngs)
    return positions


def best_candidates(documents: list[str], candidates: list[list[str]],
                    score_fn: Callable[[list[str], list[str]], list[float]]) -> list[int]:
    """Per document, the index of its candidate summary that `score_fn(documents, summaries)` rates highest, ties
    to the earlier candidate (a document without candidates gets -1). One call scores the candidates of every
    document: a neural scorer is cheap per text only when batched. A summary that a document's candidates repeat
    (a writer's greedy summary is often one of its beams) is scored once."""
    owners = [i for i, options in enumerate(candidates) for _ in options]
    flat = [summary for options in candidates for summary in options]
    unique = list(dict.fromkeys(zip(owners, flat)))
    unique_scores = list(score_fn([documents[i] for i, _ in unique], [summary for _, summary in unique]))
    if len(unique_scores) != len(unique):
        raise ValueError(f"the scorer returned {len(unique_scores)} scores for {len(unique)} summaries")
    score_of = dict(zip(unique, unique_scores))
    scores = [score_of[pair] for pair in zip(owners, flat)]
    best = [-1] * len(candidates)
    best_score = [float("-inf")] * len(candidates)
    position = [0] * len(candidates)
    for i, value in zip(owners, scores):
        if best[i] < 0 or value > best_score[i]:
            best[i], best_score[i] = position[i], value
        position[i] += 1
    return best


def written_reranked(generator, documents: list[str], score_fn, decode: DecodeConfig, *, words: int | None = None,
                     num_beams: int | None = None, draws: int | None = None, seed: int = 0,
                     with_greedy: bool = True) -> list[str]:
    """A writer's summaries: of its greedy summary, its beam's `num_beams` best and `draws` summaries drawn from it
    (`generator.draw`, seeded by `seed` and the document), the one `score_fn` rates highest (`best_candidates`).
    Decoded with `decode`'s settings (min_words, no_repeat_ngram_size, phrase_bonus); `words` and `num_beams` when
    None or 0, and `draws` when None, are its words, num_beams and rerank_draws (`draws=0`: no draws).
    Beam search alone ties or trails greedy on Gigaword (docs/readability.md); reranked, it leads, and draws give
    reranking candidates the beam's near-twins do not. The trainer's dev score and `seqae summarize` decode alike
    through here; `with_greedy=False` reranks the beams alone (whether the beam, reranked, beats greedy on its own:
    seqae.eval.copy_check)."""
    words = words or decode.words
    num_beams = num_beams or decode.num_beams
    draws = decode.rerank_draws if draws is None else draws
    settings = dict(words=words, min_words=min(decode.min_words, words),
                    no_repeat_ngram_size=decode.no_repeat_ngram_size, phrase_bonus=decode.phrase_bonus)
    greedy = generator.decode(documents, num_beams=1, **settings) if with_greedy else []
    beamed = generator.decode(documents, num_beams=num_beams, num_return_sequences=num_beams, **settings) \
        if num_beams > 1 else []
    drawn = generator.draw(documents, draws, seed=seed, **settings) if draws else []
    candidates = [[*greedy[row:row + 1], *beamed[row * num_beams:(row + 1) * num_beams],
                   *drawn[row * draws:(row + 1) * draws]] for row in range(len(documents))]
    chosen = best_candidates(documents, candidates, score_fn)
    return [options[index] for options, index in zip(candidates, chosen)]


def improve_selections(start, documents: list[str], score_fn, *, words: int, settings, seed: int = 0,
                       batch_size: int = 256) -> list[list[int]]:
    """Per document, the positions that search (`settings`: rounds, swaps_per_round) finds from a `words`-word
    selection, `start(documents, words=words) -> (words read, positions)` (a tagger's `select`: its greedy choice),
    in batches of `batch_size` documents."""
    positions = []
    for first in tqdm(range(0, len(documents), batch_size), desc="search targets", unit="batch"):
        read, greedy = start(documents[first:first + batch_size], words=words)
        positions += search_batch(read, greedy, score_fn, rounds=settings.rounds,
                                  swaps_per_round=settings.swaps_per_round, seed=seed)
    return positions
