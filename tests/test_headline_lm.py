"""`python -m seqae.eval.headline_lm`: the demo's small readability LM, trained on held-out titles, saved in float16,
and checked against blind readers."""

import json

import torch
from safetensors import safe_open

from seqae.core.summary_lm import SummaryLM
from seqae.eval.headline_lm import blind_agreement, main

from conftest import TINY_CONFIG, paired_corpus


def test_blind_agreement_by_hand(tmp_path):
    class LengthLM:  # SLOR = the number of words
        def slor(self, texts):
            return [float(len(t.split())) for t in texts]

    items = [{"item": 1, "candidates": {"A": "a b c", "B": "a", "C": "a b"}},
             {"item": 2, "candidates": {"A": "a", "B": "a b"}}]
    answers = [{"item": 1, "scores": {"A": {"readable": 5}, "B": {"readable": 1}, "C": {"readable": 3}}},
               {"item": 2, "scores": {"A": {"readable": 4}, "B": {"readable": 4}}}]  # a tie: no within-item value
    (tmp_path / "s.items.json").write_text(json.dumps(items))
    (tmp_path / "s.answers.json").write_text(json.dumps(answers))
    result = blind_agreement(LengthLM(), [str(tmp_path / "s")])
    # all five: lengths 3 1 2 1 2 -> ranks 5 1.5 3.5 1.5 3.5; readable 5 1 3 4 4 -> ranks 5 1 2 3.5 3.5;
    # r = 6 / sqrt(9 * 9.5)
    assert result == {"candidates": 5, "items": 1, "spearman_all": 0.649, "spearman_within_item": 1.0}


def test_it_learns_held_out_titles_and_ships_in_float16(tmp_path, capsys):
    corpus = paired_corpus(tmp_path, 40, seed=3, title_words=6)
    out = tmp_path / "lm"
    assert main(["--config", str(TINY_CONFIG), *corpus, "--out", str(out), "--steps", "2"]) == 0
    with safe_open(out / "model" / "model.safetensors", "pt") as weights:
        assert {weights.get_tensor(name).dtype for name in weights.keys()} == {torch.float16}
    lm = SummaryLM.load(out)
    assert next(lm.model.parameters()).dtype == torch.float32 and lm.model.config.hidden_size == 64
    assert f"{out}: " in capsys.readouterr().out
    assert main(["--config", str(TINY_CONFIG), corpus[0], f"data.summaries=[{tmp_path / 'titles.txt'}]",
                 "--out", str(tmp_path / "none")]) == 2
    assert "no held-out human summaries" in capsys.readouterr().err
