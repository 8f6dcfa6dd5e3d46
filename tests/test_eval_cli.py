"""`seqae evaluate` and `seqae baseline` through seqae.cli.main, including one-line errors."""

import json

import pytest

from seqae.cli import main


@pytest.fixture
def corpus(tmp_path):
    pred = tmp_path / "pred.txt"
    ref = tmp_path / "ref.txt"
    ref2 = tmp_path / "ref2.txt"
    pred.write_text("the cat sat\nthe dog ran\n")
    ref.write_text("the cat ran\nthe dog ran\n")
    ref2.write_text("a dog sat\nthe dog ran\n")
    return pred, ref, ref2


def assert_one_line_error(capsys, code, expected_code, *fragments):
    err = capsys.readouterr().err
    assert code == expected_code
    assert err.startswith("seqae: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    for fragment in fragments:
        assert str(fragment) in err


def test_evaluate_prints_table(corpus, capsys):
    pred, ref, _ = corpus
    assert main(["evaluate", str(pred), str(ref), "--bootstrap", "50"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:2] == ["metric", "F1"]
    # Line 1: R-1 2/3; line 2: 1 -> mean 83.33.
    assert lines[1].startswith("ROUGE-1") and "83.33" in lines[1]
    assert [line.split()[0] for line in lines[1:]] == ["ROUGE-1", "ROUGE-2", "ROUGE-L"]


def test_evaluate_json_recall_and_multi_reference(corpus, capsys):
    pred, ref, ref2 = corpus
    args = ["evaluate", str(pred), str(ref), str(ref2), "--json", "--recall", "--bootstrap", "0"]
    assert main(args + ["--multi-ref", "best"]) == 0
    best = json.loads(capsys.readouterr().out)
    assert main(args) == 0
    average = json.loads(capsys.readouterr().out)
    assert best["measure"] == "recall" and best["references"] == 2 and best["lines"] == 2
    # Line 1 recall against the two references: 2/3 and 1/3; line 2: 1 and 1.
    assert best["scores"]["rouge1"]["mean"] == pytest.approx(100 * (2 / 3 + 1) / 2)
    assert average["scores"]["rouge1"]["mean"] == pytest.approx(100 * (1 / 2 + 1) / 2)
    assert average["scores"]["rouge1"]["ci95"] is None


def test_evaluate_against_another_system_reports_the_paired_difference(corpus, tmp_path, capsys):
    pred, ref, _ = corpus
    other = tmp_path / "other.txt"
    other.write_text("the cat\nthe dog ran\n")  # line 1: R-1 F1 against "the cat ran" 0.8 (pred: 2/3); line 2 the same
    assert main(["evaluate", str(pred), str(ref), "--against", str(other), "--json", "--bootstrap", "200"]) == 0
    report = json.loads(capsys.readouterr().out)
    difference = report["against"]["differences"]["rouge1"]
    assert report["against"]["file"] == str(other)
    assert difference["mean"] == pytest.approx(100 * (2 / 3 - 0.8) / 2)
    # Paired: line 2 differs by 0 in every resample, so the interval spans only line 1's difference times 0..1.
    assert difference["ci95"][0] == pytest.approx(100 * (2 / 3 - 0.8)) and difference["ci95"][1] == pytest.approx(0)
    assert report["scores"]["rouge1"]["mean"] == pytest.approx(100 * (2 / 3 + 1) / 2)  # PRED's own, as without
    assert main(["evaluate", str(pred), str(ref), "--against", str(other), "--bootstrap", "0"]) == 0
    out = capsys.readouterr().out
    assert f"{pred} minus {other}" in out and "-6.67" in out
    short = tmp_path / "short.txt"
    short.write_text("one line\n")
    assert_one_line_error(capsys, main(["evaluate", str(pred), str(ref), "--against", str(short)]), 1, short, "has 1")


def test_evaluate_blank_lines_policy(tmp_path, capsys):
    """A blank reference leaves its line out, a blank prediction scores 0; both are counted and said."""
    pred, ref = tmp_path / "pred.txt", tmp_path / "ref.txt"
    pred.write_text("the cat sat\n\nsome words\n")
    ref.write_text("the cat sat\nthe dog ran\n\n")
    assert main(["evaluate", str(pred), str(ref), "--json", "--bootstrap", "0"]) == 0
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert report["lines"] == 3 and report["scored_lines"] == 2
    assert report["blank_references_left_out"] == 1 and report["blank_predictions_scored_0"] == 1
    assert report["scores"]["rouge1"]["mean"] == pytest.approx(50.0)  # 100 and 0
    assert "2 of 3 lines scored" in captured.err and "1 blank prediction(s) scored 0" in captured.err
    other = tmp_path / "other.txt"  # with two references, each line blank in one of them: nothing left
    ref.write_text("a\n\nb\n")
    other.write_text("\nc\n\n")
    assert_one_line_error(capsys, main(["evaluate", str(pred), str(ref), str(other)]), 1, ref, "blank reference")


def test_evaluate_bytes_truncates_predictions(corpus, capsys):
    pred, ref, _ = corpus
    assert main(["evaluate", str(pred), str(ref), "--bytes", "3", "--recall", "--json", "--bootstrap", "0"]) == 0
    # Each prediction keeps only "the": recall 1/3 on both lines.
    assert json.loads(capsys.readouterr().out)["scores"]["rouge1"]["mean"] == pytest.approx(100 / 3)


def test_evaluate_errors_name_the_file(corpus, tmp_path, capsys):
    pred, ref, _ = corpus
    missing = tmp_path / "missing.txt"
    assert_one_line_error(capsys, main(["evaluate", str(missing), str(ref)]), 1, missing, "no such file")

    empty = tmp_path / "empty.txt"
    empty.write_text("")
    assert_one_line_error(capsys, main(["evaluate", str(pred), str(empty)]), 1, empty, "is empty")

    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("café\n".encode("latin-1") * 2)
    assert_one_line_error(capsys, main(["evaluate", str(latin1), str(ref)]), 1, latin1, "byte offset 3")

    short = tmp_path / "short.txt"
    short.write_text("one line\n")
    assert_one_line_error(capsys, main(["evaluate", str(pred), str(short)]), 1, pred, short, "2 lines", "has 1")

    assert_one_line_error(capsys, main(["evaluate", str(pred), str(ref), "--bytes", "0"]), 2, "--bytes")


def test_baseline_writes_one_summary_per_line(tmp_path, capsys):
    docs = tmp_path / "docs.txt"
    docs.write_text("the police arrested five protesters on monday .\n\nthe ## killed in blast\n")
    assert main(["baseline", "lead", str(docs), "--words", "3"]) == 0
    assert capsys.readouterr().out == "the police arrested\n\nthe ## killed\n"

    out = tmp_path / "out.txt"
    assert main(["baseline", "content-lead", str(docs), "--words", "2", "-o", str(out)]) == 0
    assert out.read_text() == "police arrested\n\nkilled blast\n"

    assert main(["baseline", "prefix", str(docs), "--ratio", "0.5"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "the police arrested five"

    assert main(["baseline", "lead", str(docs), "--bytes", "10"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "the police"


def test_baseline_random_is_seeded(tmp_path, capsys):
    docs = tmp_path / "docs.txt"
    docs.write_text(" ".join(f"w{i}" for i in range(30)) + "\n")
    outputs = []
    for seed in ("1", "1", "2"):
        assert main(["baseline", "random", str(docs), "--words", "5", "--seed", seed]) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1] != outputs[2]
    assert len(outputs[0].split()) == 5


def test_baseline_errors(tmp_path, capsys):
    docs = tmp_path / "docs.txt"
    docs.write_text("a b c\n")
    missing_dir_out = tmp_path / "no" / "out.txt"
    code = main(["baseline", "lead", str(docs), "--words", "2", "-o", str(missing_dir_out)])
    assert_one_line_error(capsys, code, 1, missing_dir_out, "does not exist")
    assert not missing_dir_out.parent.exists()

    missing = tmp_path / "missing.txt"
    assert_one_line_error(capsys, main(["baseline", "lead", str(missing), "--words", "2"]), 1, missing)

    assert_one_line_error(capsys, main(["baseline", "prefix", str(docs), "--words", "2"]), 2, "--ratio R")
    assert_one_line_error(capsys, main(["baseline", "lead", str(docs)]), 2, "--words N or --bytes N")
    assert_one_line_error(capsys, main(["baseline", "prefix", str(docs), "--ratio", "1.5"]), 2, "--ratio")
