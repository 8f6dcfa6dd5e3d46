"""seqae.data.io's atomic directory: a save that fails part-way leaves the old directory whole and nothing beside it.

Before, SummaryLM.save deleted the old directory before its rename: a failure in between lost the model."""

import pytest

from seqae.data.io import atomic_directory
from seqae.core.summary_lm import SummaryLM


def test_a_failed_block_keeps_the_old_directory_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "model"
    target.mkdir()
    (target / "weights").write_text("old")
    with pytest.raises(RuntimeError), atomic_directory(target) as scratch:
        (scratch / "weights").write_text("half")
        raise RuntimeError("killed mid-save")
    assert (target / "weights").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def test_a_finished_block_replaces_the_directory_whole(tmp_path):
    target = tmp_path / "model"
    target.mkdir()
    (target / "stale").write_text("old")
    with atomic_directory(target) as scratch:
        (scratch / "weights").write_text("new")
    assert sorted(p.name for p in target.iterdir()) == ["weights"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def test_summary_lm_save_that_fails_keeps_the_saved_model(tmp_path, monkeypatch):
    texts = ["police arrest five men", "rebels attack army base", "oil prices rise again"] * 4
    lm = SummaryLM.train(texts, steps=2, batch_size=4, hidden=16, layers=1, progress=False)
    saved = tmp_path / "summary_lm"
    lm.save(saved)
    before = {p.relative_to(saved): p.read_bytes() for p in saved.rglob("*") if p.is_file()}

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(lm.tokenizer, "save_pretrained", fail)
    with pytest.raises(OSError):
        lm.save(saved)
    assert {p.relative_to(saved): p.read_bytes() for p in saved.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["summary_lm"]
    assert isinstance(SummaryLM.load(saved), SummaryLM)
