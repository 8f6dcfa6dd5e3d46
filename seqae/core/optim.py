"""One optimizer step for every network (warm start, RL, R and D alike), the all-process finiteness checks
that make every process skip a bad step together, and the plain loop that fits the fixed reward models.

Two outcomes of a bad step: a non-finite loss, reward, gradient or sampling probability skips the step with the
weights untouched (NonFiniteStep: the trainer goes on, and stops after rl.max_bad_steps in a row); a step that
leaves weights NaN or inf (NonFiniteWeights: a learning rate far too high) ends the run at once, before
anything is saved from them.
"""

import math

import torch
from tqdm import tqdm


class NonFiniteStep(Exception):
    """A loss, reward, gradient or sampling probability came out NaN or inf; the step was not taken."""


class NonFiniteWeights(Exception):
    """An optimizer step left weights NaN or inf: nothing can be learned or saved from them."""


def non_finite_tensor(named_tensors) -> str | None:
    """The name of the first floating-point tensor of `(name, tensor)` pairs holding NaN or inf, or None."""
    floats = [(name, tensor.detach()) for name, tensor in named_tensors if tensor.is_floating_point()]
    if not floats:
        return None
    # One flag per tensor and a single device-to-host read, not one per tensor (a GPU step would stall on each).
    finite = torch.stack([torch.isfinite(tensor).all() for _, tensor in floats]).tolist()
    return next((name for (name, _), ok in zip(floats, finite) if not ok), None)


def all_processes(accelerator, ok: bool) -> bool:
    """True when `ok` holds on every process: all processes must skip a step together, or the ones that go on
    would wait forever for the others' gradients."""
    if accelerator.num_processes == 1:
        return ok
    flag = torch.tensor([float(ok)], device=accelerator.device)
    return bool(accelerator.reduce(flag, reduction="min").item() > 0)


def all_finite(accelerator, *tensors: torch.Tensor) -> bool:
    """True when every process found its tensors finite."""
    return all_processes(accelerator, non_finite_tensor(enumerate(tensors)) is None)


def mean_over_processes(accelerator, value: float) -> float:
    """The mean of a per-process number over all processes (itself in a single process)."""
    if accelerator.num_processes == 1:
        return value
    return accelerator.reduce(torch.tensor([value], device=accelerator.device), reduction="mean").item()


def optimizer_step(accelerator, model, optimizer, loss: torch.Tensor, what: str = "loss",
                   max_grad_norm: float = 1.0) -> float | None:
    """backward, clip, step, zero_grad; returns the gradient norm before clipping.

    A non-finite loss or gradient (on any process) takes no step and raises NonFiniteStep, gradients cleared.
    A step that leaves the weights non-finite raises NonFiniteWeights.
    """
    if not all_finite(accelerator, loss.detach()):
        optimizer.zero_grad(set_to_none=True)
        raise NonFiniteStep(f"non-finite {what}")
    accelerator.backward(loss)
    grad_norm = accelerator.clip_grad_norm_(model.parameters(), max_grad_norm)
    # Clipping by a NaN norm makes every gradient NaN, and the step every weight. (Under fp16 loss scaling the
    # scaler itself skips such a step and lowers its scale: that is its normal course, not a bad step.)
    if grad_norm is not None and accelerator.scaler is None and not all_finite(accelerator, torch.as_tensor(grad_norm)):
        optimizer.zero_grad(set_to_none=True)
        raise NonFiniteStep(f"non-finite gradient of the {what}")
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    if not all_finite(accelerator, *model.parameters()):
        raise NonFiniteWeights(f"weights are NaN or inf after the step on the {what}")
    norm = float(grad_norm) if grad_norm is not None else None
    return norm if norm is not None and math.isfinite(norm) else None


def fit(model, batch_loss, steps: int, lr: float, desc: str, progress: bool = True, max_grad_norm: float = 1.0):
    """`steps` AdamW steps on `batch_loss()` (clipped), on one process: the fixed reward models (seqae.core.summary_lm,
    seqae.rl.coverage) train before any stage, never against the generator. Leaves `model` in eval mode.

    Nothing is skipped here: a non-finite loss or gradient raises NonFiniteStep, non-finite weights after a step
    NonFiniteWeights, each naming the step."""
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
    model.train()
    for step in tqdm(range(1, steps + 1), desc=desc, unit="step", disable=not progress):
        loss = batch_loss()
        if not torch.isfinite(loss.detach()).all():
            raise NonFiniteStep(f"non-finite {desc} loss at its step {step} of {steps}")
        loss.backward()
        if not torch.isfinite(torch.nn.utils.clip_grad_norm_(model.parameters(), max_grad_norm)):
            raise NonFiniteStep(f"non-finite {desc} gradient at its step {step} of {steps}")
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        if non_finite_tensor(model.named_parameters()) is not None:
            raise NonFiniteWeights(f"step {step} of {steps} left the {desc}'s weights NaN or inf")
    model.eval()
