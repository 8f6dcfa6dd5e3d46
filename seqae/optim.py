"""One optimizer step for every network (warm start, RL, R and D alike), the all-process finiteness check
that makes every process skip a bad step together, and the plain loop that fits the fixed reward models."""

import math

import torch


class NonFiniteStep(Exception):
    """A loss or reward came out NaN or inf."""


def all_finite(accelerator, *tensors: torch.Tensor) -> bool:
    """True when every process found its tensors finite: all processes must skip a step together, or the
    ones that go on would wait forever for the others' gradients."""
    flag = torch.tensor([float(all(torch.isfinite(t).all() for t in tensors))], device=accelerator.device)
    if accelerator.num_processes > 1:
        return bool(accelerator.reduce(flag, reduction="min").item() > 0)
    return bool(flag.item())


def mean_over_processes(accelerator, value: float) -> float:
    """The mean of a per-process number over all processes (itself in a single process)."""
    if accelerator.num_processes == 1:
        return value
    return accelerator.reduce(torch.tensor([value], device=accelerator.device), reduction="mean").item()


def optimizer_step(accelerator, model, optimizer, loss: torch.Tensor, what: str = "loss",
                   max_grad_norm: float = 1.0) -> float | None:
    """backward, clip, step, zero_grad; returns the gradient norm before clipping.

    A non-finite loss (on any process) takes no step and raises NonFiniteStep, gradients cleared.
    """
    if not all_finite(accelerator, loss.detach()):
        optimizer.zero_grad(set_to_none=True)
        raise NonFiniteStep(f"non-finite {what}")
    accelerator.backward(loss)
    grad_norm = accelerator.clip_grad_norm_(model.parameters(), max_grad_norm)
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    norm = float(grad_norm) if grad_norm is not None else None
    return norm if norm is not None and math.isfinite(norm) else None


def fit(model, batch_loss, steps: int, lr: float, desc: str, progress: bool = True, max_grad_norm: float = 1.0):
    """`steps` AdamW steps on `batch_loss()` (clipped), on one process: the fixed reward models (seqae.summary_lm,
    seqae.rl.coverage) train before any stage, never against the generator. Leaves `model` in eval mode."""
    from tqdm import tqdm

    optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
    model.train()
    for _ in tqdm(range(steps), desc=desc, unit="step", disable=not progress):
        batch_loss().backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), max_grad_norm)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
    model.eval()
