"""`python -m seqae.eval.writer_rewards`: a writer's reranking pool and RL samples, each weighting's pick."""

import json

import pytest

from seqae.cli import main
from seqae.eval.writer_rewards import main as writer_rewards, parse_weighting

from conftest import TINY_CONFIG, paired_corpus


def test_a_weighting_is_names_and_numbers():
    assert parse_weighting("fluency=2,phrase=0.5") == {"fluency": 2.0, "phrase": 0.5}


@pytest.mark.slow
def test_writer_rewards_on_a_tiny_writer(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", str(TINY_CONFIG), *paired_corpus(tmp_path, 60, seed=5, title_words=6),
                 "model.generator=abstractive", "warm_start.steps=3",
                 "rl.steps=0", "rl.word_prior_weight=1", "rl.similarity_weight=0", "--out", str(out)]) == 0
    path = tmp_path / "writer.json"
    assert writer_rewards([str(out), "--docs", "4", "--samples", "3", "--weightings", "phrase=2",
                           "--json", str(path)]) == 0
    assert "| the run's RL weights |" in capsys.readouterr().out
    result = json.loads(path.read_text())
    assert list(result["weightings"]) == ["the run's RL weights", "phrase=2"]
    assert result["weightings"]["phrase=2"]["weights"]["phrase"] == 2
    for row in result["weightings"].values():
        assert row["reranked"][0] <= result["oracle_rouge1"]["reranking pool"] + 1e-9
        assert row["best_of_k"][0] <= result["oracle_rouge1"]["samples"] + 1e-9
        assert 0 <= row["beats_greedy"] <= 1
    assert (tmp_path / "run" / "readability_lm").is_dir()  # beside the model, never inside it
    assert writer_rewards([str(out), "--docs", "4", "--weightings", "rhyme=1"]) == 2
    assert "unknown terms ['rhyme']" in capsys.readouterr().err
