"""`seqae bench startup MODEL`: how long one `seqae summarize` call takes from the shell, start-up included.

Each case is summarized by a fresh `python -m seqae summarize MODEL FILE` process, `--runs` times per runtime
(after one untimed run that warms the file cache): the tagger's ONNX export (`--runtime onnx`, what `auto` picks
when the model has one) and the torch network (`--runtime torch`). Cases: one line in Gigaword's form, one line
of raw text (capitals, digits and punctuation: it goes through nltk's tokenizer), and a whole CNN/DailyMail
validation article of 600-800 words (document mode: Punkt, sentence ranking, 3 sentences). Printed and written
to the "startup" section of docs/RESULTS.md, with the machine's load average before and after, since a busy
machine slows every row.
"""

import gzip
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from seqae.data.errors import DataError, UsageError
from seqae.eval.pages import write_section

RAW_LINE = ("HARBOR CITY, Ore. (AP) — The City Council approved $42 million for a flood barrier on Monday after a "
            "heated debate, voting 5-2 to build the wall along the river by 2028.")
RUNTIMES = ("onnx", "torch")


def long_article(path: Path, low: int = 600, high: int = 800) -> str:
    """The first CNN/DailyMail validation article with `low` to `high` words."""
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            article = json.loads(line)["article"]
            if low <= len(article.split()) <= high:
                return article
    raise DataError(path, f"no article of {low}-{high} words")


def time_call(model: str, document: Path, runtime: str) -> float:
    """Seconds for one `seqae summarize` process, from start to exit."""
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "seqae", "summarize", model, str(document), "--runtime", runtime],
                            capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise UsageError(f"seqae summarize {model} {document} --runtime {runtime} failed: "
                         f"{result.stderr.strip().splitlines()[-1] if result.stderr.strip() else result.returncode}")
    return seconds


def render_markdown(results: dict) -> str:
    lines = ["## Start-up: one `seqae summarize` call", "",
             f"Written by `seqae bench startup` on {results['machine']}: a fresh `python -m seqae summarize "
             f"{results['model']} FILE --runtime R` process per call, {results['runs']} calls per row after one "
             "untimed call; wall time from start to exit. Load average before / after: "
             f"{results['load_before']} / {results['load_after']}.", "",
             "| input | runtime | median | min | max |", "| --- | --- | --- | --- | --- |"]
    for row in results["rows"]:
        lines.append(f"| {row['case']} | {row['runtime']} | {row['median_s']:.2f} s | {row['min_s']:.2f} s | "
                     f"{row['max_s']:.2f} s |")
    return "\n".join(lines)


def run_startup_bench(args) -> int:
    if args.runs < 1:
        raise UsageError("--runs must be at least 1")
    validation = Path(args.data) / "cnndm" / "val.jsonl.gz"
    gigaword = Path(args.data) / "gigaword" / "valid.article.txt"
    for path in (validation, gigaword):
        if not path.is_file():
            raise DataError(path, "does not exist (see --data)")
    with open(gigaword, encoding="utf-8") as handle:
        gigaword_line = next(line.strip() for line in handle if line.strip())
    cases = {"one line, Gigaword form": gigaword_line, "one line, raw text": RAW_LINE,
             "600-800-word article (document mode)": long_article(validation)}
    rows, load_before = [], [round(x, 2) for x in os.getloadavg()]
    with tempfile.TemporaryDirectory(prefix="seqae-startup-") as folder:
        for case, text in cases.items():
            document = Path(folder) / "document.txt"
            document.write_text(text + "\n", encoding="utf-8")
            for runtime in RUNTIMES:
                time_call(args.model, document, runtime)  # untimed: file cache and bytecode
                seconds = [time_call(args.model, document, runtime) for _ in range(args.runs)]
                row = {"case": case, "runtime": runtime, "median_s": round(statistics.median(seconds), 3),
                       "min_s": round(min(seconds), 3), "max_s": round(max(seconds), 3)}
                print(f"{case:40s} {runtime:6s} median {row['median_s']:.2f} s  min {row['min_s']:.2f} s  "
                      f"max {row['max_s']:.2f} s", flush=True)
                rows.append(row)
    results = {"model": args.model, "runs": args.runs, "rows": rows, "load_before": load_before,
               "load_after": [round(x, 2) for x in os.getloadavg()],
               "machine": f"{platform.machine()}, {len(os.sched_getaffinity(0))} CPU cores"}
    write_section(Path(args.docs), "startup", render_markdown(results), results)
    return 0


def register(names) -> None:
    bench = names.add_parser("startup", help="time whole `seqae summarize` calls, start-up included (ONNX vs torch)")
    bench.add_argument("model", help="a trained model directory (with generator/model.onnx: see `seqae export`)")
    bench.add_argument("--runs", type=int, default=7, help="timed calls per input and runtime")
    bench.add_argument("--data", default="../shared/data", help="the data folder (see its README)")
    bench.add_argument("--docs", default="docs", help="where RESULTS.md and results.json go")
    bench.set_defaults(func=run_startup_bench)
