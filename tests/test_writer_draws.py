"""A writer's drawn reranking candidates (AbstractiveGenerator.draw): Gumbel-max draws from the scores decoding
steers, seeded per document, so a document's candidates do not depend on its batch."""

import math

import torch

from seqae.core.config import DecodeConfig, ModelConfig
from seqae.core.generators import (AbstractiveGenerator, SeededGumbel, ban_end_in_place, draw_seeds, end_banned)
from seqae.data.tokenizer import WordCodec, build_word_tokenizer
from seqae.rl.search import written_reranked

NEG = float("-inf")
PROBABILITIES = [0.6, 0.3, 0.1]


def test_gumbel_noise_then_the_highest_score_draws_from_the_softmax():
    rows = 4000
    scores = torch.tensor([[math.log(p) for p in PROBABILITIES]]).repeat(rows, 1)
    chosen = SeededGumbel(list(range(rows)))(None, scores.clone()).argmax(1)
    shares = [float((chosen == token).float().mean()) for token in range(3)]
    # the binomial standard error of each share is under 0.008 at 4,000 rows
    assert all(abs(share - p) < 0.03 for share, p in zip(shares, PROBABILITIES)), shares


def test_noise_on_the_allowed_tokens_only_draws_among_them_alike():
    rows = 4000
    scores = torch.tensor([[math.log(p) for p in PROBABILITIES]]).repeat(rows, 1)
    allowed = torch.tensor([[True, True, False]]).repeat(rows, 1)
    scores[~allowed] = NEG  # as the copy mask leaves them
    noisy = SeededGumbel(list(range(rows)), allowed)(None, scores.clone())
    assert bool(torch.isinf(noisy[:, 2]).all())  # no noise where the mask banned the token
    share = float((noisy.argmax(1) == 0).float().mean())
    assert abs(share - 2 / 3) < 0.03, share


def test_a_rows_noise_depends_on_its_own_seed_only():
    alone = SeededGumbel([7])(None, torch.zeros(1, 5))
    in_a_batch = SeededGumbel([3, 7, 11])(None, torch.zeros(3, 5))
    assert torch.equal(alone[0], in_a_batch[1]) and not torch.equal(in_a_batch[0], in_a_batch[1])


def test_draw_seeds_follow_the_seed_the_document_and_the_draw():
    seeds = draw_seeds(["police city", "city police"], 2, seed=0)
    assert len(seeds) == len(set(seeds)) == 4
    assert draw_seeds(["city police"], 2, seed=0) == seeds[2:]  # the document's own, wherever it stands
    assert draw_seeds(["city police"], 2, seed=1) != seeds[2:]


def test_banning_the_end_in_place_bans_it_as_end_banned_does():
    scores = torch.tensor([[0.0, 1.0, NEG], [NEG, 2.0, NEG]])  # </s> = 1; row 1 has nothing else left
    expected = end_banned(scores, eos=1)
    assert scores.tolist() == [[0.0, 1.0, NEG], [NEG, 2.0, NEG]]  # end_banned copies
    assert ban_end_in_place(scores, eos=1) is scores and torch.equal(scores, expected)


def untrained_writer() -> AbstractiveGenerator:
    torch.manual_seed(0)
    tokenizer = build_word_tokenizer(texts=["police city police in the market fire city rebels talks"], vocab_size=16)
    config = ModelConfig(generator="abstractive", hidden_size=32, num_layers=1, num_heads=2, intermediate_size=64,
                         max_positions=64, copy_slots=2)
    return AbstractiveGenerator.build(config, tokenizer, WordCodec.from_tokenizer(tokenizer), max_words=12)


def test_a_documents_draws_are_its_own_words_the_same_alone_as_in_a_batch():
    writer = untrained_writer()
    documents = ["police fire in the city market", "rebels talks in the city zeta"]
    settings = dict(seed=0, words=4, min_words=2, no_repeat_ngram_size=2, phrase_bonus=1.0)
    batch = writer.draw(documents, 6, **settings)
    assert len(batch) == 12
    for index, summary in enumerate(batch):
        words = summary.split()
        assert 2 <= len(words) <= 4 and len(set(words)) == len(words)
        assert set(words) <= set(documents[index // 6].split())  # `zeta`, outside the vocabulary, through a slot
    assert writer.draw(documents[1:], 6, **settings) == batch[6:]
    assert len(set(batch)) > 2  # draws, not six copies of greedy
    assert writer.draw(documents, 6, **{**settings, "seed": 1}) != batch


def test_reranking_chooses_among_greedy_beams_and_draws():
    class Writer:
        def decode(self, documents, *, num_beams, num_return_sequences=1, **settings):
            return [f"{'greedy' if num_beams == 1 else 'beam'} {d}" for d in documents for _ in
                    range(num_return_sequences)]

        def draw(self, documents, count, *, seed, **settings):
            assert seed == 5 and settings == {"words": 3, "min_words": 3, "no_repeat_ngram_size": 3,
                                              "phrase_bonus": 0.0}
            return [f"draw{i} {d}" for d in documents for i in range(count)]

    score = lambda texts, summaries: [("draw2 a" in s) + 2 * ("greedy b" in s) for s in summaries]  # noqa: E731
    decode = DecodeConfig(words=5, min_words=6, num_beams=2, phrase_bonus=0.0, no_repeat_ngram_size=3, rerank_draws=1)
    assert written_reranked(Writer(), ["a", "b"], score, decode, words=3, draws=3, seed=5) == ["draw2 a", "greedy b"]
