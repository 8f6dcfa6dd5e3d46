"""Hostile inputs to train, summarize, evaluate and baseline: one clear line on stderr, no traceback, no output.

Every failure must print exactly one line, `seqae: error: <file>: <problem>`, exit 2 for a usage error and 1
for bad data, write nothing to stdout and leave no output file (or temporary file) behind. Long inputs must not
crash. Most cases call seqae.cli.main in-process; a few run `python -m seqae` to show that no traceback reaches
a terminal.
"""

import io
import os
import shutil
import stat
import subprocess
import sys
import types
from pathlib import Path

import pytest

from seqae import Summarizer
from seqae.cli import main

from conftest import ROOT, TINY_CONFIG

BIG_WORDS = 200_000  # "word " * 200,000: a 1 MB line


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, tiny_run, tiny_corpus) -> dict:
    """Bad files, bad configs and damaged copies of the tiny model, made once for the module."""
    d = tmp_path_factory.mktemp("hostile")
    paths = {"run": tiny_run, "config": TINY_CONFIG, **tiny_corpus}
    (d / "adir").mkdir()
    writes = {
        "good": b"the police said on tuesday that talks failed\nthe minister said\n",
        "three": b"a b c\nd e f\ng h i\n",
        "empty": b"",
        "blank": b"\n  \n\t\n\n",
        "binary": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe\xfd" + bytes(range(256)),
        "latebinary": b"".join(b"the police said on tuesday line %d\n" % i for i in range(29)) + b"caf\xe9 au lait\n",
        "big": b"word " * BIG_WORDS + b"\n",
        "unknown_key.yaml": b"seed: 0\nrl:\n  stepz: 3\n",
        "wrong_type.yaml": b"rl:\n  steps: many\n",
        "not_yaml.yaml": b"rl: [1, 2\n  lr: {\n",
        "list.yaml": b"- seed\n- rl\n",
        "nul": b"\0" * 4096,  # valid UTF-8, but binary
        # a "billion laughs": 9 lines that OmegaConf would copy into 9**9 nodes (it hung)
        "bomb.yaml": b"a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + b"".join(
            b"%c: &%c [%s]\n" % (name, name, b", ".join([b"*%c" % (name - 1)] * 9)) for name in b"bcdefghi"),
        "deep.yaml": b"rl: " + b"[" * 100_000 + b"\n",
        "huge_int.yaml": b"rl:\n  steps: " + b"9" * 5000 + b"\n",
    }
    for name, data in writes.items():
        path = d / (name if "." in name else f"{name}.txt")
        path.write_bytes(data)
        paths[name.split(".")[0]] = path
    paths["binary"] = paths["binary"].rename(d / "image.png")
    (d / "old_model").mkdir()  # a run directory that holds only model/ (no checkpoint-*)
    shutil.copytree(tiny_run / "model", d / "old_model" / "model")
    paths["old_model"] = d / "old_model"
    paths["adir"], paths["missing"] = d / "adir", d / "missing.txt"

    model = tiny_run / "model"
    for name, damage in {
        "no_tokenizer": lambda m: (m / "tokenizer" / "tokenizer.json").unlink(),
        "no_weights": lambda m: (m / "generator" / "model.safetensors").unlink(),
        "truncated": lambda m: _truncate(m / "generator" / "model.safetensors"),
        "no_config": lambda m: (m / "config.yaml").unlink(),
    }.items():
        copy = d / f"model_{name}"
        shutil.copytree(model, copy)
        damage(copy)
        paths[f"model_{name}"] = copy
    return paths


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


@pytest.fixture
def paths(hostile, tmp_path) -> dict:
    """The module's files plus `outdir`, an empty directory per test, and `out`, a file path inside it."""
    outdir = tmp_path / "outdir"
    outdir.mkdir()
    return {**hostile, "outdir": outdir, "out": outdir / "x.txt", "nodir_out": tmp_path / "nope" / "x.txt"}


DATA = ["data.articles=[{articles}]", "data.summaries=[{summaries}]"]
TRAIN_OUT = ["--out", "{outdir}/run"]

