"""`seqae blind-reading make|score`: readers judge summaries without knowing which system wrote them.

A metric of readability earns its place by agreeing with readers, so readers come first:
- `make OUT --articles FILE --system NAME=FILE ...` samples `--items` lines (seeded), shuffles each line's
  candidates under letters, and writes OUT.items.json (articles and lettered candidates: all a reader sees)
  and OUT.key.json (which letter is which system: the reader must never see it);
- the reader (a person, or a helper session that sees only the items file) writes OUT.answers.json:
  [{"item": 1, "scores": {"A": {"readable": 1-5, "informative": 1-5}, ...}, "best": "A"}, ...];
- `score OUT` gives each system's mean scores and how often it was picked, the paired difference of every two
  systems over the items that rated both (mean, and a bootstrap 95% interval over items), and with `--measure NAME=FILE`
  (one number per line of the articles file, per system: `NAME` is the system) how often the measure orders two
  candidates of one item as the reader's readable score does, over the pairs neither the reader nor the measure
  tied.
"""

import itertools
import json
import random
import sys
from pathlib import Path

import numpy as np

from seqae.data.readers import read_lines
from seqae.data.rouge import bootstrap_ci
from seqae.data.errors import DataError, UsageError
from seqae.data.io import atomic_write_text

LETTERS = "ABCDEFGHIJ"
SCALES = ("readable", "informative")


def make_sheet(articles: list[str], systems: dict[str, list[str]], items: int, seed: int) -> tuple[list, list]:
    """(items for the reader, the key): `items` random lines, each system's candidate under a shuffled letter."""
    if not 2 <= len(systems) <= len(LETTERS):
        raise UsageError(f"blind reading needs 2 to {len(LETTERS)} systems, got {len(systems)}")
    for name, lines in systems.items():
        if len(lines) != len(articles):
            raise UsageError(f"system {name}: {len(lines)} lines for {len(articles)} articles")
    if not 1 <= items <= len(articles):
        raise UsageError(f"--items must be between 1 and the {len(articles)} articles, got {items}")
    rng = random.Random(seed)
    sheet, key = [], []
    for number, line in enumerate(sorted(rng.sample(range(len(articles)), items)), start=1):
        names = list(systems)
        rng.shuffle(names)
        letters = dict(zip(LETTERS, names))
        sheet.append({"item": number, "article": articles[line],
                      "candidates": {letter: systems[name][line] for letter, name in letters.items()}})
        key.append({"item": number, "line": line, "letters": letters})
    return sheet, key


def score_sheet(key: list[dict], answers: list[dict], measures: dict[str, list[float]] | None = None) -> dict:
    """Per system: mean readable and informative scores, picks as best, count; with `measures` (system -> one value
    per article line), the share of untied candidate pairs of an item that the measure orders as the reader did."""
    by_item = {entry["item"]: entry for entry in key}
    systems: dict[str, dict] = {}
    rated_by_item: list[dict[str, dict]] = []  # per answered item: system -> its scores
    agree = pairs = 0
    if not isinstance(answers, list):
        raise DataError("answers", "expected a JSON list of items")
    for answer in answers:
        entry = by_item.get(answer.get("item")) if isinstance(answer, dict) else None
        if entry is None or not isinstance(answer.get("scores"), dict) or set(answer["scores"]) != set(entry["letters"]):
            raise DataError("answers", f"item {answer.get('item') if isinstance(answer, dict) else answer!r}: "
                                       "not an item of this sheet, or its letters do not match it")
        for letter, scores in answer["scores"].items():
            if not isinstance(scores, dict) or not all(isinstance(scores.get(s), int) and 1 <= scores[s] <= 5
                                                       for s in SCALES):
                raise DataError("answers", f"item {answer['item']}, {letter}: expected readable and informative, "
                                           "integers 1-5")
            system = systems.setdefault(entry["letters"][letter], {**{s: [] for s in SCALES}, "best": 0})
            for scale in SCALES:
                system[scale].append(scores[scale])
        rated_by_item.append({entry["letters"][letter]: scores for letter, scores in answer["scores"].items()})
        if answer.get("best") in entry["letters"]:
            systems[entry["letters"][answer["best"]]]["best"] += 1
        if measures:
            rated = [(scores["readable"], measures[entry["letters"][letter]][entry["line"]])
                     for letter, scores in answer["scores"].items()]
            for i, (reader_i, measure_i) in enumerate(rated):
                for reader_j, measure_j in rated[i + 1:]:
                    if reader_i != reader_j and measure_i != measure_j:
                        pairs += 1
                        agree += (reader_i > reader_j) == (measure_i > measure_j)
    result = {"items": len(answers), "systems": {
        name: {**{scale: round(sum(v[scale]) / len(v[scale]), 2) for scale in SCALES}, "best": v["best"],
               "n": len(v["readable"])} for name, v in systems.items()}}
    result["differences"] = paired_differences(rated_by_item, list(systems))
    if measures:
        result["measure_agreement"] = {"pairs": pairs, "agree": round(agree / pairs, 3) if pairs else None}
    return result


