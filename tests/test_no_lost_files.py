"""Files a user never loses: an output that is an input is refused, an interrupted run leaves no temporary file, and a
training run (or the demo, or the bench) never replaces a model it was not asked to replace.

Issue 21: `summarize MODEL f.txt --per-line -o f.txt` replaced f.txt with its summaries (exit 0); SIGTERM left a
hidden `.*.tmp` beside the output; `train --out DIR` trained over a DIR that held only model/.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from seqae.cli import main

from conftest import ROOT, TINY_CONFIG, tiny_train_args

TEXT = "the police said on tuesday that talks failed\nthe minister said\n"


def assert_refused(capsys, code: int, output: Path, input_file: Path) -> None:
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err, err
    assert err.startswith(f"seqae: error: {output}: ") and "is the " in err and err.count("\n") == 1, err
    assert input_file.read_text(encoding="utf-8") == TEXT  # untouched


@pytest.mark.parametrize("command, alias", [
    *((command, alias) for command in ("summarize", "baseline")
      for alias in ("same", "relative", "symlink", "hard-link")),
    ("summarize", "in-input-directory"),  # summarize reads every .txt file of a directory
])
def test_an_output_that_is_an_input_is_refused_however_it_is_named(command, alias, tiny_run, tmp_path, capsys,
                                                                    monkeypatch):
    monkeypatch.chdir(tmp_path)
    source = tmp_path / "f.txt"
    source.write_text(TEXT, encoding="utf-8")
    given, output = source, source
    if alias == "relative":
        output = Path("./sub/../f.txt")
        (tmp_path / "sub").mkdir()
    elif alias == "symlink":
        output = tmp_path / "link.txt"
        output.symlink_to(source)
    elif alias == "hard-link":
        output = tmp_path / "other-name.txt"
        os.link(source, output)
    elif alias == "in-input-directory":
        given = tmp_path
    argv = (["summarize", str(tiny_run), str(given)] + ([] if given.is_dir() else ["--per-line"])
            if command == "summarize" else ["baseline", "lead", "--words", "3", str(given)])
    assert_refused(capsys, main([*argv, "-o", str(output)]), output, source)


def test_an_output_inside_the_sentence_encoder_directory_is_refused(tiny_run, tmp_path, capsys):
    source, encoder = tmp_path / "f.txt", tmp_path / "encoder"
    source.write_text(TEXT, encoding="utf-8")
    encoder.mkdir()
    weights = encoder / "weights.txt"
    weights.write_text(TEXT, encoding="utf-8")
    code = main(["summarize", str(tiny_run), str(source), "--sentences", "1", "--sentence-encoder", str(encoder),
                 "-o", str(weights)])
    assert_refused(capsys, code, weights, weights)


def test_an_output_that_stdin_reads_is_refused(tiny_run, tmp_path, capsys, monkeypatch):
    source = tmp_path / "f.txt"
    source.write_text(TEXT, encoding="utf-8")
    with open(source, encoding="utf-8") as stdin:
        monkeypatch.setattr(sys, "stdin", stdin)
        code = main(["summarize", str(tiny_run), "--per-line", "-o", str(source)])
    assert_refused(capsys, code, source, source)


def test_diagnose_json_that_is_a_training_file_is_refused(tiny_run, tiny_corpus, capsys):
    articles = tiny_corpus["articles"]
    before = articles.read_bytes()
    code = main(["diagnose-reward", str(tiny_run), "--json", str(articles)])
    err = capsys.readouterr().err
    assert code == 2 and f"{articles}: --json is the input" in err and err.count("\n") == 1, err
    assert articles.read_bytes() == before


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_during_a_run_leaves_no_temporary_file(signum, tiny_run, tmp_path):
    """SIGTERM (as SIGINT) while the output is being written: a non-zero exit, one line, no temporary file."""
    output = tmp_path / "summaries.txt"
    # SIGINT's default action restored in the child: a shell's background job (CI's, a nohup) starts it ignored,
    # and Python then never turns it into KeyboardInterrupt.
    child = subprocess.Popen([sys.executable, "-m", "seqae", "summarize", str(tiny_run), "--per-line", "-o",
                              str(output)], cwd=ROOT, stdin=subprocess.PIPE, stderr=subprocess.PIPE,
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        # One document, and stdin kept open: the run waits for more with its temporary output open.
        child.stdin.write(TEXT.splitlines()[0].encode() + b"\n")
        child.stdin.flush()
        deadline = time.monotonic() + 120
        while not list(tmp_path.glob(".summaries.txt.*.tmp")):
            assert child.poll() is None, child.stderr.read().decode()
            assert time.monotonic() < deadline, "no temporary output file appeared"
            time.sleep(0.05)
        child.send_signal(signum)
        err = child.communicate(timeout=60)[1].decode()
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == 128 + signum, err
    assert "Traceback" not in err and err.strip() in ("seqae: terminated", "seqae: interrupted"), err
    assert list(tmp_path.iterdir()) == []


def test_overwrite_trains_a_new_model_in_place_of_the_old_run(tiny_run, tiny_corpus, tmp_path, capsys):
    import shutil

    out = tmp_path / "run"
    shutil.copytree(tiny_run, out)
    (out / "model" / "old.marker").write_text("the old model", encoding="utf-8")
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    assert main(tiny_train_args(tiny_corpus, out)) == 2  # refused: the old model is kept
    assert (out / "model" / "old.marker").exists()
    assert main(tiny_train_args(tiny_corpus, out, "--overwrite", "rl.steps=1")) == 0
    assert not (out / "model" / "old.marker").exists() and (out / "model" / "config.yaml").is_file()
    # the new run's own checkpoints and metrics only (an old, later checkpoint would be taken for the latest)
    last = 4 + 2 + 1  # warm_start.steps + warm_start.discriminator_steps + rl.steps of tiny.yaml and the override
    assert sorted(p.name for p in out.glob("checkpoint-*")) == ["checkpoint-0000005", f"checkpoint-{last:07d}"]
    steps = [int(line.split('"step": ')[1].split(",")[0]) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert steps == sorted(steps) and steps[-1] == last
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"  # what training did not write stays


@pytest.mark.slow
def test_demo_replaces_its_own_run_and_refuses_any_other_model(tiny_run, tmp_path, capsys):
    """The demo trains anew over its own earlier run (said in its --help), and never over another model."""
    import shutil

    out = tmp_path / "demo"
    shutil.copytree(tiny_run, out)
    assert main(["demo", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{out}: holds a model that seqae demo did not train" in err and err.count("\n") == 1
    assert (out / "model" / "config.yaml").is_file()

    small = ["warm_start.steps=2", "warm_start.discriminator_steps=1", "rl.steps=1", "checkpoint_every=2",
             "dev_every=2", "model.hidden_size=32", "model.intermediate_size=64", "model.num_layers=1",
             "model.reconstructor_hidden_size=32", "data.vocab_size=500"]
    demo = tmp_path / "demo2"
    assert main(["demo", "--out", str(demo), *small]) == 0
    (demo / "model" / "old.marker").write_text("the first demo", encoding="utf-8")
    assert main(["demo", "--out", str(demo), *small, "rl.steps=2"]) == 0
    assert not (demo / "model" / "old.marker").exists()
    assert sorted(p.name for p in demo.glob("checkpoint-*"))[-1:] == ["checkpoint-0000005"]
    capsys.readouterr()
    with pytest.raises(SystemExit):
        main(["demo", "--help"])
    assert "an earlier demo run there is replaced" in " ".join(capsys.readouterr().out.split())


def test_bench_refuses_to_clear_an_out_it_did_not_make(tiny_run, tmp_path, capsys):
    import shutil

    out = tmp_path / "runs"
    shutil.copytree(tiny_run, out / "giga")
    code = main(["bench", "gigaword", "--config", str(TINY_CONFIG), "--out", str(out), "--docs", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and f"{out}: --out holds giga, which seqae bench did not make" in err, err
    assert (out / "giga" / "model" / "config.yaml").is_file()

