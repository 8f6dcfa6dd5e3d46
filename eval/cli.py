"""`seqae evaluate` (corpus ROUGE with bootstrap CIs) and `seqae baseline` (extractive baselines).

Imports of the scoring code happen inside the handlers: rouge_score loads nltk, and building the
parser for any other subcommand should not pay for it.
"""

import json
import random
import sys

from seqae.data import baselines
from seqae.data.readers import MAX_BYTES, read_lines
from seqae.data.errors import DataError, UsageError
from seqae.data.io import atomic_open, check_not_an_input, check_output_path

_METRIC_NAMES = {"rouge1": "ROUGE-1", "rouge2": "ROUGE-2", "rougeL": "ROUGE-L", "rougeLsum": "ROUGE-Lsum"}
_BASELINES = ("lead", "prefix", "random", "content-lead", "content-lead-prepositions")
_BUDGET_METAVARS = {"words": "N", "bytes": "N", "ratio": "R"}
# Resamples of the confidence interval: far more than a stable 95% interval needs (1,000), and few enough that their
# means (9 floats a resample) and the time stay small; 1e9 grew past 2.6 GB.
MAX_BOOTSTRAP = 100_000


def register(subparsers) -> None:
    evaluate = subparsers.add_parser(
        "evaluate",
        help="ROUGE-1/2/L of a prediction file against reference files",
        description="ROUGE-1/2/L (Porter stemming) of PRED, one summary per line, against one or "
        "more aligned reference files, with 95% bootstrap confidence intervals. A line with a blank reference is "
        "left out and a blank prediction scores 0; both are counted in a note (and in --json).",
    )
    evaluate.add_argument("pred", metavar="PRED", help="predictions, one per line")
    evaluate.add_argument("refs", metavar="REF", nargs="+", help="references, aligned with PRED")
    evaluate.add_argument("--bytes", type=int, metavar="N", help="cut predictions to N bytes (ROUGE-1.5.5 -b)")
    evaluate.add_argument("--recall", action="store_true", help="report recall instead of F1")
    evaluate.add_argument(
        "--multi-ref", choices=("average", "best"), default="average",
        help="with several REF files: average the per-reference scores (default) or take the best",
    )
    evaluate.add_argument("--bootstrap", type=int, default=1000, metavar="N",
                          help=f"resamples for the CI (0: none; at most {MAX_BOOTSTRAP:,})")
    evaluate.add_argument("--seed", type=int, default=0, help="seed of the bootstrap resampling (0 or more)")
    evaluate.add_argument("--against", metavar="OTHER",
                          help="another system's predictions, aligned with PRED: report PRED minus OTHER, line by "
                               "line, with the paired bootstrap's interval (the same resampled lines for both)")
    evaluate.add_argument("--json", action="store_true", help="print a JSON object instead of a table")
    evaluate.add_argument("--max-bytes", type=int, default=MAX_BYTES, metavar="N",
                          help="the most bytes of each file: a larger one is refused with an error")
    evaluate.set_defaults(func=run_evaluate)

    baseline = subparsers.add_parser(
        "baseline",
        help="write an extractive baseline summary for each line of a file",
        description="One summary per input line: lead (--words or --bytes), prefix (--ratio), "
        "random (--words, order kept), content-lead (--words, function words dropped) or "
        "content-lead-prepositions (the same, keeping prepositions: what the warm start imitates).",
    )
    baseline.add_argument("kind", choices=_BASELINES, help="which baseline")
    baseline.add_argument("file", metavar="FILE", help="tokenized documents, one per line")
    budget = baseline.add_mutually_exclusive_group()
    budget.add_argument("--words", type=int, metavar="N", help="summary length in tokens")
    budget.add_argument("--bytes", type=int, metavar="N", help="summary length in UTF-8 bytes (lead only)")
    budget.add_argument("--ratio", type=float, metavar="R", help="fraction of the tokens, in (0, 1] (prefix only)")
    baseline.add_argument("-o", "--output", metavar="OUT", help="write here (atomically) instead of stdout")
    baseline.add_argument("--seed", type=int, default=0, help="seed for the random baseline")
    baseline.add_argument("--max-bytes", type=int, default=MAX_BYTES, metavar="N",
                          help="the most bytes of FILE: a larger one is refused with an error")
    baseline.set_defaults(func=run_baseline)


