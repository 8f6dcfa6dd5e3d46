"""`seqae bench gigaword`: train every system of the results table, select on dev, score on Gigaword test,
and write docs/RESULTS.md, docs/results.json and docs/learning_curve.png.

Rows, all on the same 1,951 test pairs with the same scorer (rouge-score F1, Porter stemming), each with its
mean length in words: Lead-8, Lead-N and the content-word lead at the full system's length, and for each
generator kind: warm start only, warm start + RL with the reconstruction reward only, with the discriminator
reward only, and the full system. Model selection (pseudo-summary scheme, checkpoint) uses the dev slice of
the train/valid pool only; the test set is read only to score the finished systems.
"""

import json
import platform
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from seqae.errors import UsageError
from seqae.io import atomic_write_text



def published_rows(benchmark: str = "gigaword") -> list[dict]:
    """Published reference numbers (eval/published.json), shown beside the measured rows."""
    import importlib.resources

    text = (importlib.resources.files("seqae.eval") / "published.json").read_text(encoding="utf-8")
    return json.loads(text)[benchmark]


def peak_rss_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def train(config_path: str, out: Path, overrides: list[str], resume: bool = False) -> float:
    """Run `seqae train` in a child process (its own peak memory, clean state); returns seconds taken."""
    command = [sys.executable, "-m", "seqae", "train", config_path, "--out", str(out), *overrides]
    if resume:
        command.append("--resume")
    started = time.perf_counter()
    result = subprocess.run(command, stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        raise UsageError(f"training {out} failed: {result.stderr.strip().splitlines()[-1] if result.stderr else ''}")
    return time.perf_counter() - started


def finished(run: Path, total_steps: int) -> bool:
    """A run of an earlier invocation that reached its last step (reused with --keep, not trained again)."""
    from seqae.checkpoint import list_checkpoints, load_trainer_state

    checkpoints = list_checkpoints(run)
    return bool(checkpoints) and (run / "model").is_dir() and \
        load_trainer_state(checkpoints[-1])["info"]["step"] >= total_steps


def metrics_rows(run: Path) -> list[dict]:
    path = run / "metrics.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def score(predictions: list[str], references: list[str], metrics=("rouge1", "rouge2", "rougeL")) -> dict:
    from seqae.eval.rouge import score_corpus

    scores = score_corpus(predictions, [references], metrics=metrics, bootstrap=1000)
    row = {m: round(v["mean"], 2) for m, v in scores.items()}
    row.update({f"{m}_ci95": [round(x, 2) for x in v["ci95"]] for m, v in scores.items()})
    lengths = [len(p.split()) for p in predictions]
    row["words"] = round(sum(lengths) / len(lengths), 2)
    row["no_repeat_pct"] = round(100 * sum(len(set(p.split())) == len(p.split()) for p in predictions)
                                 / len(predictions), 1)
    return row


def summarize_timed(model_dir: Path, documents: list[str], **kwargs) -> tuple[list[str], float]:
    from seqae.summarize import Summarizer

    summarizer = Summarizer(model_dir)
    summarizer(documents[:64], **kwargs)  # warm-up: first-call allocation is not throughput
    started = time.perf_counter()
    summaries = summarizer(documents, **kwargs)
    return summaries, len(documents) / (time.perf_counter() - started)


def choose_pseudo_target(config, words: int) -> tuple[str, dict]:
    """The warm-start pseudo-summary scheme with the best dev R-1 (dev only: never the test set)."""
    from seqae.data.corpus import load_corpus
    from seqae.data.heuristics import HEURISTICS, heuristic_summary

    corpus = load_corpus(config.data, config.seed)
    found = {}
    for target in HEURISTICS:
        predictions = [heuristic_summary(d, target, words, config.data.max_document_words) for d in corpus.dev_articles]
        found[target] = score(predictions, corpus.dev_references)["rouge1"]
    return max(found, key=found.get), found


def rl_time_breakdown(rows: list[dict]) -> dict:
    rl_rows = [r for r in rows if r.get("stage") == "rl" and "time_rollout" in r]
    keys = sorted({k for r in rl_rows for k in r if k.startswith("time_")})
    return {k: round(sum(r[k] for r in rl_rows if k in r) / len(rl_rows), 3) for k in keys} if rl_rows else {}


def plot_learning_curves(runs: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [("reward_reconstruction", "reconstruction reward"), ("reward_discriminator", "discriminator reward"),
              ("discriminator_accuracy", "D accuracy"), ("dev_rouge1", "dev R-1 (greedy)"),
              ("summary_words", "sampled summary words"), ("reward", "total reward")]
    figure, axes = plt.subplots(2, 3, figsize=(14, 7))
    for axis, (key, title) in zip(axes.flat, panels):
        for label, run in runs.items():
            points = [(r["step"], r[key]) for r in metrics_rows(run) if r.get(key) is not None]
            if points:
                axis.plot(*zip(*points), label=label, marker="." if key == "dev_rouge1" else None)
        axis.set_title(title)
        axis.set_xlabel("step")
    axes.flat[0].legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)


def run_gigaword_bench(args) -> int:
    from seqae.config import load_config
    from seqae.eval.baselines import content_word_lead, lead_words
    from seqae.eval.rouge import read_lines
    from seqae.checkpoint import copy_run

    bench_started = time.perf_counter()
    data = Path(args.data)
    args.test_articles = args.test_articles or str(data / "gigaword" / "test.article.txt")
    args.test_titles = args.test_titles or str(data / "gigaword" / "test.title.txt")
    args.cnndm = str(data / "cnndm" / "test.jsonl.gz") if args.cnndm is None else args.cnndm
    out, docs = Path(args.out), Path(args.docs)
    if out.exists() and not args.keep:
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    docs.mkdir(parents=True, exist_ok=True)
    test_articles, test_titles = read_lines(args.test_articles), read_lines(args.test_titles)
    config = load_config(args.config, args.overrides)
    words = config.decode.words
    results = {"config": args.config, "overrides": args.overrides, "machine": platform.processor() or platform.machine(),
               "python": platform.python_version(), "rows": [], "speed": {}, "selection": {}}

    target, dev_scores = choose_pseudo_target(config, words)
    results["selection"]["pseudo_target_dev_rouge1"] = dev_scores
    results["selection"]["pseudo_target"] = target
    print(f"bench: pseudo-summary scheme by dev R-1: {dev_scores} -> {target}", file=sys.stderr)

    budgets = {kind: {"warm": getattr(args, f"{kind}_warm_steps"), "rl": getattr(args, f"{kind}_rl_steps"),
                      "ablation": getattr(args, f"{kind}_ablation_steps")} for kind in ("extractive", "abstractive")}
    variants = [("full", []), ("reconstruction only", ["rl.discriminator_weight=0"]),
                ("discriminator only", ["rl.reconstruction_weight=0"])]
    curves = {}
    for kind in args.kinds:
        base = [*args.overrides, f"model.generator={kind}", f"warm_start.target={target}",
                *getattr(args, f"{kind}_overrides")]
        budget = budgets[kind]
        warm_dir = out / kind / "warm_start"
        warm_total = budget["warm"] + config.warm_start.discriminator_steps
        if not (args.keep and finished(warm_dir, warm_total)):
            seconds = train(args.config, warm_dir, [*base, f"warm_start.steps={budget['warm']}", "rl.steps=0"])
            results["speed"][f"{kind}_warm_start_steps_per_s"] = round(budget["warm"] / seconds, 3)
        runs = {"warm start only": (warm_dir, 0)}
        for name, extra in variants:
            steps = budget["rl"] if name == "full" else budget["ablation"]
            run_dir = out / kind / name.replace(" ", "_")
            started = time.perf_counter()
            if not (args.keep and finished(run_dir, warm_total + steps)):
                copy_run(warm_dir, run_dir)
                train(args.config, run_dir, [*base, f"warm_start.steps={budget['warm']}", f"rl.steps={steps}",
                                             *extra], resume=True)
                if name == "full":
                    results["speed"][f"{kind}_rl_steps_per_s"] = round(steps / (time.perf_counter() - started), 3)
            if name == "full":
                results["speed"][f"{kind}_rl_step_time_breakdown_s"] = rl_time_breakdown(metrics_rows(run_dir))
                curves[kind] = run_dir
            runs[name] = (run_dir, steps)
        for name, (run_dir, steps) in runs.items():
            summaries, per_second = summarize_timed(run_dir / "model", test_articles, words=words)
            row = {"system": f"seqae {kind}: {name}", "rl_steps": steps, **score(summaries, test_titles),
                   "summaries_per_s": round(per_second, 1)}
            results["rows"].append(row)
            print(f"bench: {row}", file=sys.stderr)
            if name == "full":
                (out / f"{kind}_test_summaries.txt").write_text("\n".join(summaries) + "\n", encoding="utf-8")
                results["speed"][f"{kind}_summaries_per_s_default"] = round(per_second, 1)
                if kind == "abstractive":
                    _, greedy = summarize_timed(run_dir / "model", test_articles, words=words, num_beams=1)
                    results["speed"]["abstractive_summaries_per_s_greedy"] = round(greedy, 1)

    full_rows = [r for r in results["rows"] if r["system"].endswith(": full")]
    length = round(max(r["words"] for r in full_rows)) if full_rows else words
    baselines = [("Lead-8", lead_words, 8), (f"Lead-{length}", lead_words, length)] + \
                [(f"content-word lead {n}", content_word_lead, n) for n in sorted({8, 10, 12, length})]
    results["rows"] = [{"system": name, **score([function(a, n) for a in test_articles], test_titles)}
                       for name, function, n in baselines] + results["rows"]

    if args.cnndm and full_rows:
        results["cnndm"] = cnndm_rows(Path(args.cnndm), out / args.kinds[0] / "full" / "model", args.cnndm_count)
    results["speed"]["peak_rss_mb"] = round(peak_rss_mb(), 1)
    results["bench_minutes"] = round((time.perf_counter() - bench_started) / 60, 1)
    atomic_write_text(docs / "results.json", json.dumps(results, indent=1) + "\n")
    if curves:
        plot_learning_curves(curves, docs / "learning_curve.png")
    atomic_write_text(docs / "RESULTS.md", render_markdown(results))
    print(f"bench: wrote {docs / 'RESULTS.md'} in {results['bench_minutes']} min", file=sys.stderr)
    return 0


def cnndm_rows(path: Path, model_dir: Path, count: int) -> list[dict]:
    """Document level: seqae on whole articles against the joined highlights, beside Lead-3 sentences."""
    import itertools

    from seqae.data.readers import read_texts
    from seqae.data.sentences import SentenceSplitter
    from seqae.summarize import Summarizer

    articles = list(itertools.islice(read_texts(path, field="article"), count))
    highlights = [" \n".join(h) if isinstance(h, list) else h for h in
                  itertools.islice(_highlights(path), count)]
    summarizer = Summarizer(model_dir)
    splitter = summarizer.splitter or SentenceSplitter.train(articles)
    metrics = ("rouge1", "rouge2", "rougeLsum")
    lead3 = ["\n".join(splitter.split(a)[:3]) for a in articles]
    rows = [{"system": "Lead-3 sentences", **score(lead3, highlights, metrics)}]
    for words in (10, 30):
        summaries = summarizer(articles, words=words)
        rows.append({"system": f"seqae ({words} words from the lead)", **score(summaries, highlights, metrics)})
    return rows


def _highlights(path: Path):
    import gzip

    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            yield json.loads(line)["highlights"]


def render_markdown(results: dict) -> str:
    lines = ["# seqae results", "",
             "Written by `seqae bench gigaword`: every number below comes from that one command "
             f"(config `{results['config']}`, overrides `{' '.join(results['overrides']) or 'none'}`, "
             f"{results['bench_minutes']} minutes on this machine, CPU only).", "",
             "## Gigaword test (1,951 pairs), ROUGE F1 with Porter stemming (rouge-score)", "",
             "| system | RL steps | R-1 | R-2 | R-L | words | no repeated word | summaries/s |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for row in results["rows"]:
        lines.append(f"| {row['system']} | {row.get('rl_steps', '-')} | {row['rouge1']:.2f} | {row['rouge2']:.2f} | "
                     f"{row['rougeL']:.2f} | {row['words']:.1f} | {row['no_repeat_pct']:.1f}% | "
                     f"{row.get('summaries_per_s', '-')} |")
    for row in published_rows():
        lines.append(f"| {row['system']} | - | {row['rouge1']:.2f} | {row['rouge2']:.2f} | {row['rougeL']:.2f} "
                     "| - | - | - |")
    lines += ["", "95% bootstrap intervals of every score are in results.json. Ablation rows (reconstruction "
              "only, discriminator only) use the shorter RL budget shown in their RL-steps column.", "",
              "Selection on the dev slice only: pseudo-summary scheme by dev R-1 "
              f"{results['selection']['pseudo_target_dev_rouge1']} -> `{results['selection']['pseudo_target']}`; "
              "each run keeps the checkpoint with the best dev R-1 (greedy) as its model.", "",
              "![learning curves](learning_curve.png)", "", "## Speed (2 CPU cores)", ""]
    for key, value in results["speed"].items():
        lines.append(f"- {key}: {value}")
    if results.get("cnndm"):
        lines += ["", "## CNN/DailyMail test, first articles, against the joined highlights (ROUGE-1/2/Lsum F1)", "",
                  "| system | R-1 | R-2 | R-Lsum | words |", "| --- | --- | --- | --- | --- |"]
        for row in results["cnndm"]:
            lines.append(f"| {row['system']} | {row['rouge1']:.2f} | {row['rouge2']:.2f} | {row['rougeLsum']:.2f} | "
                         f"{row['words']:.1f} |")
    return "\n".join(lines) + "\n"


def register(subparsers) -> None:
    bench = subparsers.add_parser("bench", help="benchmarks: `seqae bench gigaword` writes docs/RESULTS.md")
    bench.add_argument("name", choices=["gigaword"])
    bench.add_argument("overrides", nargs="*", metavar="KEY=VALUE", help="config overrides for every run")
    bench.add_argument("--config", default="configs/gigaword.yaml")
    bench.add_argument("--out", default="runs/bench")
    bench.add_argument("--docs", default="docs")
    bench.add_argument("--keep", action="store_true",
                       help="do not clear --out first, and reuse its finished runs instead of training them again "
                            "(their training speed is then not measured)")
    bench.add_argument("--kinds", nargs="+", default=["extractive", "abstractive"],
                       choices=["extractive", "abstractive"])
    bench.add_argument("--data", default="../shared/data", help="the data folder (see its README)")
    bench.add_argument("--test-articles", help="default: DATA/gigaword/test.article.txt")
    bench.add_argument("--test-titles", help="default: DATA/gigaword/test.title.txt")
    bench.add_argument("--cnndm", help="default: DATA/cnndm/test.jsonl.gz; '' to skip")
    bench.add_argument("--cnndm-count", type=int, default=1000)
    # Step budgets that fit the whole bench in about an hour on 2 CPU cores. An abstractive RL step samples
    # with generate() and costs ~3x an extractive one, so it gets half the documents per step.
    for kind, warm, rl, ablation, overrides in (("extractive", 250, 300, 100, []),
                                                ("abstractive", 200, 80, 30, ["rl.batch_size=16"])):
        bench.add_argument(f"--{kind}-warm-steps", type=int, default=warm)
        bench.add_argument(f"--{kind}-rl-steps", type=int, default=rl)
        bench.add_argument(f"--{kind}-ablation-steps", type=int, default=ablation)
        bench.add_argument(f"--{kind}-overrides", nargs="*", default=overrides, metavar="KEY=VALUE")
    bench.set_defaults(func=run_gigaword_bench)
