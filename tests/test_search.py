"""Hill climbing on toy scores whose optimum is known."""

import random

import pytest

from seqae.rl.search import search_batch

WORDS = "the police arrested five men in paris on tuesday after a long chase".split()
TARGET = {"police", "arrested", "paris", "chase"}


def target_count(summaries: list[str]) -> list[float]:
    return [float(sum(word in TARGET for word in s.split())) for s in summaries]


class Recorder:
    """A scorer that remembers every batch it was given."""

    def __init__(self, score):
        self.score, self.batches = score, []

    def __call__(self, *args):
        summaries = args[-1]
        self.batches.append(list(summaries))
        return self.score(summaries)


def climb(words: list[str], start: list[int], score, **settings) -> list[int]:
    """search_batch on one document, with a scorer of summaries alone: the positions found."""
    return search_batch([words], [start], lambda _, summaries: score(summaries), **settings)[0]


def summary(words: list[str], positions: list[int]) -> str:
    return " ".join(words[p] for p in positions)


def test_finds_the_optimum_and_keeps_the_length():
    positions = climb(WORDS, [0, 3, 4, 5], target_count, rounds=8, swaps_per_round=100)  # every swap, every round
    assert [WORDS[p] for p in positions] == ["police", "arrested", "paris", "chase"]


def test_enumerates_every_swap_when_they_fit_in_a_round():
    scorer = Recorder(target_count)
    assert climb(WORDS[:5], [0, 3], scorer, rounds=3, swaps_per_round=100) == [1, 2]
    assert len(scorer.batches[0]) == 1 + 2 * 3  # the start, then 2 drops x 3 additions


def test_one_scorer_call_per_round_and_the_score_never_falls():
    rng = random.Random(3)
    values = {}

    def noisy(summaries):  # a fixed but arbitrary score per summary
        return [values.setdefault(s, rng.random()) for s in summaries]

    scorer = Recorder(noisy)
    positions = climb(WORDS, [0, 1, 2], scorer, rounds=6, swaps_per_round=5, seed=1)
    assert len(scorer.batches) == 6
    assert len(scorer.batches[0]) == 1 + 5 and all(len(batch) == 5 for batch in scorer.batches[1:])
    start_score = values[scorer.batches[0][0]]
    assert values[summary(WORDS, positions)] >= start_score
    assert all(len(s.split()) == 3 for batch in scorer.batches for s in batch)


def test_never_adds_a_word_already_kept():
    words = "oil oil prices rise oil prices".split()
    scorer = Recorder(lambda summaries: [0.0] * len(summaries))
    climb(words, [0, 2], scorer, rounds=4, swaps_per_round=50)
    candidates = [s for batch in scorer.batches for s in batch]
    assert candidates and all(len(set(s.split())) == 2 for s in candidates)


def test_deterministic_for_a_seed():
    def run(seed):
        return climb(WORDS, [0, 1, 2], lambda s: [len(x) for x in s], rounds=3, swaps_per_round=4, seed=seed)
    assert run(7) == run(7)


def test_nothing_to_swap_keeps_the_start():
    assert climb(["a", "b"], [1, 0], target_count, rounds=3) == [0, 1]
    assert climb(WORDS, [1], target_count, rounds=0) == [1]


def test_rejects_positions_outside_the_document():
    with pytest.raises(ValueError):
        climb(["a", "b"], [2], target_count)


def test_search_batch_scores_all_documents_in_one_call_per_round():
    documents = [WORDS, "rebels attack army base in north killing ten soldiers".split(), ["alone"]]
    starts = [[0, 3, 4, 5], [0, 4], [0]]
    calls = []

    def score(docs, summaries):
        calls.append(list(docs))
        targets = [TARGET if d.startswith("the police") else {"rebels", "army"} for d in docs]
        return [float(len(set(s.split()) & t)) for s, t in zip(summaries, targets)]

    positions = search_batch(documents, starts, score, rounds=20, swaps_per_round=10, seed=0)
    assert len(calls) == 20
    assert {" ".join(documents[0])} < set(calls[0]) and " ".join(documents[1]) in calls[0]
    assert [documents[0][p] for p in positions[0]] == ["police", "arrested", "paris", "chase"]
    assert [documents[1][p] for p in positions[1]] == ["rebels", "army"]
    assert positions[2] == [0]
    assert positions == search_batch(documents, starts, score, rounds=20, swaps_per_round=10, seed=0)


def test_search_batch_result_does_not_depend_on_the_rest_of_the_batch():
    def noisy(docs, summaries):
        return [hash((d, s)) % 1000 / 1000 for d, s in zip(docs, summaries)]

    other = "markets fall as oil prices climb to record high".split()
    alone = search_batch([WORDS], [[0, 1, 2]], noisy, rounds=4, swaps_per_round=3, seed=5)
    together = search_batch([WORDS, other], [[0, 1, 2], [0, 1, 2]], noisy, rounds=4, swaps_per_round=3, seed=5)
    assert together[0] == alone[0]


def test_a_documents_result_does_not_depend_on_its_batch():
    documents = [[f"w{i}" for i in range(12)], [f"v{i}" for i in range(9)], [f"u{i}" for i in range(15)]]
    starts = [[0, 1, 2], [0, 1, 2], [0, 1, 2]]

    def score(_, summaries):
        return [sum(len(w) * (1 + ord(w[-1]) % 3) for w in s.split()) for s in summaries]

    together = search_batch(documents, starts, score, rounds=3, swaps_per_round=4, seed=3)
    alone = [search_batch([d], [s], score, rounds=3, swaps_per_round=4, seed=3)[0] for d, s in zip(documents, starts)]
    reversed_order = search_batch(documents[::-1], starts[::-1], score, rounds=3, swaps_per_round=4, seed=3)[::-1]
    assert together == alone == reversed_order


def test_search_reward_reuses_a_loaded_similarity_encoder():
    from types import SimpleNamespace

    from seqae.rl.rewards import search_reward

    calls = []

    def similarity(documents, summaries, **_):
        calls.append(len(summaries))
        return [0.5] * len(summaries)

    settings = SimpleNamespace(word_prior_weight=0.0, similarity_weight=2.0, fluency_weight=0.0,
                               fluency_measure="log_prob", phrase_weight=0.0, number_weight=0.0)
    # A model name that does not exist: loading it would fail, so passing the encoder must skip the load.
    score = search_reward(settings, None, "/nonexistent/encoder", similarity=similarity)
    assert score(["a b c", "d e"], ["a", "d"]) == [1.0, 1.0] and calls == [2]
