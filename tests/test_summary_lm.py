"""The language model of human summaries (fluency reward, evaluation): it learns its texts, and ranks
headline-like text above shuffled words."""

import random

from seqae.core.summary_lm import SummaryLM

from conftest import synthetic_texts


def test_fluency_lm_prefers_its_own_kind_of_text(tmp_path):
    rng = random.Random(0)
    template = ["police arrest {} in {}", "{} shares rise in {}", "storm hits {} on {}"]
    fill = "city market court union bank army party".split()
    texts = [rng.choice(template).format(rng.choice(fill), rng.choice(fill)) for _ in range(300)]
    untrained = SummaryLM.train(texts, steps=0, progress=False)
    lm = SummaryLM.train(texts, steps=60, batch_size=32, hidden=32, layers=1, progress=False)
    held_out = [rng.choice(template).format(rng.choice(fill), rng.choice(fill)) for _ in range(20)]
    shuffled = [" ".join(rng.sample(t.split(), len(t.split()))) for t in held_out]
    assert lm.perplexity(held_out) < untrained.perplexity(held_out) / 3
    assert lm.perplexity(held_out) < lm.perplexity(shuffled)
    assert lm.perplexity(synthetic_texts(5, 3, 6, seed=1)) > lm.perplexity(held_out)
    lm.save(tmp_path / "lm")
    assert abs(SummaryLM.load(tmp_path / "lm").perplexity(held_out) - lm.perplexity(held_out)) < 1e-4
