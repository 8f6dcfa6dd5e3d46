"""ROUGE scoring against hand-computed cases and rouge_score itself; file reading errors."""

import random

import numpy as np
import pytest
from rouge_score import rouge_scorer

from seqae.data.errors import DataError
from seqae.data.rouge import bootstrap_ci, line_scores, read_aligned, read_lines, score_corpus


def means(predictions, references_list, **options):
    scores = score_corpus(predictions, references_list, bootstrap=0, **options)
    return {metric: score["mean"] for metric, score in scores.items()}


def test_hand_computed_single_reference():
    scores = line_scores(["the cat sat"], [["the cat ran"]])
    # ROUGE-1: 2 of 3 unigrams; ROUGE-2: 1 of 2 bigrams; ROUGE-L: LCS "the cat" = 2 of 3.
    np.testing.assert_allclose(scores["rouge1"][0], [2 / 3, 2 / 3, 2 / 3])
    np.testing.assert_allclose(scores["rouge2"][0], [1 / 2, 1 / 2, 1 / 2])
    np.testing.assert_allclose(scores["rougeL"][0], [2 / 3, 2 / 3, 2 / 3])
    assert means(["the cat sat"], [["the cat ran"]]) == pytest.approx(
        {"rouge1": 200 / 3, "rouge2": 50.0, "rougeL": 200 / 3}
    )


def test_porter_stemming_is_on():
    assert means(["cats running"], [["cat runs"]])["rouge1"] == pytest.approx(100.0)


def test_precision_recall_and_f1_differ_for_unequal_lengths():
    # "the cat" vs "the cat sat on the mat": P = 2/2, R = 2/6, F = 2PR/(P+R) = 1/2.
    args = (["the cat"], [["the cat sat on the mat"]])
    assert means(*args, measure="p")["rouge1"] == pytest.approx(100.0)
    assert means(*args, measure="r")["rouge1"] == pytest.approx(100 / 3)
    assert means(*args, measure="f")["rouge1"] == pytest.approx(50.0)


def test_multi_reference_average_and_best():
    predictions = ["the cat sat"]
    references_list = [["the cat ran"], ["a dog sat"]]
    # Against "the cat ran": R-1 2/3, R-2 1/2; against "a dog sat": R-1 1/3, R-2 0.
    average = means(predictions, references_list, multi_ref="average")
    best = means(predictions, references_list, multi_ref="best")
    assert average["rouge1"] == pytest.approx(50.0)
    assert average["rouge2"] == pytest.approx(25.0)
    assert best["rouge1"] == pytest.approx(200 / 3)
    assert best["rouge2"] == pytest.approx(50.0)


def test_best_reference_supplies_precision_and_recall_together():
    # "the cat": P 2/3, R 1, F 0.8; "the cat sat on the mat": P 1, R 1/2, F 2/3 -> "the cat" wins.
    scores = line_scores(["the cat sat"], [["the cat"], ["the cat sat on the mat"]], multi_ref="best")
    np.testing.assert_allclose(scores["rouge1"][0], [2 / 3, 1.0, 0.8])


def random_corpus(seed, lines=40, references=3):
    rng = random.Random(seed)
    vocabulary = "the cat dogs sat running ran on a mat mats police arrested protesters vessel".split()

    def sentence():
        return " ".join(rng.choice(vocabulary) for _ in range(rng.randint(0, 12)))

    predictions = [sentence() for _ in range(lines)]
    return predictions, [[sentence() for _ in range(lines)] for _ in range(references)]


def test_matches_rouge_score_on_random_sentences():
    predictions, references_list = random_corpus(seed=1)
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    single = line_scores(predictions, references_list[:1])
    best = line_scores(predictions, references_list, multi_ref="best")
    for line, prediction in enumerate(predictions):
        expected_single = scorer.score(references_list[0][line], prediction)
        expected_best = scorer.score_multi([refs[line] for refs in references_list], prediction)
        for metric in ("rouge1", "rouge2", "rougeL"):
            np.testing.assert_allclose(single[metric][line], expected_single[metric])
            np.testing.assert_allclose(best[metric][line], expected_best[metric])


