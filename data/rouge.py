"""ROUGE-1/2/L scoring of a corpus, with Porter stemming (via `rouge_score`) and bootstrap CIs.

Scores follow the conventions of the summarization papers seqae compares with: per-line ROUGE
averaged over lines, several references either averaged or best-of, and ROUGE-1.5.5's `-b 75`
byte truncation of predictions for DUC-style recall. Also reads the aligned line files the
`seqae evaluate` command takes, with one-line errors that name the file.
"""

import functools
import re

import numpy as np

from seqae.data.baselines import truncate_utf8
from seqae.data.readers import MAX_BYTES, read_lines
from seqae.data.errors import DataError

METRICS = ("rouge1", "rouge2", "rougeL")
KNOWN_METRICS = METRICS + ("rougeLsum",)
MEASURES = ("p", "r", "f")  # the column order of rouge_score's Score(precision, recall, fmeasure)
MULTI_REF_MODES = ("average", "best")
# rouge_score's ROUGE-L fills a Python table of len(prediction) x len(reference) tokens: 10M cells take about
# 4 s and 100 MB per line; a pair of 1 MB lines would need 40 billion (hundreds of GB). Summaries are far
# below this; a line above it is a document passed by mistake.
MAX_LCS_CELLS = 10_000_000
_TOKEN = re.compile(r"[a-z0-9]+")


class LineTooLong(ValueError):
    """A prediction/reference pair too long for ROUGE-L's quadratic table."""

    def __init__(self, line: int, reference_set: int, prediction_tokens: int, reference_tokens: int):
        self.line, self.reference_set = line, reference_set
        self.prediction_tokens, self.reference_tokens = prediction_tokens, reference_tokens
        super().__init__(
            f"line {line + 1}: {prediction_tokens:,} prediction tokens against {reference_tokens:,} reference "
            f"tokens: too long for ROUGE-L (at most {MAX_LCS_CELLS:,} token pairs a line; summaries expected)"
        )


def count_tokens(text: str) -> int:
    """The number of tokens rouge_score's tokenizer makes of `text` (lowercased runs of [a-z0-9])."""
    return len(_TOKEN.findall(text.lower()))


def check_line_lengths(predictions, references_list) -> None:
    """Raise LineTooLong for the first line whose ROUGE-L table would exceed MAX_LCS_CELLS."""
    for line, prediction in enumerate(predictions):
        prediction_tokens = None
        for reference_set, references in enumerate(references_list):
            # Cheap bound first: a token holds at least one character.
            if len(prediction) * len(references[line]) <= MAX_LCS_CELLS:
                continue
            if prediction_tokens is None:
                prediction_tokens = count_tokens(prediction)
            reference_tokens = count_tokens(references[line])
            if prediction_tokens * reference_tokens > MAX_LCS_CELLS:
                raise LineTooLong(line, reference_set, prediction_tokens, reference_tokens)


def read_aligned(prediction_path, reference_paths, max_bytes: int = MAX_BYTES) -> tuple[list[str], list[list[str]]]:
    """Predictions and one list per reference file, checked to have the same number of lines."""
    predictions = read_lines(prediction_path, max_bytes)
    references_list = []
    for reference_path in reference_paths:
        references = read_lines(reference_path, max_bytes)
        if len(references) != len(predictions):
            raise DataError(
                prediction_path,
                f"has {len(predictions)} lines but {reference_path} has {len(references)}",
            )
        references_list.append(references)
    return predictions, references_list


@functools.lru_cache(maxsize=8)
def _scorer(metrics: tuple[str, ...]):
    # Imported here because rouge_score pulls in nltk (over a second), which `seqae baseline`
    # and `read_lines` callers should not pay for.
    from rouge_score import rouge_scorer

    return rouge_scorer.RougeScorer(list(metrics), use_stemmer=True)


def line_scores(
    predictions,
    references_list,
    *,
    metrics=METRICS,
    multi_ref: str = "average",
    truncate_bytes: int | None = None,
) -> dict[str, np.ndarray]:
    """Per-line scores: {metric: array (n_lines, 3)} with columns precision, recall, F1 in [0, 1].

    `references_list` holds one list of references per reference set, each aligned with
    `predictions`. For `rougeLsum`, sentences are separated by newlines inside a line's text.
    """
    metrics = tuple(metrics)
    _check_arguments(predictions, references_list, metrics, multi_ref, truncate_bytes)
    if truncate_bytes is not None:
        predictions = [truncate_utf8(prediction, truncate_bytes) for prediction in predictions]
    if any(metric.startswith("rougeL") for metric in metrics):
        check_line_lengths(predictions, references_list)
    scorer = _scorer(metrics)
    per_reference = np.empty((len(metrics), len(predictions), len(references_list), 3))
    for line, prediction in enumerate(predictions):
        for ref_set, references in enumerate(references_list):
            scores = scorer.score(references[line], prediction)
            for m, metric in enumerate(metrics):
                per_reference[m, line, ref_set] = scores[metric]
    if multi_ref == "average":
        combined = per_reference.mean(axis=2)
    else:
        # As rouge_score's score_multi: per metric, the reference with the highest F1 (first on
        # ties) supplies precision, recall and F1 together.
        best = per_reference[..., 2].argmax(axis=2)
        combined = np.take_along_axis(per_reference, best[..., None, None], axis=2)[:, :, 0]
    return {metric: combined[m] for m, metric in enumerate(metrics)}


