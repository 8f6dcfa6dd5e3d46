"""Faults during training: SIGKILL and --resume, a kill inside a checkpoint write, non-finite losses and rewards.

A killed run resumed with --resume must end where an uninterrupted run with the same seed ends: same step count,
one metrics row per step, the same weights (every step reseeds from (seed, step) and batches are a function of
(seed, step)). A kill leaves at worst a hidden temporary directory beside the last complete checkpoint.
"""

import json
import math
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from seqae import Summarizer
from seqae.core.checkpoint import check_bundle, list_checkpoints, load_trainer_state, save_bundle
from seqae.cli import main

from conftest import ONE_CALL_A_STEP, ROOT, tiny_train_args

# 6 warm-start + 2 discriminator (tiny.yaml) + 6 RL steps, a checkpoint every 2 steps.
FAULT_ARGS = ("checkpoint_every=2", "warm_start.steps=6", "rl.steps=6")
TOTAL_STEPS = 14
RL_START = 8
PARTS = ("generator", "reconstructor", "discriminator")


def weights(checkpoint: Path, part: str) -> dict:
    return load_file(checkpoint / part / "model.safetensors")


def max_difference(a: Path, b: Path, part: str) -> float:
    left, right = weights(a, part), weights(b, part)
    assert left.keys() == right.keys()
    return max((left[k].float() - right[k].float()).abs().max().item() for k in left)


def metric_steps(run: Path) -> list[int]:
    return [json.loads(line)["step"] for line in (run / "metrics.jsonl").read_text(encoding="utf-8").splitlines()]


def assert_complete(run: Path) -> Path:
    """The run finished: last checkpoint at TOTAL_STEPS, one metrics row per step (log_every=1), no temp dirs."""
    last = list_checkpoints(run)[-1]
    assert last.name == f"checkpoint-{TOTAL_STEPS:07d}"
    assert json.loads((last / "trainer_state.json").read_text())["step"] == TOTAL_STEPS
    assert metric_steps(run) == list(range(1, TOTAL_STEPS + 1))
    assert not [p.name for p in run.iterdir() if p.name.startswith(".")], "temporary directories left behind"
    return last


@pytest.fixture(scope="module")
def reference_run(tmp_path_factory, tiny_corpus) -> Path:
    """The uninterrupted run every resumed run must match."""
    out = tmp_path_factory.mktemp("reference") / "run"
    assert main(tiny_train_args(tiny_corpus, out, *FAULT_ARGS)) == 0
    assert_complete(out)
    return out