def run_evaluate(args) -> int:
    # numpy and rouge-score (0.14 s): `seqae --help` and every `seqae summarize` import this module to register it.
    from seqae.data.rouge import LineTooLong, line_percents, mean_and_interval, read_aligned

    if args.bytes is not None and args.bytes < 1:
        raise UsageError(f"--bytes must be positive, got {args.bytes}")
    if not 0 <= args.bootstrap <= MAX_BOOTSTRAP:
        raise UsageError(f"--bootstrap must be in [0, {MAX_BOOTSTRAP}], got {args.bootstrap}")
    if args.seed < 0:
        raise UsageError(f"--seed must be >= 0, got {args.seed}")
    check_max_bytes(args.max_bytes)
    predictions, references_list = read_aligned(args.pred, args.refs, args.max_bytes)
    other = None
    if args.against is not None:
        other, _ = read_aligned(args.against, args.refs, args.max_bytes)  # same line count as the references
    total = len(predictions)
    kept = lines_with_references(references_list)
    predictions, references_list = [predictions[i] for i in kept], [[refs[i] for i in kept] for refs in references_list]
    blank = total - len(kept)
    if not predictions:
        raise DataError(args.refs[0], "every line has a blank reference: nothing to score against")
    blank_predictions = sum(not prediction.strip() for prediction in predictions)
    measure = "r" if args.recall else "f"
    settings = dict(multi_ref=args.multi_ref, truncate_bytes=args.bytes, measure=measure)
    interval = dict(bootstrap=args.bootstrap, seed=args.seed)

    def percents(path, lines):
        try:
            return line_percents(lines, references_list, **settings)
        except LineTooLong as error:
            raise DataError(path, f"{error} (reference file {args.refs[error.reference_set]})") from None

    values = percents(args.pred, predictions)  # PRED is scored once, also when it is compared
    scores = mean_and_interval(values, **interval)
    differences = None
    if other is not None:
        differences = mean_and_interval(values - percents(args.against, [other[i] for i in kept]), **interval)
    if args.json:
        report = {
            "measure": "recall" if args.recall else "f1",
            "lines": total,
            "scored_lines": len(predictions),
            "blank_references_left_out": blank,
            "blank_predictions_scored_0": blank_predictions,
            "references": len(references_list),
            "multi_ref": args.multi_ref,
            "bytes": args.bytes,
            "bootstrap": args.bootstrap,
            "seed": args.seed,
            "scores": scores,
        }
        if differences is not None:
            report["against"] = {"file": args.against, "differences": differences}
        print(json.dumps(report, indent=2))
    else:
        print(_format_table(scores, "Recall" if args.recall else "F1"))
        if differences is not None:
            print(f"\n{args.pred} minus {args.against}, line by line (paired bootstrap):")
            print(_format_table(differences, "minus", signed=True))
    if blank or blank_predictions:
        print(f"seqae: note: {len(predictions)} of {total} lines scored; {blank} with a blank reference left out "
              f"(nothing to score against), {blank_predictions} blank prediction(s) scored 0", file=sys.stderr)
    return 0


def lines_with_references(references_list: list[list[str]]) -> list[int]:
    """The policy for blank lines: a line whose reference is blank (in any REF file) is left out, since nothing
    can be scored against it; a blank prediction is a summary that says nothing, and is scored (0). Returns the
    indices of the lines kept."""
    return [line for line in range(len(references_list[0])) if all(refs[line].strip() for refs in references_list)]


def _format_table(scores: dict, measure_name: str, signed: bool = False) -> str:
    number = "{:+.2f}" if signed else "{:.2f}"
    rows = [f"{'metric':<10} {measure_name:>6}  95% CI"]
    for metric, score in scores.items():
        interval = "-" if score["ci95"] is None else f"[{number}, {number}]".format(*score["ci95"])
        rows.append(f"{_METRIC_NAMES[metric]:<10} {number.format(score['mean']):>6}  {interval}")
    return "\n".join(rows)


def check_max_bytes(value: int) -> None:
    if value < 1:
        raise UsageError(f"--max-bytes must be at least 1, got {value}")


def run_baseline(args) -> int:
    summarize = _baseline_function(args)
    check_max_bytes(args.max_bytes)
    if args.output:
        # Fail on an unwritable output, or one that would replace the input, before reading the input.
        check_output_path(args.output)
        check_not_an_input(args.output, [args.file])
    summaries = [summarize(doc) for doc in read_lines(args.file, args.max_bytes)]
    if args.output:
        with atomic_open(args.output) as handle:
            handle.writelines(summary + "\n" for summary in summaries)
    else:
        sys.stdout.writelines(summary + "\n" for summary in summaries)
    return 0


def _baseline_function(args):
    """The document -> summary function that the kind and budget options ask for."""
    allowed = {"lead": ("words", "bytes"), "prefix": ("ratio",), "random": ("words",), "content-lead": ("words",),
               "content-lead-prepositions": ("words",)}
    given = [option for option in ("words", "bytes", "ratio") if getattr(args, option) is not None]
    if not given or given[0] not in allowed[args.kind]:
        options = " or ".join(f"--{option} {_BUDGET_METAVARS[option]}" for option in allowed[args.kind])
        raise UsageError(f"baseline {args.kind} needs {options}")
    option = given[0]
    value = getattr(args, option)
    if option == "ratio" and not 0 < value <= 1:
        raise UsageError(f"--ratio must be in (0, 1], got {value}")
    if option != "ratio" and value < 1:
        raise UsageError(f"--{option} must be positive, got {value}")

    if args.kind == "random":
        rng = random.Random(args.seed)
        return lambda doc: baselines.random_words(doc, value, rng)
    function = {
        ("lead", "words"): baselines.lead_words,
        ("lead", "bytes"): baselines.lead_bytes,
        ("prefix", "ratio"): baselines.prefix,
        ("content-lead", "words"): baselines.content_lead,
        ("content-lead-prepositions", "words"): baselines.content_lead_prepositions,
    }[args.kind, option]
    return lambda doc: function(doc, value)
