"""Peak memory and speed of `seqae summarize --per-line` on a large synthetic input (streamed: memory stays flat).

    python -m seqae.eval.stream_bench MODEL_DIR [--lines 100000] [--batch-size N] [--small-lines 1000] [--json]

Writes `--lines` one-line synthetic documents (random words of a small news vocabulary, 10-40 words with
sentence ends; every 1000th line is 2,000 words long, far past any model's input length) to a temporary
directory, runs `python -m seqae summarize MODEL_DIR --per-line INPUT -o OUTPUT` in a child process and reports
its peak RSS (resource.getrusage(RUSAGE_CHILDREN).ru_maxrss, read after the child has been waited for) and
summaries per second. The same command on `--small-lines` lines runs first, in its own child, so that the
memory the large input adds can be told apart from what torch and the model take (0 skips it). The output is
checked to hold one summary per input line.
"""

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORDS = ("police government minister president talks army rebels city market prices oil bank shares rise fall "
         "fire storm flood court trial judge vote election party leader union strike workers company profit "
         "report says said on tuesday wednesday in of the a to for with after").split()


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m seqae.eval.stream_bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("model", metavar="MODEL_DIR", help="a trained model or run directory")
    parser.add_argument("--lines", type=int, default=100_000, help="documents in the large input")
    parser.add_argument("--small-lines", type=int, default=1000, help="documents in the comparison run (0: none)")
    parser.add_argument("--long-every", type=int, default=1000, help="every N-th line is 2,000 words (0: none)")
    parser.add_argument("--batch-size", type=int, help="passed to seqae summarize (default: the model's)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", metavar="DIR", help="write input and output here instead of a temporary directory")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    return parser.parse_args(argv)


def write_input(path: Path, lines: int, long_every: int, seed: int) -> int:
    """Write `lines` synthetic documents; returns the size in bytes."""
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as handle:
        for index in range(1, lines + 1):
            count = 2000 if long_every and index % long_every == 0 else rng.randint(10, 40)
            words = [rng.choice(WORDS) for _ in range(count)]
            for position in range(rng.randint(8, 20), count, rng.randint(8, 20)):
                words[position] += " ."
            handle.write(" ".join(words) + "\n")
    return path.stat().st_size


def run_summarize(model: str, source: Path, output: Path, batch_size: int | None) -> dict:
    """One `seqae summarize --per-line` child: wall time, its peak RSS and the output line count."""
    command = [sys.executable, "-m", "seqae", "summarize", model, str(source), "--per-line", "-o", str(output)]
    if batch_size:
        command += ["--batch-size", str(batch_size)]
    with tempfile.TemporaryFile() as stderr:
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr)
        _, status, usage = os.wait4(child.pid, 0)  # this child's own rusage, whatever ran before it
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        stderr.seek(0)
        message = stderr.read().decode("utf-8", "replace").strip()
    if child.returncode != 0:
        raise SystemExit(f"stream_bench: seqae summarize failed (exit {child.returncode}): {message[-2000:]}")
    with open(output, "rb") as handle:
        summaries = sum(1 for _ in handle)
    return {"seconds": seconds, "peak_rss_mb": usage.ru_maxrss / 1024, "summaries": summaries}


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.lines < 1:
        raise SystemExit("stream_bench: --lines must be at least 1")
    with tempfile.TemporaryDirectory(prefix="seqae-stream-") as scratch:
        directory = Path(args.keep or scratch)
        directory.mkdir(parents=True, exist_ok=True)
        results = {"model": args.model, "batch_size": args.batch_size}
        if args.small_lines:
            small = directory / "small.txt"
            write_input(small, args.small_lines, args.long_every, args.seed)
            results["small"] = {"lines": args.small_lines,
                                **run_summarize(args.model, small, directory / "small.summaries.txt", args.batch_size)}
        large = directory / "large.txt"
        input_bytes = write_input(large, args.lines, args.long_every, args.seed + 1)
        run = run_summarize(args.model, large, directory / "large.summaries.txt", args.batch_size)
        # The largest RSS of any waited-for child: the large run's, unless the small run peaked higher.
        run["rusage_children_max_rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        results["large"] = {"lines": args.lines, "input_mb": input_bytes / 2**20, **run}
        if run["summaries"] != args.lines:
            raise SystemExit(f"stream_bench: {args.lines} input lines but {run['summaries']} summaries")
    if args.json:
        print(json.dumps(results, indent=1))
        return 0
    print(f"{'input':<10} {'lines':>8} {'MB in':>7} {'peak RSS MB':>12} {'seconds':>8} {'summaries/s':>12}")
    for name in ("small", "large"):
        if name in results:
            row = results[name]
            size = f"{row['input_mb']:.1f}" if "input_mb" in row else "-"
            print(f"{name:<10} {row['lines']:>8} {size:>7} {row['peak_rss_mb']:>12.0f} {row['seconds']:>8.1f} "
                  f"{row['summaries'] / row['seconds']:>12.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
