"""Exact-length sampling for the extractive tagger: pick k document words, never more, never fewer.

A summary of k words is an ordered draw without replacement from the document's words, each word weighted by
exp(keep score), i.e. a Plackett–Luce distribution. The Gumbel-top-k trick draws from it in one sort (perturb
every score with Gumbel noise, take the k largest), and `plackett_luce_logprob` gives the draw's
log-probability for the policy gradient. Positions are LongTensors [B, k], padded with -1 where a document has
fewer than k words.
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


# Span sampling: a labelling y of the words (1 kept) with exactly k kept words in at most S runs of adjacent words
# (each run starting and ending where seqae.selection allows) is drawn with probability exp(sum_i y_i s_i) / Z:
# the tagger's own keep/drop distribution restricted to those shapes, which is what span decoding
# (seqae.selection.select_spans) takes the mode of. Z comes from a forward pass over the states (kept so far,
# spans opened, inside a span); a draw walks the states back (forward filtering, backward sampling).
SPAN_IMPOSSIBLE = -1e9  # a finite "impossible": logaddexp of two -inf has no gradient


def span_boundaries(words: list[list[str]], width: int, device=None) -> tuple[torch.Tensor, torch.Tensor]:
    """[B, W] bool each: where a span may start, and where one may end (seqae.selection's phrase rules)."""
    from seqae.selection import can_end_span, can_start_span

    starts = torch.zeros(len(words), width, dtype=torch.bool)
    ends = torch.zeros(len(words), width, dtype=torch.bool)
    for row, row_words in enumerate(words):
        starts[row, : len(row_words)] = torch.tensor([can_start_span(w) for w in row_words[:width]], dtype=torch.bool)
        ends[row, : len(row_words)] = torch.tensor([can_end_span(w) for w in row_words[:width]], dtype=torch.bool)
    return starts.to(device), ends.to(device)


def span_forward(scores: torch.Tensor, valid: torch.Tensor, starts: torch.Tensor, ends: torch.Tensor, k: int,
                 max_spans: int) -> tuple[torch.Tensor, list[torch.Tensor], torch.Tensor]:
    """log Z per row [B] (differentiable in `scores` [B, W]), the forward tables (alpha after each word, [B, k+1,
    S+1, 2]) and each row's count (k, or all its words when it has fewer). `valid` [B, W]: the row's words."""
    rows, width = scores.shape
    counts = valid.sum(1).clamp(max=k)
    alpha = scores.new_full((rows, k + 1, max_spans + 1, 2), SPAN_IMPOSSIBLE)
    alpha[:, 0, 0, 0] = 0.0
    tables = []
    for i in range(width):
        inside, outside = alpha[..., 1], alpha[..., 0]
        ended = ends[:, i - 1].view(-1, 1, 1) if i else torch.zeros(rows, 1, 1, dtype=torch.bool, device=scores.device)
        dropped = torch.logaddexp(outside, torch.where(ended, inside, torch.full_like(inside, SPAN_IMPOSSIBLE)))
        opened = torch.full_like(outside, SPAN_IMPOSSIBLE)
        opened[:, :, 1:] = torch.where(starts[:, i].view(-1, 1, 1), outside[:, :, :-1],
                                       torch.full_like(outside[:, :, :-1], SPAN_IMPOSSIBLE))
        before_keep = torch.logaddexp(inside, opened)
        kept = torch.full_like(inside, SPAN_IMPOSSIBLE)
        kept[:, 1:] = before_keep[:, :-1] + scores[:, i].masked_fill(~valid[:, i], 0.0).view(-1, 1, 1)
        alpha = torch.where(valid[:, i].view(-1, 1, 1, 1), torch.stack([dropped, kept], -1), alpha)
        tables.append(alpha)
    last = (valid.sum(1) - 1).clamp(min=0)
    final = alpha[torch.arange(rows, device=scores.device), counts]  # [B, S+1, 2]
    final_inside = torch.where(ends[torch.arange(rows, device=scores.device), last].view(-1, 1), final[..., 1],
                               torch.full_like(final[..., 1], SPAN_IMPOSSIBLE))
    log_z = torch.logsumexp(torch.cat([final[..., 0], final_inside], 1), 1)
    return log_z, tables, counts


@torch.no_grad()
def sample_spans(tables: list[torch.Tensor], counts: torch.Tensor, valid: torch.Tensor, starts: torch.Tensor,
                 ends: torch.Tensor, num_samples: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """[B * num_samples, W] 0/1 labellings (samples of a row adjacent), drawn backwards from `span_forward`'s
    tables."""
    rows, width = valid.shape
    device = valid.device
    row = torch.arange(rows, device=device).repeat_interleave(num_samples)
    n = row.numel()
    first = tables[0].new_full(tables[0].shape, SPAN_IMPOSSIBLE)
    first[:, 0, 0, 0] = 0.0
    k = counts[row].clone()
    last = (valid.sum(1) - 1).clamp(min=0)[row]
    final = tables[-1][row, k]  # [N, S+1, 2]
    final[..., 1] = torch.where(ends[row, last].view(-1, 1), final[..., 1], torch.full_like(final[..., 1], SPAN_IMPOSSIBLE))
    flat = torch.multinomial(torch.softmax(final.reshape(n, -1), 1), 1, generator=generator).squeeze(1)
    s, inside = flat // 2, flat % 2
    labels = torch.zeros(n, width, dtype=torch.long, device=device)
    zero = torch.zeros_like(k)
    for i in range(width - 1, -1, -1):
        active = valid[row, i]
        previous = tables[i - 1] if i else first
        # Kept word i: the previous state continued the span (k-1, s, inside) or was outside one (k-1, s-1, out).
        # Dropped word i: the previous state was outside (k, s, out) or ended a span (k, s, inside).
        k_before = torch.where(inside == 1, (k - 1).clamp(min=0), k)
        stay = previous[row, k_before, s, inside]
        other_s = torch.where(inside == 1, (s - 1).clamp(min=0), s)
        switch = previous[row, k_before, other_s, 1 - inside]
        allowed = torch.where(inside == 1, starts[row, i] & (s > 0), (ends[row, i - 1] if i else zero.bool()))
        switch = torch.where(allowed, switch, torch.full_like(switch, SPAN_IMPOSSIBLE))
        take_switch = torch.rand(n, generator=generator, device=device) < torch.sigmoid(switch - stay)
        labels[:, i] = torch.where(active, inside, torch.zeros_like(inside))
        new_inside = torch.where(take_switch, 1 - inside, inside)
        new_s = torch.where(take_switch & (inside == 1), s - 1, s)
        k = torch.where(active, k_before, k)
        s = torch.where(active, new_s, s)
        inside = torch.where(active, new_inside, inside)
    return labels


def span_logprob(scores: torch.Tensor, labels: torch.Tensor, log_z: torch.Tensor, num_samples: int) -> torch.Tensor:
    """log p(labels) = sum of the kept words' scores - log Z, per sample [N] (differentiable in `scores`)."""
    repeated = repeat_rows(scores, num_samples)
    return (repeated.masked_fill(labels == 0, 0.0)).sum(1) - repeat_rows(log_z.unsqueeze(1), num_samples).squeeze(1)
