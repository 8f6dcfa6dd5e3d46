"""The model that ships in the package (seqae/pretrained/gigaword) and inference-only bundles."""

import json
from pathlib import Path

import pytest

from seqae import Summarizer
from seqae.cli import main
from seqae.data.rouge import score_corpus
from seqae.core.packaged import PACKAGED_MODEL

GIGAWORD = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "gigaword"
ARTICLE = ("BERLIN (Reuters) - Germany's economy shrank 0.5 percent in the third quarter as exports to China fell, "
           "the statistics office said on Friday, adding to fears of a recession in Europe's largest economy.")


def test_the_packaged_model_is_small_and_summarizes_without_a_model_argument(tmp_path, capsys):
    sizes = {path: path.stat().st_size for path in PACKAGED_MODEL.rglob("*") if path.is_file()}
    assert sum(sizes.values()) < 10_000_000, f"the packaged model is {sum(sizes.values()) / 1e6:.1f} MB"
    assert max(sizes.values()) < 2_000_000, "no file of the repository over 2 MB"
    headline = Summarizer()([ARTICLE], words=10)[0]
    assert 1 <= len(headline.split()) <= 10 and "BERLIN" not in headline
    assert all(word in ARTICLE for word in headline.split())  # the article's own written forms
    source = tmp_path / "article.txt"
    source.write_text(ARTICLE + "\n")
    assert main(["summarize", str(source), "--words", "10"]) == 0
    assert capsys.readouterr().out.strip() == headline
    assert main(["summarize", str(source), "--runtime", "torch"]) == 1
    assert "inference-only" in capsys.readouterr().err


@pytest.mark.skipif(not (GIGAWORD / "test.article.txt").is_file(), reason="needs ../shared/data (the data README)")
def test_the_packaged_model_scores_what_its_card_says_on_gigaword_test():
    card = json.loads((PACKAGED_MODEL / "card.json").read_text())["gigaword_test_10_words"]
    articles = (GIGAWORD / "test.article.txt").read_text().splitlines()
    titles = (GIGAWORD / "test.title.txt").read_text().splitlines()
    scores = score_corpus(Summarizer().summarize_lines(articles, words=10), [titles], bootstrap=0)
    for metric in ("rouge1", "rouge2", "rougeL"):
        assert abs(scores[metric]["mean"] - card[metric]) <= 0.3, (metric, scores[metric]["mean"], card[metric])


def test_an_inference_bundle_summarizes_as_its_model_does_and_cannot_be_run_with_torch(tiny_run, tmp_path, capsys):
    out = tmp_path / "bundle"
    assert main(["export", str(tiny_run), "--inference-bundle", str(out), "decode.max_spans=1"]) == 0
    assert not list(out.rglob("*.safetensors")) and (out / "generator" / "model.onnx").is_file()
    documents = ["police said the army rebels talks in the city market prices rise on oil and bank fire",
                 "market prices rise on oil as the bank said fire"]
    original, bundle = Summarizer(tiny_run), Summarizer(out)
    assert bundle.config.decode.max_spans == 1
    # int8 weights, the bundle's own decoding (one span): the float model's words
    assert bundle.summarize_lines(documents, words=3) == original.summarize_lines(documents, words=3, spans=1)
    with pytest.raises(Exception, match="inference-only"):
        Summarizer(out, runtime="torch")
    capsys.readouterr()
    assert main(["export", str(tiny_run), "--inference-bundle", str(out)]) == 2  # never over an existing directory
    assert "exists" in capsys.readouterr().err
    assert main(["export", str(tiny_run), "--inference-bundle", str(tmp_path / "b2"), "rl.steps=3"]) == 2
    assert "decode.* overrides only" in capsys.readouterr().err
    assert main(["export", str(tiny_run), "--inference-bundle", str(tmp_path / "b3"), "--vocab-size", "0"]) == 2
    assert "--vocab-size must be in" in capsys.readouterr().err
    # Reranking needs the reward's models, which a bundle leaves out: refused unless the bundle decodes in one pass.
    assert main(["export", str(tiny_run), "--inference-bundle", str(tmp_path / "b4"), "decode.rerank=true"]) == 2
    assert "decode.rerank=false" in capsys.readouterr().err and not (tmp_path / "b4").exists()


def test_an_inference_bundle_with_a_cut_vocabulary_reads_the_rest_as_unknown(tiny_run, tmp_path):
    out = tmp_path / "bundle"
    assert main(["export", str(tiny_run), "--inference-bundle", str(out), "--vocab-size", "30"]) == 0
    assert json.loads((out / "generator" / "config.json").read_text())["vocab_size"] == 30
    bundle = Summarizer(out)
    words, _ = bundle.generator.keep_probabilities(["police said the army rebels talks"])
    summary = bundle.summarize_lines(["police said the army rebels talks"], words=3)[0].split()
    assert len(summary) == 3 and set(summary) <= set(words[0])
    ids = bundle.codec.ids(words[0], bundle.generator.vocab_size)
    assert max(ids) < 30  # the words past the cut read as <unk>, inside the smaller embedding


def test_the_packaged_model_is_explained_without_the_networks_it_does_not_ship():
    from seqae.apps.explain import Explainer

    result = Explainer(None).explain(ARTICLE, words=10)
    assert result["summary"] == Summarizer()([ARTICLE], words=10)[0]
    assert "information" not in result["scores"] and "readability" not in result["scores"]  # no R, no D: left out
    assert result["reconstruction"] == ""
