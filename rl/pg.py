"""Policy-gradient math as pure functions: advantages (group-relative, self-critical, best-of-k), the
REINFORCE loss. The actions' log-probabilities live below, in `seqae.core.sampling`, beside the sampling that draws them.

Shared by both generators: for the abstractive LM an action is a vocabulary token, for the extractive
tagger it is keep (1) or drop (0) of one document word.
"""

import torch


def group_relative_advantages(rewards: torch.Tensor, group_size: int, scale: bool = True,
                              eps: float = 1e-6) -> torch.Tensor:
    """Reward minus the mean of its group (the samples drawn for the same document), as in GRPO.

    `rewards` is flat, with the `group_size` samples of one document adjacent. Scaling by the group's
    standard deviation makes the step size independent of the reward's units.
    """
    if rewards.numel() % group_size:
        raise ValueError(f"{rewards.numel()} rewards do not split into groups of {group_size}")
    grouped = rewards.view(-1, group_size)
    advantages = grouped - grouped.mean(dim=1, keepdim=True)
    if scale:
        advantages = advantages / (grouped.std(dim=1, keepdim=True) + eps)
    return advantages.reshape(-1)






def policy_gradient_loss(logprobs: torch.Tensor, mask: torch.Tensor, advantages: torch.Tensor) -> torch.Tensor:
    """REINFORCE with a baseline: -mean_i A_i * sum_t log pi(a_it), counting only masked-in actions.

    The advantage is a constant for the gradient (detached): a sequence's log-probability rises when it beat
    its baseline (its siblings' mean, or the greedy summary) and falls when it did worse.
    """
    sequence_logprob = (logprobs * mask).sum(dim=1)
    return -(advantages.detach() * sequence_logprob).mean()


def masked_mean(values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    return (values * mask).sum() / mask.sum().clamp(min=1)




def self_critical_advantages(rewards: torch.Tensor, baseline: torch.Tensor, group_size: int) -> torch.Tensor:
    """Each sample's reward minus the greedy summary's reward for its document (Rennie et al. 2017).

    `rewards` is flat with groups adjacent; `baseline` has one value per document (group).
    """
    if rewards.numel() != baseline.numel() * group_size:
        raise ValueError(f"{rewards.numel()} rewards do not match {baseline.numel()} baselines x {group_size}")
    return (rewards.view(-1, group_size) - baseline.view(-1, 1)).reshape(-1)


def best_of_k_advantages(rewards: torch.Tensor, baseline: torch.Tensor, group_size: int) -> torch.Tensor:
    """SCRL's best-of-k: in each group only the best sample moves, by how much it beats greedy; a group whose
    best sample does not beat greedy teaches nothing (its advantages are 0)."""
    margins = self_critical_advantages(rewards, baseline, group_size).view(-1, group_size)
    best = margins.argmax(dim=1, keepdim=True)
    advantages = torch.zeros_like(margins)
    advantages.scatter_(1, best, margins.gather(1, best).clamp(min=0))
    return advantages.reshape(-1)