# (id, argv, exit code, fragments the one error line must hold)
CASES = [
    # ----- train -----
    ("train-config-missing", ["train", "{missing}", *DATA, *TRAIN_OUT], 1, ["{missing}", "does not exist"]),
    ("train-config-directory", ["train", "{adir}", *DATA, *TRAIN_OUT], 1, ["{adir}", "is not a file"]),
    ("train-config-binary", ["train", "{binary}", *DATA, *TRAIN_OUT], 1, ["{binary}", "not valid YAML"]),
    ("train-config-not-yaml", ["train", "{not_yaml}", *DATA, *TRAIN_OUT], 1, ["{not_yaml}", "not valid YAML"]),
    ("train-config-list", ["train", "{list}", *DATA, *TRAIN_OUT], 1, ["{list}", "not a config", "mapping"]),
    ("train-config-unknown-key", ["train", "{unknown_key}", *DATA, *TRAIN_OUT], 2,
     ["{unknown_key}", "unknown key 'rl.stepz'", "valid keys:", "rl.steps", "rl.lr", "rl.max_bad_steps"]),
    ("train-config-wrong-type", ["train", "{wrong_type}", *DATA, *TRAIN_OUT], 2,
     ["{wrong_type}", "rl.steps must be int", "'many'"]),
    ("train-override-unknown-key", ["train", "{config}", "rl.stepz=3", *DATA, *TRAIN_OUT], 2,
     ["rl.stepz=3", "unknown key 'rl.stepz'", "valid keys:", "rl.steps"]),
    ("train-override-wrong-type", ["train", "{config}", "rl.steps=abc", *DATA, *TRAIN_OUT], 2,
     ["rl.steps=abc", "rl.steps must be int"]),
    ("train-override-not-yaml", ["train", "{config}", "rl.lr=[", *DATA, *TRAIN_OUT], 2, ["rl.lr=[", "not valid YAML"]),
    ("train-override-zero-batch", ["train", "{config}", "warm_start.batch_size=0", *DATA, *TRAIN_OUT], 2,
     ["warm_start.batch_size", "at least 1"]),
    ("train-override-zero-checkpoint-every", ["train", "{config}", "checkpoint_every=0", *DATA, *TRAIN_OUT], 2,
     ["checkpoint_every", "at least 1"]),
    ("train-override-negative-steps", ["train", "{config}", "rl.steps=-1", *DATA, *TRAIN_OUT], 2,
     ["rl.steps", "at least 0"]),
    ("train-override-nan-lr", ["train", "{config}", "rl.lr=.nan", *DATA, *TRAIN_OUT], 2, ["rl.lr", "nan"]),
    ("train-override-not-a-section", ["train", "{config}", "rl=3", *DATA, *TRAIN_OUT], 2, ["rl must be a mapping"]),
    ("train-articles-missing", ["train", "{config}", "data.articles=[{missing}]", "data.summaries=[{summaries}]",
                                *TRAIN_OUT], 1, ["{missing}", "does not exist"]),
    ("train-articles-directory", ["train", "{config}", "data.articles=[{adir}]", "data.summaries=[{summaries}]",
                                  *TRAIN_OUT], 1, ["{adir}", "no .txt files"]),
    ("train-articles-empty", ["train", "{config}", "data.articles=[{empty}]", "data.summaries=[{summaries}]",
                              *TRAIN_OUT], 1, ["{empty}", "no documents"]),
    ("train-articles-blank", ["train", "{config}", "data.articles=[{blank}]", "data.summaries=[{summaries}]",
                              *TRAIN_OUT], 1, ["{blank}", "no documents"]),
    ("train-articles-binary", ["train", "{config}", "data.articles=[{binary}]", "data.summaries=[{summaries}]",
                               *TRAIN_OUT], 1, ["{binary}", "not UTF-8"]),
    ("train-summaries-binary", ["train", "{config}", "data.articles=[{articles}]", "data.summaries=[{latebinary}]",
                                *TRAIN_OUT], 1, ["{latebinary}", "line 30", "not UTF-8"]),
    ("train-out-is-a-file", ["train", "{config}", *DATA, "--out", "{good}"], 1, ["{good}", "not a directory"]),
    ("train-resume-nothing", ["train", "{config}", *DATA, *TRAIN_OUT, "--resume"], 2, ["{outdir}/run", "--resume"]),
    ("train-existing-run", ["train", "{config}", *DATA, "--out", "{run}"], 2,
     ["{run}", "already holds a model", "--resume", "--overwrite"]),
    ("train-over-a-model", ["train", "{config}", *DATA, "--out", "{old_model}"], 2,
     ["{old_model}", "already holds a model", "--resume", "--overwrite"]),
    ("train-config-alias-bomb", ["train", "{bomb}", *DATA, *TRAIN_OUT], 1, ["{bomb}", "anchor or alias at line 1"]),
    ("train-config-deep", ["train", "{deep}", *DATA, *TRAIN_OUT], 1, ["{deep}", "nested too deeply"]),
    ("train-config-huge-integer", ["train", "{huge_int}", *DATA, *TRAIN_OUT], 1, ["{huge_int}", "4300 digits"]),
    ("train-config-dev-zero", ["train", "/dev/zero", *DATA, *TRAIN_OUT], 1, ["/dev/zero", "not a file"]),
    ("train-override-alias-bomb", ["train", "{config}", "rl.lr=[&a [1, 1], *a, *a]", *DATA, *TRAIN_OUT], 2,
     ["rl.lr=", "anchor or alias"]),
    ("train-override-30-digit-seed", ["train", "{config}", "seed=" + "9" * 30, *DATA, *TRAIN_OUT], 2,
     ["seed must be in [0, 4294967295]"]),
    ("train-override-30-digit-size", ["train", "{config}", "model.hidden_size=1" + "0" * 30, *DATA, *TRAIN_OUT], 2,
     ["model.hidden_size must be a 64-bit integer"]),
    ("train-override-negative-seed", ["train", "{config}", "seed=-1", *DATA, *TRAIN_OUT], 2, ["seed must be in"]),
    ("train-override-bad-date", ["train", "{config}", "seed=2024-13-45", *DATA, *TRAIN_OUT], 2,
     ["seed=2024-13-45", "not valid YAML"]),
    # ----- summarize -----
    ("summarize-input-missing", ["summarize", "{run}", "{missing}", "-o", "{out}"], 1, ["{missing}", "does not exist"]),
    ("summarize-input-directory", ["summarize", "{run}", "{adir}", "-o", "{out}"], 1, ["{adir}", "no .txt files"]),
    ("summarize-input-empty", ["summarize", "{run}", "{empty}", "-o", "{out}"], 1, ["{empty}", "no documents"]),
    ("summarize-input-blank", ["summarize", "{run}", "--per-line", "{blank}", "-o", "{out}"], 1,
     ["{blank}", "no documents"]),
    ("summarize-input-binary", ["summarize", "{run}", "{binary}", "-o", "{out}"], 1, ["{binary}", "not UTF-8"]),
    ("summarize-input-binary-late", ["summarize", "{run}", "--per-line", "{latebinary}", "-o", "{out}"], 1,
     ["{latebinary}", "line 30", "not UTF-8"]),
    ("summarize-model-missing", ["summarize", "--model", "{missing}", "{good}", "-o", "{out}"], 1,
     ["{missing}", "does not exist (no model directory here)"]),
    ("summarize-model-is-a-file", ["summarize", "--model", "{good}", "{good}", "-o", "{out}"], 1, ["{good}", "not a directory"]),
    ("summarize-model-not-a-model", ["summarize", "--model", "{adir}", "{good}", "-o", "{out}"], 1,
     ["{adir}", "not a seqae model"]),
    ("summarize-model-no-config", ["summarize", "--model", "{model_no_config}", "{good}", "-o", "{out}"], 1,
     ["{model_no_config}", "not a seqae model"]),
    ("summarize-model-no-tokenizer", ["summarize", "{model_no_tokenizer}", "{good}", "-o", "{out}"], 1,
     ["{model_no_tokenizer}", "tokenizer/tokenizer.json is missing"]),
    ("summarize-model-no-weights", ["summarize", "{model_no_weights}", "{good}", "-o", "{out}"], 1,
     ["{model_no_weights}", "generator/model.safetensors is missing"]),
    ("summarize-model-truncated-weights", ["summarize", "{model_truncated}", "{good}", "-o", "{out}"], 1,
     ["{model_truncated}/generator/model.safetensors", "truncated"]),
    ("summarize-output-dir-missing", ["summarize", "{run}", "{good}", "-o", "{nodir_out}"], 1,
     ["{nodir_out}", "does not exist"]),
    ("summarize-output-is-a-directory", ["summarize", "{run}", "{good}", "-o", "{outdir}"], 1,
     ["{outdir}", "is a directory"]),
    ("summarize-zero-batch-size", ["summarize", "{run}", "{good}", "--batch-size", "0", "-o", "{out}"], 2,
     ["--batch-size"]),
    ("summarize-zero-beams", ["summarize", "{run}", "{good}", "--beams", "0", "-o", "{out}"], 2, ["--beams"]),
    ("summarize-zero-words", ["summarize", "{run}", "{good}", "--words", "0", "-o", "{out}"], 2, ["--words"]),
    ("summarize-huge-batch-size", ["summarize", "{run}", "{good}", "--batch-size", "9" * 30, "-o", "{out}"], 2,
     ["--batch-size must be in [1, 65536]"]),
    ("summarize-huge-beams", ["summarize", "{run}", "{good}", "--beams", "9" * 30, "-o", "{out}"], 2, ["--beams"]),
    ("summarize-huge-search", ["summarize", "{run}", "{good}", "--search", "9" * 30, "-o", "{out}"], 2, ["--search"]),
    ("summarize-zero-max-bytes", ["summarize", "{run}", "{good}", "--max-bytes", "0", "-o", "{out}"], 2,
     ["--max-bytes"]),
    # -o naming the input: the summaries would replace it (refused before anything is read)
    ("summarize-output-is-the-input", ["summarize", "{run}", "--per-line", "{good}", "-o", "{good}"], 2,
     ["{good}: -o is the input {good}"]),
    ("summarize-output-is-a-model-file", ["summarize", "{run}", "{good}", "-o", "{run}/model/config.yaml"], 2,
     ["{run}/model/config.yaml: -o is the input"]),
    # bounded reading: a NUL byte is binary; a line, or a file read whole, past --max-bytes is refused
    ("summarize-dev-zero", ["summarize", "{run}", "/dev/zero", "--per-line", "-o", "{out}"], 1,
     ["/dev/zero", "line 1: binary data", "NUL"]),
    ("summarize-dev-zero-whole", ["summarize", "{run}", "/dev/zero", "-o", "{out}"], 1, ["/dev/zero", "NUL"]),
    ("summarize-nul-bytes", ["summarize", "{run}", "{nul}", "--per-line", "-o", "{out}"], 1, ["{nul}", "NUL"]),
    ("summarize-line-past-max-bytes", ["summarize", "{run}", "{good}", "--per-line", "--max-bytes", "20", "-o",
                                       "{out}"], 1, ["{good}", "line 1: longer than the limit of 20 bytes"]),
    ("summarize-file-past-max-bytes", ["summarize", "{run}", "{good}", "--max-bytes", "50", "-o", "{out}"], 1,
     ["{good}", "larger than the limit of 50 bytes"]),
    # ----- evaluate -----
    ("evaluate-prediction-missing", ["evaluate", "{missing}", "{good}"], 1, ["{missing}", "no such file"]),
    ("evaluate-reference-missing", ["evaluate", "{good}", "{missing}"], 1, ["{missing}", "no such file"]),
    ("evaluate-directory", ["evaluate", "{adir}", "{good}"], 1, ["{adir}", "is a directory"]),
    ("evaluate-empty", ["evaluate", "{good}", "{empty}"], 1, ["{empty}", "is empty"]),
    ("evaluate-blank", ["evaluate", "{blank}", "{good}"], 1, ["{blank}", "only whitespace"]),
    ("evaluate-binary", ["evaluate", "{good}", "{binary}"], 1, ["{binary}", "not valid UTF-8"]),
    ("evaluate-fewer-references", ["evaluate", "{three}", "{good}"], 1, ["{three}", "has 3 lines", "{good} has 2"]),
    ("evaluate-more-references", ["evaluate", "{good}", "{three}"], 1, ["{good}", "has 2 lines", "{three} has 3"]),
    ("evaluate-second-reference-mismatch", ["evaluate", "{good}", "{good}", "{three}"], 1, ["{three} has 3"]),
    ("evaluate-negative-seed", ["evaluate", "{good}", "{good}", "--seed", "-1"], 2, ["--seed must be >= 0"]),
    ("evaluate-huge-bootstrap", ["evaluate", "{good}", "{good}", "--bootstrap", "1000000000"], 2,
     ["--bootstrap must be in [0, 100000]"]),
    ("evaluate-dev-zero", ["evaluate", "/dev/zero", "{good}"], 1, ["/dev/zero", "binary data", "NUL"]),
    ("evaluate-past-max-bytes", ["evaluate", "{good}", "{good}", "--max-bytes", "50"], 1,
     ["{good}", "larger than the limit of 50 bytes"]),
    # Two 1 MB lines: ROUGE-L's table would need 4e10 cells (it was killed at 22 GB): refused, not attempted.
    ("evaluate-1mb-lines", ["evaluate", "{big}", "{big}"], 1, ["{big}", "line 1", "too long for ROUGE-L"]),
    # ----- baseline -----
    ("baseline-missing", ["baseline", "lead", "{missing}", "--words", "3", "-o", "{out}"], 1,
     ["{missing}", "no such file"]),
    ("baseline-directory", ["baseline", "lead", "{adir}", "--words", "3", "-o", "{out}"], 1,
     ["{adir}", "is a directory"]),
    ("baseline-empty", ["baseline", "lead", "{empty}", "--words", "3", "-o", "{out}"], 1, ["{empty}", "is empty"]),
    ("baseline-blank", ["baseline", "lead", "{blank}", "--words", "3", "-o", "{out}"], 1, ["{blank}", "whitespace"]),
    ("baseline-binary", ["baseline", "lead", "{binary}", "--words", "3", "-o", "{out}"], 1,
     ["{binary}", "not valid UTF-8"]),
    ("baseline-binary-late", ["baseline", "lead", "{latebinary}", "--words", "3", "-o", "{out}"], 1,
     ["{latebinary}", "line 30"]),
    ("baseline-output-is-the-input", ["baseline", "lead", "--words", "3", "{good}", "-o", "{good}"], 2,
     ["{good}: -o is the input {good}"]),
    ("baseline-dev-zero", ["baseline", "lead", "/dev/zero", "--words", "3", "-o", "{out}"], 1, ["/dev/zero", "NUL"]),
    ("baseline-nul-bytes", ["baseline", "lead", "{nul}", "--words", "3", "-o", "{out}"], 1, ["{nul}", "NUL"]),
    ("baseline-output-dir-missing", ["baseline", "lead", "{good}", "--words", "3", "-o", "{nodir_out}"], 1,
     ["{nodir_out}", "does not exist"]),
    ("baseline-output-is-a-directory", ["baseline", "lead", "{good}", "--words", "3", "-o", "{outdir}"], 1,
     ["{outdir}", "is a directory"]),
]


