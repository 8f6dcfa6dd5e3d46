"""The demo's score table: the recipe's reward and readability (SLOR under the shipped headline LM) per system."""

import importlib.resources
from pathlib import Path

import torch

from seqae.apps.demo import headline_lm, print_scores


def test_the_shipped_headline_lm_is_small_computes_in_float32_and_reads_a_headline_above_its_words_shuffled():
    shipped = Path(str(importlib.resources.files("seqae") / "pretrained" / "headline_lm"))
    assert max(path.stat().st_size for path in shipped.rglob("*") if path.is_file()) < 2_000_000
    lm = headline_lm()
    assert next(lm.model.parameters()).dtype == torch.float32  # saved in float16
    headlines = ["police arrest two men over bank robbery", "oil prices fall as opec meets in vienna"]
    shuffled = ["robbery men police two over arrest bank", "vienna in opec prices as meets oil fall"]
    assert all(h > s for h, s in zip(lm.slor(headlines), lm.slor(shuffled)))


def test_the_demo_prints_each_systems_reward_and_readability(capsys):
    class Trainer:
        def dev_reward(self, documents, summaries):
            return float(len(summaries[0].split()))

    systems = {"seqae": ["police arrest two men over bank robbery"],
               "content-word lead": ["robbery men police two over arrest bank"]}
    print_scores(Trainer(), ["a document"], systems)
    lines = capsys.readouterr().out.splitlines()
    assert "reward    readability (SLOR)" in lines[1]
    rows = {line.split()[0]: [float(v) for v in line.split()[-2:]] for line in lines[2:4]}
    assert rows["seqae"][0] == rows["content-word"][0] == 7.0 and rows["seqae"][1] > rows["content-word"][1]
    assert lines[-1] == "seqae's summary differs from the content-word lead's for 1 of 1 articles"