@pytest.mark.slow
def test_sigkill_during_training_then_resume_matches_uninterrupted_run(tmp_path, tiny_corpus, reference_run):
    run = tmp_path / "run"
    child = subprocess.Popen([sys.executable, "-m", "seqae", *tiny_train_args(tiny_corpus, run, *FAULT_ARGS)],
                             cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not list_checkpoints(run) and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL, "training finished (or failed) before it could be killed"

    survivors = list_checkpoints(run)
    assert survivors, "no checkpoint survived the kill"
    for checkpoint in survivors:  # every checkpoint on disk is complete and loadable: none was lost
        check_bundle(checkpoint)
        assert load_trainer_state(checkpoint)["info"]["step"] == int(checkpoint.name.split("-")[1])
    resumed_from = int(survivors[-1].name.split("-")[1])
    assert resumed_from < RL_START  # killed during the warm start (see the RL-stage test below)

    assert main(tiny_train_args(tiny_corpus, run, *FAULT_ARGS, "--resume")) == 0
    last = assert_complete(run)
    for part in PARTS:
        assert max_difference(last, list_checkpoints(reference_run)[-1], part) == 0, part


def test_resume_inside_rl_matches_uninterrupted_run(tmp_path, tiny_corpus, reference_run):
    """A kill right after an RL-stage checkpoint: the state on disk is that checkpoint and the log up to it."""
    source = list_checkpoints(reference_run)[0]
    step = int(source.name.split("-")[1])
    assert RL_START <= step < TOTAL_STEPS
    run = tmp_path / "run"
    run.mkdir()
    shutil.copytree(source, run / source.name)
    rows = (reference_run / "metrics.jsonl").read_text(encoding="utf-8").splitlines()
    (run / "metrics.jsonl").write_text("\n".join(rows[: step + 1]) + "\n", encoding="utf-8")  # one row too many
    assert main(tiny_train_args(tiny_corpus, run, *FAULT_ARGS, "--resume")) == 0
    last = assert_complete(run)
    differences = {part: max_difference(last, list_checkpoints(reference_run)[-1], part) for part in PARTS}
    assert all(value == 0 for value in differences.values()), differences


def test_resume_after_a_torn_metrics_line(tmp_path, tiny_corpus, reference_run):
    run = tmp_path / "run"
    run.mkdir()
    source = list_checkpoints(reference_run)[0]
    shutil.copytree(source, run / source.name)
    step = int(source.name.split("-")[1])
    rows = (reference_run / "metrics.jsonl").read_text(encoding="utf-8").splitlines()
    (run / "metrics.jsonl").write_text("\n".join(rows[:step]) + "\n" + rows[step][:25], encoding="utf-8")
    assert main(tiny_train_args(tiny_corpus, run, *FAULT_ARGS, "--resume")) == 0
    assert metric_steps(run) == list(range(1, TOTAL_STEPS + 1))


def test_partial_checkpoint_write_is_ignored_and_cleaned(tmp_path, tiny_corpus, reference_run, capsys):
    """A kill inside save_bundle leaves `.checkpoint-N.tmp-PID`: resume and summarize use the last whole one."""
    run = tmp_path / "run"
    run.mkdir()
    good = list_checkpoints(reference_run)[0]
    shutil.copytree(good, run / good.name)
    rows = (reference_run / "metrics.jsonl").read_text(encoding="utf-8").splitlines()
    step = int(good.name.split("-")[1])
    (run / "metrics.jsonl").write_text("\n".join(rows[:step]) + "\n", encoding="utf-8")
    partial = run / f".checkpoint-{step + 2:07d}.tmp-123"
    shutil.copytree(good / "generator", partial / "generator")
    (partial / "generator" / "model.safetensors").write_bytes(b"\x00" * 100)
    (partial / "config.yaml").write_text("seed: 0\n")

    assert main(["summarize", str(run), "--per-line", str(tiny_corpus["articles"]), "--words", "3"]) == 0
    # The checkpoint's model summarizes each line, in order, as the API does with it.
    assert capsys.readouterr().out.splitlines() == Summarizer(run).summarize_lines(
        tiny_corpus["articles"].read_text(encoding="utf-8").splitlines(), words=3)
    assert main(tiny_train_args(tiny_corpus, run, *FAULT_ARGS, "--resume")) == 0
    assert_complete(run)  # the stale temporary directory is removed with the old checkpoints
    assert not partial.exists()


def test_resume_from_a_damaged_checkpoint_is_one_clear_error(tmp_path, tiny_corpus, reference_run, capsys):
    run = tmp_path / "run"
    run.mkdir()
    last = list_checkpoints(reference_run)[0]
    shutil.copytree(last, run / last.name)
    damaged = run / last.name / "discriminator" / "model.safetensors"
    damaged.write_bytes(damaged.read_bytes()[:1000])
    assert main(tiny_train_args(tiny_corpus, run, *FAULT_ARGS, "--resume")) == 1
    err = capsys.readouterr().err
    assert err.startswith("seqae: error: ") and err.count("\n") == 1 and "Traceback" not in err
    assert str(damaged) in err and "truncated" in err


def test_save_bundle_over_an_existing_directory(tmp_path, tiny_run):
    from seqae.core.config import load_config
    from seqae.data.sentences import SentenceSplitter
    from seqae.data.tokenizer import load_word_tokenizer
    from seqae.core.generators import ExtractiveGenerator
    from seqae.core.models import load_discriminator, load_reconstructor

    source = tiny_run / "model"
    config = load_config(source / "config.yaml")
    tokenizer, splitter = load_word_tokenizer(source / "tokenizer"), SentenceSplitter.load(source / "sentences")
    models = {"generator": ExtractiveGenerator.load(source / "generator", None, 24).model,
              "reconstructor": load_reconstructor(source / "reconstructor"),
              "discriminator": load_discriminator(source / "discriminator")}
    target = tmp_path / "bundle"
    save_bundle(target, config, tokenizer, splitter, models, None)
    (target / "stray.txt").write_text("from the old bundle\n")
    with torch.no_grad():
        next(models["generator"].parameters()).add_(1.0)
    save_bundle(target, config, tokenizer, splitter, models, None)
    check_bundle(target)
    assert not (target / "stray.txt").exists()  # replaced as a whole, not merged
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bundle"]  # no .bundle.tmp-* / .bundle.old-*
    name, tensor = next(iter(models["generator"].state_dict().items()))
    assert torch.equal(ExtractiveGenerator.load(target / "generator", None, 24).model.state_dict()[name], tensor)


# ----- non-finite steps -----

NAN_ARGS = ("warm_start.steps=2", "warm_start.discriminator_steps=1", "rl.steps=6", "checkpoint_every=3",
            *ONE_CALL_A_STEP)


def skipped_rows(run: Path) -> list[dict]:
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text(encoding="utf-8").splitlines()]
    return [row for row in rows if "skipped" in row]


