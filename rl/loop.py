"""One adversarial RL step, readable top to bottom: sample, reward, advantage, policy-gradient update.

R and D are trained inside their reward callables on the same samples. Runs under accelerate: each process
samples for its own shard of documents, groups never cross processes, and DDP averages the gradients.
"""

import math
import time

import torch

from seqae.rl.pg import group_relative_advantages, masked_mean, policy_gradient_loss


class NonFiniteStep(Exception):
    """A loss or reward came out NaN or inf."""


def all_finite(accelerator, *tensors: torch.Tensor) -> bool:
    """True when every process found its tensors finite: all processes must skip a step together, or the
    ones that go on would wait forever for the others' gradients."""
    flag = torch.tensor([float(all(torch.isfinite(t).all() for t in tensors))], device=accelerator.device)
    return bool(accelerator.reduce(flag, reduction="min").item() > 0) if accelerator.num_processes > 1 else bool(flag.item())


def rl_step(policy, optimizer, accelerator, documents: list[str], reward_functions: dict, weights: dict,
            group_size: int, entropy_weight: float = 0.0) -> dict:
    """Run one step on `documents`; returns the metrics (each reward term's mean, timings, lengths)."""
    timings = {}
    started = time.perf_counter()
    rollout = policy.rollout(documents, group_size)
    timings["time_rollout"] = time.perf_counter() - started

    # Every summary is scored by every term; the group of one document sits in adjacent rows.
    repeated_documents = [d for d in documents for _ in range(group_size)]
    terms = {}
    for name, reward_function in reward_functions.items():
        started = time.perf_counter()
        terms[name] = torch.tensor(reward_function(repeated_documents, rollout.summaries), dtype=torch.float32)
        timings[f"time_reward_{name}"] = time.perf_counter() - started
    total = sum(weights[name] * values for name, values in terms.items())

    started = time.perf_counter()
    advantages = group_relative_advantages(total, group_size).to(rollout.logprobs.device)
    entropy = masked_mean(rollout.entropy, rollout.mask)
    loss = policy_gradient_loss(rollout.logprobs, rollout.mask, advantages) - entropy_weight * entropy
    if not all_finite(accelerator, total, loss.detach()):
        optimizer.zero_grad(set_to_none=True)
        raise NonFiniteStep("non-finite reward or policy loss")
    accelerator.backward(loss)
    grad_norm = accelerator.clip_grad_norm_(policy.model.parameters(), 1.0)
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    timings["time_update"] = time.perf_counter() - started

    lengths = [len(s.split()) for s in rollout.summaries]
    metrics = {f"reward_{name}": values.mean().item() for name, values in terms.items()}
    metrics.update(timings)
    metrics.update(
        reward=total.mean().item(),
        loss=loss.item(),
        entropy=entropy.item(),
        grad_norm=float(grad_norm) if grad_norm is not None and math.isfinite(float(grad_norm)) else None,
        summary_words=sum(lengths) / len(lengths),
    )
    for reward_function in reward_functions.values():
        metrics.update(getattr(reward_function, "metrics", {}))
    metrics["samples"] = rollout.summaries[:: group_size][:3]
    return metrics
