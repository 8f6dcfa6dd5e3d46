"""Policy-gradient math as pure functions: advantages (group-relative, self-critical, best-of-k), action
log-probs, the REINFORCE loss.

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


def action_logprobs(logits: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
    """log pi(action) at every position: logits [N, T, A], actions [N, T] -> [N, T]."""
    return torch.log_softmax(logits.float(), dim=-1).gather(-1, actions.unsqueeze(-1)).squeeze(-1)


def action_entropy(logits: torch.Tensor) -> torch.Tensor:
    """Entropy of the action distribution at every position: [N, T, A] -> [N, T]."""
    logp = torch.log_softmax(logits.float(), dim=-1)
    return -(logp.exp() * logp).sum(-1)


def policy_gradient_loss(logprobs: torch.Tensor, mask: torch.Tensor, advantages: torch.Tensor) -> torch.Tensor:
    """REINFORCE with a baseline: -mean_i A_i * sum_t log pi(a_it), counting only masked-in actions.

    The advantage is a constant for the gradient (detached): a sequence's log-probability rises when it beat
    its baseline (its siblings' mean, or the greedy summary) and falls when it did worse.
    """
    sequence_logprob = (logprobs * mask).sum(dim=1)
    return -(advantages.detach() * sequence_logprob).mean()


def masked_mean(values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    return (values * mask).sum() / mask.sum().clamp(min=1)


def completion_mask(completion: torch.Tensor, eos_id: int) -> torch.Tensor:
    """1 for the generated tokens up to and including the first EOS, 0 after it."""
    is_eos = (completion == eos_id).long()
    return ((is_eos.cumsum(dim=1) - is_eos) == 0).long()


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
