"""Policy-gradient math and reward terms against hand-computed values."""

import math

import pytest
import torch

from seqae.rl.pg import (
    best_of_k_advantages,
    group_relative_advantages,
    masked_mean,
    policy_gradient_loss,
    self_critical_advantages,
)
from seqae.rl.rewards import length_reward, repetition_reward
from seqae.core.sampling import action_entropy, action_logprobs, completion_mask


def test_group_relative_advantages_unscaled():
    rewards = torch.tensor([1.0, 3.0, 0.0, 0.0, 2.0, 4.0])
    advantages = group_relative_advantages(rewards, group_size=2, scale=False)
    assert torch.allclose(advantages, torch.tensor([-1.0, 1.0, 0.0, 0.0, -1.0, 1.0]))


def test_group_relative_advantages_scaled_by_group_std():
    rewards = torch.tensor([1.0, 2.0, 3.0, 10.0, 10.0, 10.0])
    advantages = group_relative_advantages(rewards, group_size=3, eps=0.0 + 1e-12)
    # group 1: mean 2, sample std 1 -> (-1, 0, 1); group 2: all equal -> 0 (no signal, no NaN)
    assert torch.allclose(advantages, torch.tensor([-1.0, 0.0, 1.0, 0.0, 0.0, 0.0]), atol=1e-6)


def test_group_relative_advantages_rejects_ragged_groups():
    with pytest.raises(ValueError):
        group_relative_advantages(torch.zeros(5), group_size=2)


def test_action_logprobs_and_entropy_by_hand():
    logits = torch.log(torch.tensor([[[0.25, 0.75], [0.5, 0.5]]]))
    actions = torch.tensor([[1, 0]])
    assert torch.allclose(action_logprobs(logits, actions), torch.tensor([[math.log(0.75), math.log(0.5)]]))
    expected_entropy = -(0.25 * math.log(0.25) + 0.75 * math.log(0.75))
    assert torch.allclose(action_entropy(logits), torch.tensor([[expected_entropy, math.log(2)]]))


def test_policy_gradient_loss_by_hand():
    logprobs = torch.tensor([[-1.0, -2.0, -9.0], [-0.5, -0.5, -0.5]], requires_grad=True)
    mask = torch.tensor([[1.0, 1.0, 0.0], [1.0, 1.0, 1.0]])
    advantages = torch.tensor([2.0, -1.0])
    loss = policy_gradient_loss(logprobs, mask, advantages)
    # -(2 * (-3) + (-1) * (-1.5)) / 2 = -(-6 + 1.5) / 2 = 2.25
    assert loss.item() == pytest.approx(2.25)
    loss.backward()
    # d loss / d logprob_it = -A_i * mask_it / N
    assert torch.allclose(logprobs.grad, torch.tensor([[-1.0, -1.0, 0.0], [0.5, 0.5, 0.5]]))


def test_policy_gradient_raises_probability_of_better_sample():
    logits = torch.zeros(2, 1, 2, requires_grad=True)  # two samples, one keep/drop action each
    actions = torch.tensor([[1], [0]])
    loss = policy_gradient_loss(action_logprobs(logits, actions), torch.ones(2, 1), torch.tensor([1.0, -1.0]))
    loss.backward()
    with torch.no_grad():
        updated = logits - 0.1 * logits.grad
    assert torch.softmax(updated[0, 0], -1)[1] > 0.5  # "keep" became likelier where keeping was better
    assert torch.softmax(updated[1, 0], -1)[0] < 0.5  # "drop" became less likely where dropping was worse


def test_masked_mean():
    assert masked_mean(torch.tensor([[1.0, 5.0], [3.0, 7.0]]), torch.tensor([[1.0, 0.0], [1.0, 0.0]])).item() == 2.0


def test_completion_mask_stops_after_first_eos():
    eos = 3
    completion = torch.tensor([[5, 6, 3, 0, 0], [5, 3, 7, 3, 0], [5, 6, 7, 8, 9]])
    expected = torch.tensor([[1, 1, 1, 0, 0], [1, 1, 0, 0, 0], [1, 1, 1, 1, 1]])
    assert torch.equal(completion_mask(completion, eos), expected)


def test_length_reward():
    rewards = length_reward(["d"] * 3, ["a b c d", "a b", "a b c d e f"], target_words=4)
    assert rewards == pytest.approx([0.0, -0.5, -0.5])


def test_repetition_reward():
    rewards = repetition_reward(["d"] * 3, ["a b c", "a a b b", ""])
    assert rewards == pytest.approx([0.0, -0.5, -1.0])


def test_self_critical_advantages_subtract_each_documents_greedy_reward():
    rewards = torch.tensor([1.0, 3.0, 0.0, 0.5, 2.0, 4.0])  # two documents, groups of 3
    baseline = torch.tensor([2.0, 1.0])
    expected = torch.tensor([-1.0, 1.0, -2.0, -0.5, 1.0, 3.0])
    assert torch.equal(self_critical_advantages(rewards, baseline, 3), expected)


def test_best_of_k_moves_only_the_best_sample_and_only_when_it_beats_greedy():
    rewards = torch.tensor([1.0, 3.0, 0.0, 0.5, 0.2, 0.9])
    baseline = torch.tensor([2.0, 1.0])  # document 0: best 3.0 beats 2.0 by 1.0; document 1: best 0.9 < 1.0
    expected = torch.tensor([0.0, 1.0, 0.0, 0.0, 0.0, 0.0])
    assert torch.equal(best_of_k_advantages(rewards, baseline, 3), expected)


def test_advantage_shapes_must_agree():
    with pytest.raises(ValueError):
        self_critical_advantages(torch.zeros(6), torch.zeros(3), 3)