def _check_arguments(predictions, references_list, metrics, multi_ref, truncate_bytes) -> None:
    if not predictions:
        raise ValueError("no predictions to score")
    if not references_list:
        raise ValueError("at least one reference set is needed")
    for references in references_list:
        if len(references) != len(predictions):
            raise ValueError(f"{len(predictions)} predictions but a reference set of {len(references)}")
    unknown = [metric for metric in metrics if metric not in KNOWN_METRICS]
    if unknown or not metrics:
        raise ValueError(f"metrics must be among {KNOWN_METRICS}, got {metrics}")
    if multi_ref not in MULTI_REF_MODES:
        raise ValueError(f"multi_ref must be one of {MULTI_REF_MODES}, got {multi_ref!r}")
    if truncate_bytes is not None and truncate_bytes < 1:
        raise ValueError(f"truncate_bytes must be positive, got {truncate_bytes}")


def bootstrap_ci(values, *, resamples: int = 1000, seed: int = 0, confidence: float = 0.95) -> np.ndarray:
    """Percentile bootstrap interval of the mean over lines (axis 0): shape values.shape[1:] + (2,).

    Columns of a 2-D `values` share the same resampled lines, so intervals of several metrics
    come from one paired resampling.
    """
    values = np.asarray(values, dtype=float)
    n_lines = len(values)
    rng = np.random.default_rng(seed)
    # Resample in blocks so the index matrix stays near 4M entries on large corpora.
    block = max(1, 4_000_000 // n_lines)
    means = []
    for start in range(0, resamples, block):
        rows = rng.integers(0, n_lines, size=(min(block, resamples - start), n_lines))
        means.append(values[rows].mean(axis=1))
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(np.concatenate(means), [tail, 100 - tail], axis=0)
    return np.stack([low, high], axis=-1)


def line_percents(predictions, references_list, *, metrics=METRICS, multi_ref: str = "average",
                  truncate_bytes: int | None = None, measure: str = "f") -> np.ndarray:
    """Per-line scores in percent, one column per metric: `measure` picks precision ("p"), recall ("r") or F1
    ("f")."""
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {MEASURES}, got {measure!r}")
    metrics = tuple(metrics)
    per_line = line_scores(predictions, references_list, metrics=metrics, multi_ref=multi_ref,
                           truncate_bytes=truncate_bytes)
    return 100 * np.stack([per_line[metric][:, MEASURES.index(measure)] for metric in metrics], axis=1)


def mean_and_interval(values: np.ndarray, metrics=METRICS, *, bootstrap: int = 1000, seed: int = 0) -> dict[str, dict]:
    """{metric: {"mean": float, "ci95": (low, high) or None}} of per-line `values` (one column per metric):
    `bootstrap` resamples of the lines for the 95% interval (0 for none), drawn with `seed`; the columns share
    them."""
    if bootstrap < 0:
        raise ValueError(f"bootstrap must be >= 0, got {bootstrap}")
    intervals = bootstrap_ci(values, resamples=bootstrap, seed=seed) if bootstrap else None
    return {
        metric: {
            "mean": float(values[:, m].mean()),
            "ci95": None if intervals is None else (float(intervals[m, 0]), float(intervals[m, 1])),
        }
        for m, metric in enumerate(metrics)
    }


def score_corpus(
    predictions,
    references_list,
    *,
    metrics=METRICS,
    multi_ref: str = "average",
    truncate_bytes: int | None = None,
    measure: str = "f",
    bootstrap: int = 1000,
    seed: int = 0,
    against=None,
) -> dict[str, dict]:
    """Corpus ROUGE in percent: {metric: {"mean": float, "ci95": (low, high) or None}}.

    `measure` picks precision ("p"), recall ("r") or F1 ("f"); `bootstrap` is the number of
    resamples for the 95% interval (0 for none), drawn with `seed`. `against`: another system's
    predictions on the same lines; then the scores are `predictions` minus `against`, line by line,
    and the interval is the paired bootstrap's (the same resampled lines for both systems).
    """
    settings = dict(metrics=tuple(metrics), multi_ref=multi_ref, truncate_bytes=truncate_bytes, measure=measure)
    values = line_percents(predictions, references_list, **settings)
    if against is not None:
        values = values - line_percents(against, references_list, **settings)
    return mean_and_interval(values, tuple(metrics), bootstrap=bootstrap, seed=seed)


def paired_difference(predictions_a, predictions_b, references, *, metric: str = "rouge1", bootstrap: int = 1000,
                      seed: int = 0) -> dict:
    """Mean per-line F1 of system a minus system b on the same references, in points, with the paired
    bootstrap 95% interval of that difference (the same resampled lines for both systems)."""
    return score_corpus(predictions_a, [references], metrics=(metric,), bootstrap=bootstrap, seed=seed,
                        against=predictions_b)[metric]


def bench_row(predictions: list[str], references: list[str], metrics=("rouge1", "rouge2", "rougeL")) -> dict:
    """One row of a bench table: each metric's mean and 95% interval (rounded), the mean length in words and the
    share of summaries that repeat no word."""
    scores = score_corpus(predictions, [references], metrics=metrics, bootstrap=1000)
    row = {m: round(v["mean"], 2) for m, v in scores.items()}
    row.update({f"{m}_ci95": [round(x, 2) for x in v["ci95"]] for m, v in scores.items()})
    lengths = [len(p.split()) for p in predictions]
    row["words"] = round(sum(lengths) / len(lengths), 2)
    row["no_repeat_pct"] = round(100 * sum(len(set(p.split())) == len(p.split()) for p in predictions)
                                 / len(predictions), 1)
    return row
