"""One RL step, readable top to bottom: sample, score, advantage, policy update, then R and D (where their rewards
are weighed) learn from the same samples.

The advantage (rl.update) compares each sample with its group's mean (group_relative), or with the greedy
summary of its document, scored by the same rewards (self_critical; best_of_k moves only the best sample of
each group, and only when it beats greedy).

Runs under accelerate: each process samples for its own shard of documents, groups never cross processes,
and DDP averages the gradients.
"""

import time

from seqae.core.generators import exact_words
from seqae.core.optim import NonFiniteStep, all_finite, all_processes, optimizer_step
from seqae.rl.pg import (
    best_of_k_advantages,
    group_relative_advantages,
    masked_mean,
    policy_gradient_loss,
    self_critical_advantages,
)


def rl_step(generator, optimizer, accelerator, documents: list[str], rewards, settings) -> tuple[dict, list[str]]:
    """One step on `documents` with the RL config `settings`; returns (metrics, a few sampled summaries)."""
    group_size, timings = settings.group_size, {}

    started = time.perf_counter()
    try:
        rollout, problem = generator.rollout(documents, group_size, settings), None
    except NonFiniteStep as error:  # probabilities that cannot be sampled from
        problem = error
    if not all_processes(accelerator, problem is None):  # every process skips the step, or none does
        raise problem or NonFiniteStep("non-finite probabilities before sampling on another process")
    timings["time_rollout"] = time.perf_counter() - started

    # Every summary is scored by every term; the group of one document sits in adjacent rows.
    repeated_documents = [d for d in documents for _ in range(group_size)]
    scores = rewards.score(repeated_documents, rollout.summaries, timings)
    total = rewards.total(scores)
    metrics = {}
    if settings.update == "group_relative":
        advantages = group_relative_advantages(total, group_size)
    else:
        started = time.perf_counter()
        greedy = generator.decode(documents, words=settings.target_words, num_beams=1,
                                  min_words=exact_words(settings) or 1)  # a writer's baseline as long as its samples
        baseline = rewards.total(rewards.score(documents, greedy))
        timings["time_greedy_baseline"] = time.perf_counter() - started
        update = self_critical_advantages if settings.update == "self_critical" else best_of_k_advantages
        advantages = update(total, baseline, group_size)
        metrics.update(reward_greedy=baseline.mean().item(),
                       beats_greedy=(total.view(-1, group_size).max(1).values > baseline).float().mean().item())
    if not all_finite(accelerator, total, advantages):
        raise NonFiniteStep("non-finite reward")

    started = time.perf_counter()
    advantages = advantages.to(rollout.logprobs.device)
    entropy = masked_mean(rollout.entropy, rollout.mask)
    loss = policy_gradient_loss(rollout.logprobs, rollout.mask, advantages) - settings.entropy_weight * entropy
    grad_norm = optimizer_step(accelerator, generator.model, optimizer, loss, "policy loss")
    timings["time_update"] = time.perf_counter() - started

    if rewards.reconstruction is not None:
        started = time.perf_counter()
        metrics.update(rewards.reconstruction.update(repeated_documents, rollout.summaries))
        timings["time_update_reconstructor"] = time.perf_counter() - started
    if rewards.discriminator is not None:
        started = time.perf_counter()
        metrics.update(rewards.discriminator.update(rollout.summaries))
        timings["time_update_discriminator"] = time.perf_counter() - started

    lengths = [len(s.split()) for s in rollout.summaries]
    metrics.update({f"reward_{name}": values.mean().item() for name, values in scores.items()})
    metrics.update(timings)
    metrics.update(reward=total.mean().item(), loss=loss.item(), entropy=entropy.item(), grad_norm=grad_norm,
                   summary_words=sum(lengths) / len(lengths))
    return metrics, rollout.summaries[::group_size][:3]
