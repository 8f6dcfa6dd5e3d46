"""The tagger's ONNX export (seqae.core.onnx_tagger): written at every save, same summaries as torch, and a summarize
call that never imports torch or transformers."""

import shutil
import subprocess
import sys

import numpy as np
import pytest

from seqae import Summarizer
from seqae.cli import main
from seqae.core.onnx_tagger import ONNX_FILE, OnnxTagger, export_tagger, exportable


def test_training_saves_the_export(tiny_run):
    assert (tiny_run / "model" / "generator" / ONNX_FILE).is_file()
    assert all((checkpoint / "generator" / ONNX_FILE).is_file() for checkpoint in tiny_run.glob("checkpoint-*"))


def test_onnx_and_torch_agree(tiny_run, tiny_corpus):
    documents = tiny_corpus["articles"].read_text().splitlines() + ["police", "a b c " * 200]
    onnx, torch_ = Summarizer(tiny_run), Summarizer(tiny_run, runtime="torch")
    assert isinstance(onnx.generator, OnnxTagger) and not isinstance(torch_.generator, OnnxTagger)
    onnx_words, onnx_keep = onnx.generator.keep_probabilities(documents)
    torch_words, torch_keep = torch_.generator.keep_probabilities(documents)
    assert onnx_words == torch_words
    assert onnx_keep.shape == tuple(torch_keep.shape)
    np.testing.assert_allclose(onnx_keep, torch_keep.numpy(), atol=1e-5)  # -inf past each row's end in both
    for length in ({"words": 3}, {"ratio": 0.4}):
        assert onnx(documents, **length) == torch_(documents, **length)


def test_export_is_checked_against_torch_and_atomic(tiny_run, tmp_path, monkeypatch):
    from seqae.core.generators import ExtractiveGenerator

    generator = ExtractiveGenerator.load(tiny_run / "model" / "generator", None, 30)
    assert exportable(generator.model)
    monkeypatch.setattr("seqae.core.onnx_tagger.EXPORT_TOLERANCE", -1.0)  # no export can pass
    with pytest.raises(RuntimeError, match="differs from torch"):
        export_tagger(generator.model, tmp_path)
    assert list(tmp_path.iterdir()) == []  # neither the file nor its temporary is left


def test_abstractive_generators_are_not_exported():
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(vocab_size=16, hidden_size=8, num_hidden_layers=1, num_attention_heads=1,
                         intermediate_size=8, max_position_embeddings=16)
    assert not exportable(LlamaForCausalLM(config))


def test_seqae_export_restores_fast_start_up(tiny_run, tmp_path, capsys):
    bundle = tmp_path / "model"
    shutil.copytree(tiny_run / "model", bundle)
    (bundle / "generator" / ONNX_FILE).unlink()
    document = tmp_path / "doc.txt"
    document.write_text("police said the army rebels talks in the city on tuesday\n")
    assert main(["summarize", str(bundle), str(document), "--runtime", "onnx"]) == 1
    err = capsys.readouterr().err.strip()
    assert str(bundle) in err and ONNX_FILE in err and "seqae export" in err and "\n" not in err
    assert main(["summarize", str(bundle), str(document)]) == 0  # auto: torch, without the export
    from_torch = capsys.readouterr().out
    assert main(["export", str(bundle)]) == 0
    assert (bundle / "generator" / ONNX_FILE).is_file()
    assert main(["summarize", str(bundle), str(document), "--runtime", "onnx"]) == 0
    assert capsys.readouterr().out == from_torch


HEAVY = ("torch", "transformers")
PROBE = """
import sys
from seqae.cli import main
code = main(["summarize", sys.argv[1], sys.argv[2]])
print(sorted(name for name in {heavy} if name in sys.modules), sorted(
    name for name in ("scipy", "sklearn", "pandas") if name in sys.modules and name not in BEFORE))
sys.exit(code)
"""


@pytest.mark.parametrize("text", ["police said the army rebels talks in the city on tuesday",
                                  "Police said on Tuesday that 42 rebels left the city."])
def test_summarizing_one_line_imports_neither_torch_nor_transformers(tiny_run, tmp_path, text):
    """What keeps `seqae summarize` on one line under a second or so; the time itself is measured by
    `seqae bench startup`. Raw text needs nltk's tokenizer, which must come without scipy, sklearn or pandas."""
    document = tmp_path / "doc.txt"
    document.write_text(text + "\n")
    probe = "import sys\nBEFORE = set(sys.modules)\n" + PROBE.format(heavy=HEAVY)
    result = subprocess.run([sys.executable, "-c", probe, str(tiny_run), str(document)], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    summary, imported = result.stdout.strip().splitlines()
    assert summary.strip()
    assert imported == "[] []"


def test_import_nltk_leaves_the_hidden_packages_importable():
    probe = ("import sys\nfrom seqae.data.normalize import word_tokenizer\n"
             "assert word_tokenizer().tokenize('It works.') == ['It', 'works', '.']\n"
             "assert 'scipy' not in sys.modules\n"
             "import scipy.stats\nassert scipy.stats.norm.cdf(0) == 0.5\n")
    pytest.importorskip("scipy")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_a_damaged_export_falls_back_to_torch_with_a_note(tiny_run, tmp_path, capsys):
    bundle = tmp_path / "model"
    shutil.copytree(tiny_run / "model", bundle)
    (bundle / "generator" / ONNX_FILE).write_bytes(b"not an onnx graph")
    document = tmp_path / "doc.txt"
    document.write_text("police said the army rebels talks in the city on tuesday\n")
    assert main(["summarize", str(bundle), str(document)]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() and "cannot load the ONNX tagger" in captured.err and "torch" in captured.err
    assert main(["summarize", str(bundle), str(document), "--runtime", "onnx"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("seqae: error:") and "cannot load the ONNX tagger" in err and "\n" not in err
