"""`seqae diagnose-reward`: the metric helpers by hand, and one tiny run with a dev slice of references."""

import json
import math
import random
import shutil

import pytest
from conftest import TINY_CONFIG, paired_corpus

from seqae.cli import main
from seqae.data.errors import UsageError
from seqae.eval.diagnose import (
    average_ranks,
    best_by,
    parse_weights,
    random_positions,
    spearman,
    within_document_spearman,
)
from seqae.rl.search import one_word_swaps
from seqae.core.selection import select_positions

K = 6


def test_average_ranks_share_ties():
    assert average_ranks([10, 20, 20, 5]) == [2, 3.5, 3.5, 1]
    assert average_ranks([3, 3, 3]) == [2, 2, 2]


def test_spearman_by_hand_with_ties():
    # ranks x: 1, 2.5, 2.5, 4; ranks y: 1, 3, 2, 4 (means 2.5): sum dx*dy = 4.5, sum dx^2 = 4.5, sum dy^2 = 5,
    # so rho = 4.5 / sqrt(4.5 * 5) = sqrt(0.9).
    assert spearman([1, 2, 2, 4], [10, 30, 20, 40]) == pytest.approx(math.sqrt(0.9))
    assert spearman([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    assert spearman([1, 1, 1], [1, 2, 3]) is None  # a constant side has no rank order
    assert spearman([1], [2]) is None


def test_spearman_agrees_with_scipy():
    stats = pytest.importorskip("scipy.stats")
    rng = random.Random(3)
    for _ in range(20):
        x = [rng.randint(0, 4) for _ in range(12)]
        y = [rng.randint(0, 4) for _ in range(12)]
        expected = stats.spearmanr(x, y).statistic
        value = spearman(x, y)
        assert (value is None) == math.isnan(expected)
        if value is not None:
            assert value == pytest.approx(expected)


def test_within_document_spearman_skips_small_and_constant_documents():
    scores = [[1, 2, 2, 4], [1, 2], [5, 5, 5], [1, 2, 3]]
    rouge = [[10, 30, 20, 40], [1, 2], [1, 2, 3], [30, 20, 10]]
    value, counted = within_document_spearman(scores, rouge)
    assert counted == 2
    assert value == pytest.approx((math.sqrt(0.9) - 1) / 2)
    assert within_document_spearman([[1, 2]], [[2, 1]]) == (None, 0)


def test_best_by_shares_tied_maxima():
    assert best_by([1, 3, 3], [10, 20, 40]) == 30
    assert best_by([2, 1], [5, 50]) == 5


def test_candidate_positions_keep_the_length():
    words = "a b c a d e f g".split()
    greedy = select_positions(words, [9, 8, 1, 7, 6, 0, 0, 0], 3)
    assert greedy == [0, 1, 4]  # the second "a" (score 7) is skipped, as decoding does
    rng = random.Random(0)
    swaps = one_word_swaps(words, greedy, 100, rng)
    assert len(swaps) == len({tuple(s) for s in swaps}) == 3 * 4  # addable: c, e, f, g (not the second "a")
    assert all(len(s) == 3 and s != greedy for s in swaps)
    assert all(len(s) == 3 and s == sorted(s) for s in random_positions(len(words), 3, 8, rng))
    assert random_positions(2, 3, 8, rng) == []


def test_parse_weights():
    assert parse_weights(["word_prior=1", "similarity=8"]) == {"word_prior": 1.0, "similarity": 8.0}
    for bad in (["nope=1"], ["word_prior"], ["word_prior=x"], ["word_prior=0"]):
        with pytest.raises(UsageError):
            parse_weights(bad)


@pytest.fixture(scope="module")
def titled_run(tmp_path_factory):
    """A tiny extractive run trained on paired articles and titles, so its dev slice has references."""
    directory = tmp_path_factory.mktemp("titled")
    out = directory / "run"
    assert main(["train", str(TINY_CONFIG), *paired_corpus(directory, 60, seed=5, title_words=6), "rl.steps=0",
                 "--out", str(out)]) == 0
    return out


@pytest.mark.slow
def test_diagnose_reward_on_a_tiny_run(titled_run, tmp_path, capsys):
    path = tmp_path / "diag.json"
    assert main(["diagnose-reward", str(titled_run), "--docs", "4", "--words", str(K), "--weights", "word_prior=1",
                 "--json", str(path), "--quiet"]) == 0
    table = capsys.readouterr().out
    assert "| total (weighted) |" in table and "word_prior=1" in table
    result = json.loads(path.read_text(encoding="utf-8"))
    assert result["config"]["weights"] == {"reconstruction": 0, "discriminator": 0, "word_prior": 1, "similarity": 0,
                                           "fluency": 0, "slor": 0, "phrase": 0, "number": 0,
                                           "coverage": 0, "content_reconstruction": 0,
                                           "headline_reconstruction": 0}
    assert set(result["terms"]) == {"reconstruction", "discriminator", "word_prior", "total"}  # no MiniLM
    assert result["config"]["docs"] == 4 and len(result["documents"]) == 4
    for entry in result["terms"].values():
        for which in ("all", "swaps"):
            rho = entry[which]["spearman"]
            assert rho is None or -1 <= rho <= 1
            assert result["oracle"][which] >= entry[which]["best"] - 1e-9
    assert result["oracle"]["all"] >= result["greedy"] - 1e-9
    assert result["oracle"]["swaps"] >= result["greedy"] - 1e-9
    # agreement with readability (SLOR under an LM of held-out titles, trained once into the run directory)
    assert (titled_run / "readability_lm" / "model").is_dir()
    for entry in result["terms"].values():
        rho = entry["readability"]["spearman"]
        assert rho is None or -1 <= rho <= 1
    assert all(isinstance(c["readability"], float) for d in result["documents"] for c in d["candidates"])

    from seqae.apps.summarize import Summarizer
    summarizer = Summarizer(titled_run)
    greedy = [d["candidates"][0]["summary"] for d in result["documents"]]
    for record in result["documents"]:
        assert record["k"] == K
        summaries = [c["summary"] for c in record["candidates"]]
        assert len(summaries) == len(set(summaries)) >= 3
        assert record["candidates"][0]["sources"][0] == "greedy"
        for candidate in record["candidates"]:
            assert len(candidate["summary"].split()) == K
            assert 0 <= candidate["rouge1"] <= 100
            assert set(candidate["scores"]) == {"reconstruction", "discriminator", "word_prior", "total"}
            assert candidate["scores"]["total"] == pytest.approx(candidate["scores"]["word_prior"])
    # greedy is the inference summary itself
    from seqae.data.corpus import load_corpus
    corpus = load_corpus(summarizer.config.data, summarizer.config.seed)
    assert greedy == summarizer.generator.decode(corpus.dev_articles[:4], words=K)
    assert [d["reference"] for d in result["documents"]] == corpus.dev_references[:4]


@pytest.mark.slow
def test_diagnose_reward_is_seeded(titled_run, tmp_path):
    paths = [tmp_path / "a.json", tmp_path / "b.json"]
    for path in paths:
        assert main(["diagnose-reward", str(titled_run), "--docs", "2", "--words", str(K), "--terms", "word_prior",
                     "--weights", "word_prior=1", "--json", str(path), "--quiet"]) == 0
    a, b = (json.loads(p.read_text(encoding="utf-8")) for p in paths)
    assert a["documents"] == b["documents"]
    assert set(a["terms"]) == {"word_prior", "total"}


def test_diagnose_reward_refuses_without_references_or_a_tagger(tiny_run, titled_run, tmp_path, capsys):
    assert main(["diagnose-reward", str(tiny_run), "--docs", "2", "--weights", "word_prior=1", "--quiet"]) == 2
    assert "no references" in capsys.readouterr().err
    bundle = tmp_path / "abstractive"
    shutil.copytree(titled_run / "model", bundle)
    config = bundle / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("generator: extractive", "generator: abstractive"),
                      encoding="utf-8")
    assert main(["diagnose-reward", str(bundle), "--weights", "word_prior=1", "--quiet"]) == 2
    error = capsys.readouterr().err
    assert "extractive" in error and len(error.strip().splitlines()) == 1


@pytest.mark.slow
def test_diagnose_reward_trains_what_a_run_lacks_for_each_term(titled_run, tmp_path, capsys):
    # coverage, fluency and SLOR models the run never trained are trained here (coverage with the run's sizes)
    path = tmp_path / "terms.json"
    assert main(["diagnose-reward", str(titled_run), "--docs", "3", "--words", str(K), "--terms", "coverage",
                 "slor", "phrase", "number", "--weights", "number=1", "--json", str(path), "--quiet",
                 "--readability-lm", str(tmp_path / "readability")]) == 0
    result = json.loads(path.read_text(encoding="utf-8"))
    assert set(result["terms"]) == {"coverage", "slor", "phrase", "number", "total"}
    assert (tmp_path / "readability" / "model").is_dir() and not (titled_run / "model" / "readability_lm").exists()


@pytest.mark.slow
def test_diagnose_reward_reads_content_reconstruction_and_another_reconstructor(titled_run, tmp_path):
    # --reconstructor: R's weights from elsewhere (here a copy of the run's own, so the scores match the default's)
    from seqae.core.checkpoint import resolve_model_dir

    copy = tmp_path / "r"
    shutil.copytree(resolve_model_dir(titled_run) / "reconstructor", copy)
    results = []
    for extra in ([], ["--reconstructor", str(copy)]):
        path = tmp_path / f"content{len(extra)}.json"
        assert main(["diagnose-reward", str(titled_run), "--docs", "3", "--words", str(K), "--terms",
                     "content_reconstruction", "headline_reconstruction", "reconstruction", "--weights", "content_reconstruction=1", "--json",
                     str(path), "--quiet", "--readability-lm", str(tmp_path / "readability"), *extra]) == 0
        results.append(json.loads(path.read_text(encoding="utf-8")))
    assert set(results[0]["terms"]) == {"reconstruction", "content_reconstruction", "headline_reconstruction", "total"}
    assert results[0]["config"]["reconstructor"] is None and results[1]["config"]["reconstructor"] == str(copy)
    scores = [[c["scores"]["content_reconstruction"] for d in r["documents"] for c in d["candidates"]] for r in results]
    assert scores[0] == pytest.approx(scores[1]) and all(math.isfinite(s) for s in scores[0])
