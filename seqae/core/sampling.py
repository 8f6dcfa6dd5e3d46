"""Exact-length sampling for the extractive tagger: pick k document words, never more, never fewer.

A summary of k words is an ordered draw without replacement from the document's words, each word weighted by
exp(keep score), i.e. a Plackett–Luce distribution. The Gumbel-top-k trick draws from it in one sort (perturb
every score with Gumbel noise, take the k largest), and `plackett_luce_logprob` gives the draw's
log-probability for the policy gradient. Positions are LongTensors [B, k], padded with -1 where a document has
fewer than k words.

Also the log-probability and entropy of any categorical action (the abstractive LM's token, the tagger's
keep/drop), which both generators and the policy gradient (`seqae.rl.pg`) need: core math, below the RL layer.
"""

import torch

PAD = -1


def keep_scores(logits: torch.Tensor, mask: torch.Tensor, temperature: float = 1.0) -> torch.Tensor:
    """Keep-minus-drop log-odds per word over `temperature`: logits [B, W, 2] (drop 0, keep 1) -> [B, W].

    Words outside `mask` get -inf, so no draw can pick them.
    """
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    scores = (logits[..., 1] - logits[..., 0]).float() / temperature
    return scores.masked_fill(mask == 0, float("-inf"))


def repeat_rows(tensor: torch.Tensor, num_samples: int) -> torch.Tensor:
    """Each row `num_samples` times, adjacent (the layout of `group_relative_advantages`' groups)."""
    return tensor.repeat_interleave(num_samples, dim=0)


def _row_lengths(k: int | torch.Tensor, rows: int, device) -> torch.Tensor:
    if isinstance(k, int):
        return torch.full((rows,), k, dtype=torch.long, device=device)
    if k.shape != (rows,):
        raise ValueError(f"k must be an int or hold one length per row ({rows}), got shape {tuple(k.shape)}")
    return k.to(device=device, dtype=torch.long)


def _top_k(values: torch.Tensor, valid: torch.Tensor, k: int | torch.Tensor) -> torch.Tensor:
    """The positions of each row's k largest valid values, largest first, padded with -1."""
    rows, width = values.shape
    lengths = _row_lengths(k, rows, values.device)
    columns = int(lengths.max()) if rows else 0
    take = min(columns, width)
    # Invalid entries sort last (-inf), so each row's valid picks come first and the -1s form a suffix.
    order = values.masked_fill(~valid, float("-inf")).topk(take, dim=1).indices
    kept = valid.gather(1, order) & (torch.arange(take, device=values.device) < lengths.unsqueeze(1))
    positions = torch.full((rows, columns), PAD, dtype=torch.long, device=values.device)
    positions[:, :take] = order.masked_fill(~kept, PAD)
    return positions


def gumbel_top_k(scores: torch.Tensor, k: int | torch.Tensor, generator: torch.Generator | None = None,
                 num_samples: int = 1) -> torch.Tensor:
    """Draw k positions per row without replacement from softmax(scores), in order of drawing: [B * n, k].

    argsort(scores + Gumbel noise) is an exact Plackett–Luce sample. `k` is one length for all rows or a
    LongTensor [B]; `num_samples` draws per row come out adjacent (row b's draws are rows b*n .. b*n+n-1), so
    score them against `repeat_rows(scores, n)`. A row with fewer valid words than k is padded with -1.
    """
    scores = repeat_rows(scores.detach().float(), num_samples)
    if not isinstance(k, int):
        k = repeat_rows(k, num_samples)
    uniform = torch.rand(scores.shape, generator=generator, device=scores.device)
    # rand can return exactly 0; clamping keeps every valid word's perturbed score finite.
    gumbel = -torch.log(-torch.log(uniform.clamp_(min=torch.finfo(uniform.dtype).tiny)))
    return _top_k(scores + gumbel, scores > float("-inf"), k)


def plackett_luce_logprob(scores: torch.Tensor, chosen: torch.Tensor) -> torch.Tensor:
    """log P(chosen, in this order) = sum_i [s_{c_i} - logsumexp_{j valid, not in c_1..c_{i-1}} s_j]: [B].

    Differentiable w.r.t. `scores` [B, W]; -1 entries of `chosen` [B, k] are padding and add nothing.
    """
    scores = scores.float()
    picked = chosen >= 0
    safe = chosen.clamp(min=0)
    steps = chosen.size(1)
    # taken_before[b, i, w]: position w was chosen at a step before i, so it is out of step i's normalizer.
    chosen_once = torch.zeros(chosen.size(0), steps, scores.size(1), dtype=torch.bool, device=scores.device)
    chosen_once.scatter_(2, safe.unsqueeze(-1), picked.unsqueeze(-1))
    taken_before = (chosen_once.cumsum(dim=1) - chosen_once.long()) > 0
    remaining = scores.unsqueeze(1).masked_fill(taken_before, float("-inf"))
    # A padded step's normalizer may be over nothing (-inf); zeros keep its unused gradient finite, not NaN.
    remaining = torch.where(picked.unsqueeze(-1), remaining, torch.zeros_like(remaining))
    step_logprob = scores.gather(1, safe) - remaining.logsumexp(dim=-1)
    return torch.where(picked, step_logprob, torch.zeros_like(step_logprob)).sum(dim=1)


def positions_to_summary(words: list[str], positions) -> str:
    """The chosen words in document order (a drawing order or -1 padding does not matter)."""
    kept = sorted({int(p) for p in positions if int(p) >= 0})
    if kept and kept[-1] >= len(words):
        raise ValueError(f"position {kept[-1]} is past the document's {len(words)} words")
    return " ".join(words[p] for p in kept)


def action_logprobs(logits: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
    """log pi(action) at every position: logits [N, T, A], actions [N, T] -> [N, T]."""
    return torch.log_softmax(logits.float(), dim=-1).gather(-1, actions.unsqueeze(-1)).squeeze(-1)


def action_entropy(logits: torch.Tensor) -> torch.Tensor:
    """Entropy of the action distribution at every position: [N, T, A] -> [N, T]."""
    logp = torch.log_softmax(logits.float(), dim=-1)
    return -(logp.exp() * logp).sum(-1)


def completion_mask(completion: torch.Tensor, eos_id: int) -> torch.Tensor:
    """1 for the generated tokens up to and including the first EOS, 0 after it."""
    is_eos = (completion == eos_id).long()
    return ((is_eos.cumsum(dim=1) - is_eos) == 0).long()