def fill(items, paths) -> list[str]:
    return [str(item).format(**paths) for item in items]


def assert_one_line_error(captured, code: int, expected_code: int, fragments) -> str:
    err = captured.err
    assert "Traceback" not in err, err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("seqae: error: "), err
    assert code == expected_code, err
    for fragment in fragments:
        assert fragment in lines[0]
    assert captured.out == ""
    return lines[0]


def assert_nothing_written(paths) -> None:
    assert sorted(p.name for p in paths["outdir"].iterdir()) == []  # no output, no temporary file
    assert not paths["nodir_out"].parent.exists()


@pytest.mark.parametrize("argv, code, fragments", [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_hostile_input_fails_with_one_line(argv, code, fragments, paths, capsys):
    result = main(fill(argv, paths))
    assert_one_line_error(capsys.readouterr(), result, code, fill(fragments, paths))
    assert_nothing_written(paths)


@pytest.mark.parametrize("data, per_line, fragments", [
    (b"", True, ["<stdin>", "no text"]),
    (b"\n \n", False, ["<stdin>", "no text"]),
    (b"fine line\nbad \xff line\n", True, ["<stdin>", "line 2", "not UTF-8"]),
    (b"\xfe\xff\x00b\x00i\x00n", False, ["<stdin>", "not UTF-8"]),
], ids=["empty-per-line", "blank", "binary-line-2", "binary"])
def test_summarize_stdin_fails_with_one_line(data, per_line, fragments, paths, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    result = main(["summarize", str(paths["run"]), "-o", str(paths["out"])] + (["--per-line"] if per_line else []))
    assert_one_line_error(capsys.readouterr(), result, 1, fragments)
    assert_nothing_written(paths)


def test_failed_summarize_keeps_the_old_output(paths, capsys):
    """A run that fails half-way (line 30 of 30 is not UTF-8) leaves an existing output file as it was."""
    paths["out"].write_text("previous summaries\n", encoding="utf-8")
    result = main(["summarize", str(paths["run"]), "--per-line", str(paths["latebinary"]), "-o", str(paths["out"]),
                   "--batch-size", "4"])
    assert_one_line_error(capsys.readouterr(), result, 1, [str(paths["latebinary"]), "line 30"])
    assert paths["out"].read_text(encoding="utf-8") == "previous summaries\n"
    assert [p.name for p in paths["outdir"].iterdir()] == ["x.txt"]


def test_output_to_a_pipe_or_device_is_refused(paths, capsys):
    fifo = paths["outdir"] / "fifo"
    os.mkfifo(fifo)
    result = main(["baseline", "lead", str(paths["good"]), "--words", "3", "-o", str(fifo)])
    assert_one_line_error(capsys.readouterr(), result, 1, [str(fifo), "not a regular file"])
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_output_through_a_symlink_and_with_normal_permissions(paths, capsys):
    target = paths["outdir"] / "target.txt"
    target.write_text("old\n", encoding="utf-8")
    link = paths["outdir"] / "link.txt"
    link.symlink_to(target)
    old_umask = os.umask(0o022)
    try:
        assert main(["baseline", "lead", str(paths["good"]), "--words", "2", "-o", str(link)]) == 0
        assert main(["summarize", str(paths["run"]), "--per-line", str(paths["good"]), "-o", str(paths["out"])]) == 0
    finally:
        os.umask(old_umask)
    assert link.is_symlink() and target.read_text(encoding="utf-8") == "the police\nthe minister\n"
    assert stat.S_IMODE(paths["out"].stat().st_mode) == 0o644  # not mkstemp's 0600
    documents = paths["good"].read_text(encoding="utf-8").splitlines()
    assert paths["out"].read_text(encoding="utf-8").splitlines() == Summarizer(paths["run"]).summarize_lines(documents)
    assert sorted(p.name for p in paths["outdir"].iterdir()) == ["link.txt", "target.txt", "x.txt"]


# ----- long and odd inputs that must work -----

def test_summarize_1mb_line_without_sentence_ends(paths, capsys):
    from seqae.core.checkpoint import load_bundle_config, resolve_model_dir
    from seqae.core.sentence_select import LONGEST_SENTENCE

    config = load_bundle_config(resolve_model_dir(paths["run"]))
    # One line: the model's word summary of what it reads (as the Gigaword bench), and stderr says the line was cut.
    assert main(["summarize", str(paths["run"]), str(paths["big"]), "--per-line"]) == 0
    captured = capsys.readouterr()
    assert set(captured.out.split()) == {"word"} and len(captured.out.split()) <= config.decode.words
    assert captured.out.count("\n") == 1 and "1 text(s) longer than this model reads" in captured.err
    # A document: no sentence end, so the words are cut into runs of LONGEST_SENTENCE, and the default 3 of them
    # are printed, one a line; never silently: stderr says the document was longer than the model reads.
    assert main(["summarize", str(paths["run"]), str(paths["big"])]) == 0
    captured = capsys.readouterr()
    assert captured.out.split() == ["word"] * 3 * LONGEST_SENTENCE and captured.out.count("\n") == 3
    assert "1 document(s) longer than this model reads" in captured.err


def test_summarize_1mb_line_with_sentence_ends(paths, tmp_path, monkeypatch):
    import nltk.redos

    # As on a slower or busier machine: Punkt's guard is wall-clock. A document cut before splitting needs ~1 ms.
    monkeypatch.setattr(nltk.redos, "DEFAULT_TIMEOUT", 0.5)
    doc = tmp_path / "sentences.txt"
    doc.write_text("the police said . " * (BIG_WORDS // 4) + "\n", encoding="utf-8")
    assert main(["summarize", str(paths["run"]), "--per-line", str(doc)]) == 0


def test_baseline_1mb_line(paths, capsys):
    assert main(["baseline", "lead", str(paths["big"]), "--words", "3"]) == 0
    assert capsys.readouterr().out == "word word word\n"


def test_summarize_streams_files_and_stdin_in_order(paths, capsys, monkeypatch, tiny_corpus):
    """--per-line with files given after the option, several files, a blank line answered by a blank line (output
    line i belongs to input line i); and from stdin."""
    articles = [line for line in tiny_corpus["articles"].read_text(encoding="utf-8").splitlines() if line.strip()]
    mixed = paths["outdir"] / "mixed.txt"
    mixed.write_text("\n".join(articles[:5]) + "\n\n   \n" + "\n".join(articles[5:9]) + "\n", encoding="utf-8")
    out = paths["outdir"] / "summaries.txt"
    assert main(["summarize", str(paths["run"]), "--per-line", str(mixed), str(tiny_corpus["articles"]),
                 "--batch-size", "3", "-o", str(out)]) == 0
    summaries = out.read_text(encoding="utf-8").splitlines()
    inputs = articles[:5] + ["", ""] + articles[5:9] + articles
    assert len(summaries) == len(inputs)
    for summary, article in zip(summaries, inputs):
        assert bool(summary) == bool(article) and set(summary.split()) <= set(article.split())
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(mixed.read_bytes())))
    assert main(["summarize", str(paths["run"]), "--per-line", "--batch-size", "2"]) == 0
    assert capsys.readouterr().out.splitlines() == summaries[:11]


# ----- no traceback reaches a terminal -----

SUBPROCESS_CASES = [
    ("evaluate-missing", ["evaluate", "{missing}", "{good}"], 1, ["{missing}"]),
    ("baseline-binary", ["baseline", "lead", "{binary}", "--words", "3", "-o", "{out}"], 1, ["{binary}", "UTF-8"]),
    ("train-unknown-key", ["train", "{unknown_key}", *DATA, *TRAIN_OUT], 2, ["rl.stepz", "valid keys"]),
    ("summarize-truncated-weights", ["summarize", "{model_truncated}", "--per-line", "{good}", "-o", "{out}"], 1,
     ["{model_truncated}/generator/model.safetensors", "truncated"]),
]


@pytest.mark.parametrize("argv, code, fragments", [case[1:] for case in SUBPROCESS_CASES],
                         ids=[case[0] for case in SUBPROCESS_CASES])
def test_subprocess_prints_one_line_and_no_traceback(argv, code, fragments, paths):
    result = subprocess.run([sys.executable, "-m", "seqae", *fill(argv, paths)], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    captured = types.SimpleNamespace(out=result.stdout, err=result.stderr)
    assert_one_line_error(captured, result.returncode, code, fill(fragments, paths))
    assert_nothing_written(paths)


def test_full_disk_while_writing_output(paths, tiny_corpus):
    """A write error on the output (here a file-size limit: EFBIG, as ENOSPC on a full disk) is one line."""
    import resource
    import signal

    def limit_file_size():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (100, 100))

    result = subprocess.run([sys.executable, "-m", "seqae", "baseline", "lead", str(tiny_corpus["articles"]),
                             "--words", "5", "-o", str(paths["out"])], cwd=ROOT, capture_output=True, text=True,
                            timeout=120, preexec_fn=limit_file_size)
    captured = types.SimpleNamespace(out=result.stdout, err=result.stderr)
    assert_one_line_error(captured, result.returncode, 1, [str(paths["out"]), "cannot write", "nothing was written"])
    assert_nothing_written(paths)
