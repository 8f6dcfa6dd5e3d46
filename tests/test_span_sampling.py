"""The span sampler's distribution (rl.sampling): log Z, draws and log-probabilities against brute-force
enumeration of every allowed labelling of small documents."""

import itertools
import math
from collections import Counter

import pytest
import torch

from seqae.rl.sampling import span_boundaries, span_forward, span_logprob, sample_spans
from seqae.selection import can_end_span, can_start_span


def allowed_labellings(words, k, max_spans):
    """Every 0/1 labelling with min(k, len) kept words in at most `max_spans` runs that start and end where the
    phrase rules allow."""
    count = min(k, len(words))
    for chosen in itertools.combinations(range(len(words)), count):
        runs = []
        for position in chosen:
            if runs and runs[-1][-1] == position - 1:
                runs[-1].append(position)
            else:
                runs.append([position])
        ok = len(runs) <= max_spans and all(can_start_span(words[r[0]]) and can_end_span(words[r[-1]]) for r in runs)
        if ok:
            yield tuple(1 if i in chosen else 0 for i in range(len(words)))


DOCUMENTS = [["police", "said", "the", "army", "of", "rebels"],
             ["rates", "rise", "#.#", "percent", "and", "stocks", "fall"],
             ["oil", "prices"]]


def batch(documents, seed=0):
    width = max(len(d) for d in documents)
    torch.manual_seed(seed)
    scores = torch.randn(len(documents), width, requires_grad=True)
    valid = torch.zeros(len(documents), width, dtype=torch.bool)
    for row, words in enumerate(documents):
        valid[row, : len(words)] = True
    starts, ends = span_boundaries(documents, width)
    return scores, valid, starts, ends


@pytest.mark.parametrize(("k", "max_spans"), [(3, 1), (3, 2), (4, 2), (2, 3)])
def test_log_z_sums_every_allowed_labelling(k, max_spans):
    scores, valid, starts, ends = batch(DOCUMENTS)
    log_z, _, counts = span_forward(scores, valid, starts, ends, k, max_spans)
    for row, words in enumerate(DOCUMENTS):
        totals = [sum(scores[row, i].item() for i, y in enumerate(labels) if y)
                  for labels in allowed_labellings(words, k, max_spans)]
        assert totals, "every test case has an allowed labelling"
        assert log_z[row].item() == pytest.approx(math.log(sum(math.exp(t) for t in totals)), abs=1e-4)
        assert counts[row].item() == min(k, len(words))
    log_z.sum().backward()
    assert torch.isfinite(scores.grad).all()


def test_draws_follow_the_distribution_and_their_log_probability():
    words = DOCUMENTS[1]
    scores, valid, starts, ends = batch([words], seed=3)
    k, max_spans, draws = 3, 2, 20000
    log_z, tables, counts = span_forward(scores, valid, starts, ends, k, max_spans)
    labels = sample_spans(tables, counts, valid, starts, ends, draws, generator=torch.Generator().manual_seed(0))
    exact = {labelling: math.exp(sum(scores[0, i].item() for i, y in enumerate(labelling) if y) - log_z.item())
             for labelling in allowed_labellings(words, k, max_spans)}
    seen = Counter(tuple(row) for row in labels.tolist())
    assert set(seen) <= set(exact)  # never a shape the rules forbid
    for labelling, probability in exact.items():  # each frequency within 5 standard errors of its probability
        assert abs(seen[labelling] / draws - probability) <= 5 * math.sqrt(probability * (1 - probability) / draws) + 1e-3
    one = span_logprob(scores, labels[:1], log_z, 1)
    assert one.item() == pytest.approx(math.log(exact[tuple(labels[0].tolist())]), abs=1e-4)
    one.backward()
    assert torch.isfinite(scores.grad).all() and scores.grad.abs().sum() > 0


def test_rows_of_different_lengths_draw_within_their_own_words():
    scores, valid, starts, ends = batch(DOCUMENTS)
    log_z, tables, counts = span_forward(scores, valid, starts, ends, 3, 2)
    labels = sample_spans(tables, counts, valid, starts, ends, 4)
    assert labels.shape == (12, 7)
    for sample, row in zip(labels.tolist(), [0] * 4 + [1] * 4 + [2] * 4):
        assert sum(sample) == min(3, len(DOCUMENTS[row])) and not any(sample[len(DOCUMENTS[row]):])