def assert_finite_checkpoints(run: Path) -> None:
    for checkpoint in list_checkpoints(run):
        for part in PARTS:
            assert all(torch.isfinite(t).all() for t in weights(checkpoint, part).values()), (checkpoint, part)


def test_nan_reward_every_step_stops_after_max_bad_steps(tmp_path, tiny_corpus, monkeypatch, capsys):
    import seqae.rl.rewards

    monkeypatch.setattr(seqae.rl.rewards, "length_reward", lambda documents, summaries, **_: [math.nan] * len(summaries))
    run = tmp_path / "run"
    assert main(tiny_train_args(tiny_corpus, run, *NAN_ARGS, "rl.max_bad_steps=3")) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    # The training progress bar shares stderr (and, not closed on the error, redraws after it): find the line.
    errors = [line for line in err.splitlines() if line.startswith("seqae: error: ")]
    assert len(errors) == 1 and "stopping at step 6: 3 non-finite steps in a row in the rl stage" in errors[0], err
    skipped = skipped_rows(run)
    # The first RL step (4) and the next are skipped and logged; the third in a row (6) stops the run (logged or not).
    assert [row["step"] for row in skipped][:2] == [4, 5] and len(skipped) in (2, 3)
    assert all("non-finite" in row["skipped"] for row in skipped)
    assert_finite_checkpoints(run)


@pytest.mark.parametrize("update, skipped", [("group_relative", 5), ("best_of_k", 4)])
def test_one_nan_reward_is_skipped_and_training_goes_on(tmp_path, tiny_corpus, monkeypatch, update, skipped):
    """The second reward call returns NaN: under group-relative updates (one call a step) the second RL step's
    samples, under best-of-k (the default: samples, then the greedy baseline) the first step's baseline. That step
    is skipped and training goes on."""
    import seqae.rl.rewards

    real = seqae.rl.rewards.length_reward
    calls = []

    def flaky(documents, summaries, **kwargs):
        calls.append(1)
        return [math.nan] * len(summaries) if len(calls) == 2 else real(documents, summaries, **kwargs)

    monkeypatch.setattr(seqae.rl.rewards, "length_reward", flaky)
    run = tmp_path / "run"
    assert main(tiny_train_args(tiny_corpus, run, *NAN_ARGS, f"rl.update={update}")) == 0
    assert [row["step"] for row in skipped_rows(run)] == [skipped]
    last = list_checkpoints(run)[-1]
    assert json.loads((last / "trainer_state.json").read_text())["step"] == 9
    assert_finite_checkpoints(run)


def test_nan_warm_start_loss_stops_cleanly(tmp_path, tiny_corpus, monkeypatch, capsys):
    from seqae.core.generators import ExtractiveGenerator

    real = ExtractiveGenerator.warm_start_loss
    monkeypatch.setattr(ExtractiveGenerator, "warm_start_loss", lambda *a, **k: real(*a, **k) * math.nan)
    run = tmp_path / "run"
    assert main(tiny_train_args(tiny_corpus, run, *NAN_ARGS, "rl.max_bad_steps=2")) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "seqae: error: stopping at step 2: 2 non-finite steps" in err
    assert skipped_rows(run)[0] == {"step": 1, "stage": "warm_start", "skipped": "non-finite warm-start loss"}
