"""Exact-length sampling against hand-computed Plackett–Luce values and empirical frequencies."""

import math

import pytest
import torch

from seqae.core.sampling import (
    gumbel_top_k,
    keep_scores,
    plackett_luce_logprob,
    positions_to_summary,
    repeat_rows,
)

NEG_INF = float("-inf")


def test_keep_scores_are_log_odds_over_temperature_masked():
    logits = torch.tensor([[[0.0, 2.0], [1.0, 0.0], [5.0, 5.0]]])  # [drop, keep]
    mask = torch.tensor([[1, 1, 0]])
    assert torch.equal(keep_scores(logits, mask, temperature=2.0), torch.tensor([[1.0, -0.5, NEG_INF]]))


def test_keep_scores_rejects_non_positive_temperature():
    with pytest.raises(ValueError):
        keep_scores(torch.zeros(1, 1, 2), torch.ones(1, 1), temperature=0.0)


def test_plackett_luce_logprob_by_hand():
    scores = torch.tensor([[1.0, 2.0, 0.0]], requires_grad=True)
    logprob = plackett_luce_logprob(scores, torch.tensor([[1, 0]]))
    # step 1 picks word 1 among {0, 1, 2}: 2 - log(e^1 + e^2 + e^0) = 2 - log(11.10734) = -0.40761
    # step 2 picks word 0 among {0, 2}:    1 - log(e^1 + e^0)       = 1 - log(3.71828)  = -0.31326
    assert logprob.item() == pytest.approx(-0.72087, abs=1e-5)
    logprob.backward()
    # d/ds_j = [j chosen] - sum over steps of softmax_step(j):
    # step 1 softmax (0.24473, 0.66524, 0.09003), step 2 softmax over {0, 2} (0.73106, -, 0.26894)
    assert torch.allclose(scores.grad, torch.tensor([[1 - 0.24473 - 0.73106, 1 - 0.66524, -0.09003 - 0.26894]]),
                          atol=1e-5)


def test_plackett_luce_last_forced_pick_costs_nothing():
    scores = torch.tensor([[1.0, 2.0, 0.0]])
    two = plackett_luce_logprob(scores, torch.tensor([[1, 0]]))
    three = plackett_luce_logprob(scores, torch.tensor([[1, 0, 2]]))
    assert torch.allclose(two, three)


def test_plackett_luce_ignores_padding_and_masked_words_without_nan_gradients():
    scores = torch.tensor([[1.0, 2.0, 0.0, NEG_INF], [0.0, 3.0, NEG_INF, NEG_INF]], requires_grad=True)
    chosen = torch.tensor([[1, 0, -1], [1, 0, -1]])  # row 2 takes every valid word, then pads
    logprob = plackett_luce_logprob(scores, chosen)
    expected_row_2 = (3 - math.log(math.exp(0) + math.exp(3))) + 0.0
    assert torch.allclose(logprob, torch.tensor([-0.72087, expected_row_2]), atol=1e-5)
    logprob.sum().backward()
    assert torch.isfinite(scores.grad).all()
    assert scores.grad[:, 3].abs().sum() == 0 and scores.grad[1, 2] == 0


def test_plackett_luce_matches_the_sampler_frequencies():
    scores = torch.tensor([[0.5, 1.5, 0.0, NEG_INF]])
    draws = gumbel_top_k(scores, 2, generator=torch.Generator().manual_seed(0), num_samples=20_000)
    pairs = [(i, j) for i in range(3) for j in range(3) if i != j]
    for pair in pairs:
        frequency = (draws == torch.tensor(pair)).all(dim=1).float().mean().item()
        probability = plackett_luce_logprob(scores, torch.tensor([pair])).exp().item()
        assert frequency == pytest.approx(probability, abs=0.015), pair
    assert sum(plackett_luce_logprob(scores, torch.tensor([p])).exp().item() for p in pairs) == pytest.approx(1.0)


def test_gumbel_first_pick_frequency_is_softmax():
    scores = torch.tensor([[0.0, 1.0, 2.0, NEG_INF]])
    draws = gumbel_top_k(scores, 3, generator=torch.Generator().manual_seed(1), num_samples=20_000)
    frequency = torch.bincount(draws[:, 0], minlength=4).float() / draws.size(0)
    expected = torch.cat([torch.softmax(torch.tensor([0.0, 1.0, 2.0]), 0), torch.zeros(1)])
    assert torch.allclose(frequency, expected, atol=0.015)


def test_gumbel_top_k_gives_k_distinct_valid_positions():
    scores = torch.randn(6, 12, generator=torch.Generator().manual_seed(2))
    scores[:, 9:] = NEG_INF
    draws = gumbel_top_k(scores, 5, generator=torch.Generator().manual_seed(3), num_samples=4)
    assert draws.shape == (24, 5)
    for row in draws.tolist():
        assert len(set(row)) == 5 and all(0 <= p < 9 for p in row)


def test_gumbel_top_k_is_reproducible_with_a_generator():
    scores = torch.randn(3, 10)
    first = gumbel_top_k(scores, 4, generator=torch.Generator().manual_seed(5))
    again = gumbel_top_k(scores, 4, generator=torch.Generator().manual_seed(5))
    assert torch.equal(first, again)


def test_short_rows_and_per_row_lengths_pad_with_minus_one():
    scores = torch.tensor([[0.0, 1.0, NEG_INF, NEG_INF], [3.0, 2.0, 1.0, 0.0]])
    draws = gumbel_top_k(scores, 3, generator=torch.Generator().manual_seed(0))
    assert sorted(draws[0, :2].tolist()) == [0, 1] and draws[0, 2] == -1
    assert (draws[1] >= 0).all()
    # k wider than the document: every word, then padding
    wide = gumbel_top_k(scores, 6, generator=torch.Generator().manual_seed(0))
    assert ((wide >= 0).sum(dim=1)).tolist() == [2, 4] and (wide[:, 4:] == -1).all()


def test_per_row_lengths_repeat_with_the_samples():
    scores = torch.zeros(2, 5)
    draws = gumbel_top_k(scores, torch.tensor([1, 3]), num_samples=2)
    assert ((draws >= 0).sum(dim=1)).tolist() == [1, 1, 3, 3]


def test_repeat_rows_keeps_a_rows_copies_adjacent():
    assert torch.equal(repeat_rows(torch.tensor([[1], [2]]), 2), torch.tensor([[1], [1], [2], [2]]))


def test_positions_to_summary_in_document_order():
    words = "police arrest five in paris".split()
    assert positions_to_summary(words, torch.tensor([4, 0, -1])) == "police paris"
    assert positions_to_summary(words, [1, 2]) == "arrest five"
    assert positions_to_summary(words, [-1]) == ""
    with pytest.raises(ValueError):
        positions_to_summary(words, [5])