def test_rouge_lsum_uses_newline_separated_sentences():
    scores = means(["a b\nc d"], [["c d\na b"]], metrics=("rougeL", "rougeLsum"))
    assert scores["rougeL"] == pytest.approx(50.0)  # LCS over the flat token lists is 2 of 4
    assert scores["rougeLsum"] == pytest.approx(100.0)  # each sentence matches one sentence


def test_truncate_bytes_cuts_predictions_only():
    # 7 bytes keep "the cat" of the prediction; the reference stays whole.
    recall = means(["the cat sat"], [["the cat sat"]], truncate_bytes=7, measure="r")
    assert recall["rouge1"] == pytest.approx(200 / 3)


def test_truncate_bytes_never_splits_a_character():
    # "é" is two bytes: 4 bytes end inside it, so it is dropped rather than half-kept.
    assert means(["café bar"], [["caf"]], truncate_bytes=4)["rouge1"] == pytest.approx(100.0)
    assert means(["café bar"], [["café"]], truncate_bytes=5)["rouge1"] == pytest.approx(100.0)


def test_bootstrap_interval_contains_mean_and_is_seeded():
    predictions, references_list = random_corpus(seed=2, lines=60, references=1)
    first = score_corpus(predictions, references_list, bootstrap=200, seed=7)
    again = score_corpus(predictions, references_list, bootstrap=200, seed=7)
    other = score_corpus(predictions, references_list, bootstrap=200, seed=8)
    assert first == again
    assert first != other
    for score in first.values():
        low, high = score["ci95"]
        assert low < score["mean"] < high


def test_bootstrap_of_constant_values_is_degenerate():
    np.testing.assert_allclose(bootstrap_ci(np.full((5, 2), 3.0), resamples=50), [[3.0, 3.0], [3.0, 3.0]])


def test_invalid_arguments_raise_value_error():
    with pytest.raises(ValueError, match="measure"):
        score_corpus(["a"], [["a"]], measure="x")
    with pytest.raises(ValueError, match="multi_ref"):
        score_corpus(["a"], [["a"]], multi_ref="max")
    with pytest.raises(ValueError, match="metrics"):
        score_corpus(["a"], [["a"]], metrics=("rouge3",))
    with pytest.raises(ValueError, match="reference set"):
        score_corpus(["a", "b"], [["a"]])


def test_read_lines_keeps_empty_lines_and_strips_line_ends(tmp_path):
    path = tmp_path / "pred.txt"
    path.write_bytes(b"one\r\n\ntwo\x0bthree\nlast")
    assert read_lines(path) == ["one", "", "two\x0bthree", "last"]


@pytest.mark.parametrize(
    "content, problem",
    [
        (None, "no such file"),
        (b"", "is empty"),
        (b" \n\n", "contains only whitespace"),
        (b"ok\nbad \xff byte\n", "not valid UTF-8 (byte offset 7, line 2)"),
    ],
)
def test_read_lines_errors_name_the_file(tmp_path, content, problem):
    path = tmp_path / "pred.txt"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(DataError) as raised:
        read_lines(path)
    assert str(raised.value) == f"{path}: {problem}"


def test_read_lines_rejects_a_directory(tmp_path):
    with pytest.raises(DataError, match="is a directory"):
        read_lines(tmp_path)


def test_read_aligned_reports_both_files_and_counts(tmp_path):
    pred, ref = tmp_path / "pred.txt", tmp_path / "ref.txt"
    pred.write_text("a\nb\nc\n")
    ref.write_text("a\nb\n")
    with pytest.raises(DataError) as raised:
        read_aligned(pred, [ref])
    assert str(raised.value) == f"{pred}: has 3 lines but {ref} has 2"


def test_paired_difference_of_a_system_with_itself_is_zero_and_a_better_one_is_positive():
    from seqae.data.rouge import paired_difference

    references = ["police arrest five protesters", "oil prices rise", "storm hits coast"]
    same = paired_difference(references, references, references, bootstrap=200)
    assert same["mean"] == 0 and same["ci95"] == (0.0, 0.0)
    worse = ["police said", "prices", "the coast"]
    better = paired_difference(references, worse, references, bootstrap=200)
    assert better["mean"] > 0 and better["ci95"][0] > 0