def paired_differences(rated_by_item: list[dict[str, dict]], systems: list[str], seed: int = 0) -> dict:
    """For every two systems (in the order given), "a minus b": per scale, the mean over the items that rated both
    of a's score minus b's, with the bootstrap 95% interval over those items (None under two items)."""
    differences = {}
    for a, b in itertools.combinations(systems, 2):
        both = [item for item in rated_by_item if a in item and b in item]
        values = np.array([[item[a][scale] - item[b][scale] for scale in SCALES] for item in both], dtype=float)
        intervals = bootstrap_ci(values, seed=seed) if len(both) >= 2 else None
        differences[f"{a} minus {b}"] = {
            scale: {"mean": round(float(values[:, s].mean()), 2) if len(both) else None,
                    "ci95": None if intervals is None else [round(float(x), 2) for x in intervals[s]]}
            for s, scale in enumerate(SCALES)} | {"items": len(both)}
    return differences


def _read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DataError(path, f"cannot read JSON ({error})") from None


def _pairs(items: list[str], option: str) -> dict[str, Path]:
    pairs = {}
    for item in items or ():
        name, sep, path = item.partition("=")
        if not sep or not name or not path:
            raise UsageError(f"{option}: expected NAME=FILE, got {item!r}")
        pairs[name] = Path(path)
    return pairs


def read_measure(path: Path) -> list[float]:
    """One number a line (a blank line is an error: it would shift every later value)."""
    values = []
    for number, line in enumerate(read_lines(path), start=1):
        try:
            values.append(float(line))
        except ValueError:
            raise DataError(path, f"line {number}: {line[:40]!r} is not a number") from None
    return values


def run_make(args) -> int:
    for suffix in ("key", "answers"):
        if Path(f"{args.out}.{suffix}.json").exists():
            raise UsageError(f"{args.out}.{suffix}.json exists: a new sheet would be scored against answers to the "
                             "old one; choose another OUT")

    systems = {name: read_lines(path) for name, path in _pairs(args.system, "--system").items()}
    sheet, key = make_sheet(read_lines(args.articles), systems, args.items, args.seed)
    atomic_write_text(f"{args.out}.items.json", json.dumps(sheet, indent=1, ensure_ascii=False) + "\n")
    atomic_write_text(f"{args.out}.key.json", json.dumps(key, indent=1, ensure_ascii=False) + "\n")
    print(f"blind-reading: {args.out}.items.json for the reader ({len(sheet)} items), {args.out}.key.json kept "
          "from the reader", file=sys.stderr)
    return 0


def run_score(args) -> int:
    measures = {name: read_measure(path) for name, path in _pairs(args.measure, "--measure").items()}
    key = _read_json(Path(f"{args.out}.key.json"))
    if measures:
        for entry in key:
            for system in entry["letters"].values():
                if system not in measures:
                    raise UsageError(f"--measure: no values for system {system!r}")
                if entry["line"] >= len(measures[system]):
                    raise UsageError(f"--measure: {system}'s file has {len(measures[system])} lines, the sheet "
                                     f"reads line {entry['line'] + 1}")
    answers = Path(args.answers or f"{args.out}.answers.json")
    try:
        result = score_sheet(key, _read_json(answers), measures or None)
    except DataError as error:  # score_sheet names no file: the answers are the file it read
        raise DataError(answers, error.problem) from None
    print(json.dumps(result, indent=1))
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser("blind-reading", help="blind reading sheets for readers, and their scores",
                                   description=__doc__.split("\n\n")[0])
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION", parser_class=type(parser))
    make = actions.add_parser("make", help="write OUT.items.json (for the reader) and OUT.key.json (not)")
    make.add_argument("out", metavar="OUT", help="the sheet's path prefix")
    make.add_argument("--articles", required=True, help="the documents, one a line")
    make.add_argument("--system", nargs="+", required=True, metavar="NAME=FILE",
                      help="each system's summaries, aligned with --articles")
    make.add_argument("--items", type=int, default=40, help="lines sampled for the reader")
    make.add_argument("--seed", type=int, default=0, help="seeds the sample and the shuffles")
    make.set_defaults(func=run_make)
    score = actions.add_parser("score", help="each system's mean scores from OUT.key.json and the reader's answers")
    score.add_argument("out", metavar="OUT", help="the sheet's path prefix")
    score.add_argument("--answers", help="the reader's answers (default: OUT.answers.json)")
    score.add_argument("--measure", nargs="+", metavar="NAME=FILE",
                       help="per system, a measure's value for each article line: how often it agrees with the reader")
    score.set_defaults(func=run_score)
