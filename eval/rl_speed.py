"""Seconds per RL step: our plain REINFORCE/GRPO loop (`seqae.rl.loop.rl_step`) against trl's GRPOTrainer.

    python -m seqae.eval.rl_speed [--articles PATH] [--steps N] [--json]

Both runs train the same abstractive generator (the sizes of configs/gigaword.yaml with
model.generator=abstractive, copied from one initialization) on Gigaword valid articles, with the same reward
terms as the trainer (`seqae.rl.rewards.build_rewards`: reconstruction and discriminator, each training its own
copy of R or D on the step's samples, plus length and repetition), the same prompts per step, group size and completion length. The first
`--warmup` steps of each run are not counted. Times are wall-clock: for our loop around each `rl_step` call (its
own timers are kept in `loop_timers`), for trl from a TrainerCallback's step begin to step end (trl's own
`step_time` metric, which leaves out the optimizer step, is reported beside it); the process's CPU time is
reported too, as the machine may be shared. Each step is broken down the same way for both: generation (the
model's generate(), or trl's `_generate_single_turn`), each reward term, and the rest (log-prob forward,
advantages, backward, optimizer step). Paths are relative to the project root, as in the configs.
"""

import argparse
import copy
import dataclasses
import functools
import json
import statistics
import sys
import tempfile
import time

import torch
from accelerate import Accelerator

from seqae.core.config import load_config
from seqae.data.corpus import batch_documents
from seqae.data.tokenizer import WordCodec, build_word_tokenizer
from seqae.core.generators import AbstractiveGenerator
from seqae.core.models import build_discriminator, build_reconstructor
from seqae.core.optim import NonFiniteStep
from seqae.rl.loop import rl_step
from seqae.rl.rewards import DiscriminatorReward, ReconstructionReward, build_rewards

DATA = "../shared/data/gigaword"  # the default of every path argument


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m seqae.eval.rl_speed", description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", default="configs/gigaword.yaml", help="model sizes and RL settings")
    parser.add_argument("--articles", default=f"{DATA}/valid.article.txt", help="documents, one per line")
    parser.add_argument("--titles", default=f"{DATA}/valid.title.txt",
                        help="human summaries for D, one per line (a part disjoint from the articles' lines is used)")
    parser.add_argument("--counts", nargs="+", default=[f"{DATA}/train.article.dict", f"{DATA}/train.title.dict"],
                        help="word-count files for the vocabulary")
    parser.add_argument("--vocab-size", type=int, default=16000)
    parser.add_argument("--num-articles", type=int, default=3000, help="the first N articles are the prompts")
    parser.add_argument("--steps", type=int, default=6, help="timed steps per run")
    parser.add_argument("--warmup", type=int, default=2, help="untimed steps before them")
    parser.add_argument("--prompts", type=int, default=16, help="documents per step")
    parser.add_argument("--group-size", type=int, default=4, help="completions per document")
    parser.add_argument("--max-new-tokens", type=int, default=16)
    parser.add_argument("--loss-type", default="dr_grpo", help="trl's loss_type (dr_grpo: sum over tokens, like ours)")
    parser.add_argument("--rounds", type=int, default=1, help="alternate the two runs this many times")
    parser.add_argument("--only", choices=("ours", "trl"), help="time one of the two only")
    parser.add_argument("--threads", type=int, help="torch threads (default: torch's own choice)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    return parser.parse_args(argv)


def read_lines(path, start: int, count: int) -> list[str]:
    lines = []
    with open(path, encoding="utf-8") as handle:
        for index, line in enumerate(handle):
            if index >= start + count:
                break
            if index >= start and line.strip():
                lines.append(line.strip())
    return lines


class Setup:
    """The models (one initialization, copied for each run), the data and the settings both runs share."""

    def __init__(self, args):
        self.args = args
        # The auto-encoder's reward and the group-relative update: the step trl's GRPOTrainer also takes.
        self.config = load_config(args.config, [
            "model.generator=abstractive", "distill.documents=0", "rl.update=group_relative", "rl.word_prior_weight=0",
            "rl.similarity_weight=0", "rl.reconstruction_weight=1", "rl.discriminator_weight=0.5"])
        self.tokenizer = build_word_tokenizer(counts_path=list(args.counts), vocab_size=args.vocab_size)
        self.codec = WordCodec.from_tokenizer(self.tokenizer)
        torch.manual_seed(args.seed)
        self.models = {
            "generator": AbstractiveGenerator.build(self.config.model, self.tokenizer, self.codec,
                                                    self.config.data.max_document_words).model,
            "reconstructor": build_reconstructor(self.config.model, self.tokenizer),
            "discriminator": build_discriminator(self.config.model, self.tokenizer),
        }
        self.articles = read_lines(args.articles, 0, args.num_articles)
        # Titles from lines after the articles': D never sees the title of an article it is shown.
        self.human = read_lines(args.titles, args.num_articles, args.num_articles)
        if len(self.articles) < args.prompts or not self.human:
            raise SystemExit(f"not enough data: {len(self.articles)} articles, {len(self.human)} titles")

    def fresh(self, accelerator):
        """Copies of G, R and D, R's and D's optimizers, and the rewards built as the trainer builds them."""
        rl, max_words = self.config.rl, self.config.data.max_document_words
        models = {name: copy.deepcopy(model) for name, model in self.models.items()}
        r_optimizer = torch.optim.AdamW(models["reconstructor"].parameters(), lr=rl.reconstructor_lr)
        d_optimizer = torch.optim.AdamW(models["discriminator"].parameters(), lr=rl.discriminator_lr)
        reconstructor, discriminator, r_optimizer, d_optimizer = accelerator.prepare(
            models["reconstructor"], models["discriminator"], r_optimizer, d_optimizer)
        rewards = build_rewards(rl, ReconstructionReward(reconstructor, self.codec, r_optimizer, accelerator, max_words),
                                DiscriminatorReward(discriminator, self.codec, d_optimizer, accelerator, self.human),
                                device=accelerator.device)
        return models["generator"], rewards


def summarize(seconds: list[float]) -> dict:
    if not seconds:
        raise SystemExit("no step was timed")
    return {"s_per_step": statistics.mean(seconds), "median": statistics.median(seconds),
            "min": min(seconds), "max": max(seconds), "steps": len(seconds)}


def time_method(owner, name: str) -> list[float]:
    """Record the wall-clock seconds of each call of `owner.name` (nothing if it has no such method)."""
    durations = []
    method = getattr(owner, name, None)
    if method is None:
        return durations

    @functools.wraps(method)
    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            durations.append(time.perf_counter() - started)

    setattr(owner, name, timed)
    return durations


def time_ours(setup: Setup) -> dict:
    args = setup.args
    rl = dataclasses.replace(setup.config.rl, group_size=args.group_size, max_new_tokens=args.max_new_tokens)
    accelerator = Accelerator(cpu=True)
    model, rewards = setup.fresh(accelerator)
    optimizer = torch.optim.AdamW(model.parameters(), lr=rl.lr)
    model, optimizer = accelerator.prepare(model, optimizer)
    generator = AbstractiveGenerator(model, setup.codec, setup.config.data.max_document_words)
    generation = time_method(generator.module, "generate")
    seconds, cpu_seconds, generate_seconds, parts, skipped, row = [], [], [], {}, 0, {}
    for step in range(args.warmup + args.steps):
        torch.manual_seed(args.seed * 1_000_003 + step)
        documents = batch_documents(setup.articles, args.prompts, step, args.seed)
        started, cpu_started, calls = time.perf_counter(), time.process_time(), len(generation)
        try:
            row, _ = rl_step(generator, optimizer, accelerator, documents, rewards, rl)
        except NonFiniteStep:  # the step did its sampling and scoring but no update: not timed
            skipped += 1
            continue
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        if step >= args.warmup:
            seconds.append(elapsed)
            cpu_seconds.append(cpu)
            generate_seconds.append(sum(generation[calls:]))
            for key, value in row.items():
                if key.startswith("time_"):
                    parts.setdefault(key[5:], []).append(value)
    result = summarize(seconds)
    result["cpu_s_per_step"] = statistics.mean(cpu_seconds)
    result["loop_timers"] = {key: statistics.mean(values) for key, values in parts.items()}
    result["parts"] = {key: value for key, value in result["loop_timers"].items() if key.startswith("reward_")}
    if generation:
        result["parts"]["generate"] = statistics.mean(generate_seconds)
        # What is left of a step: the log-prob forward, advantages, backward, clipping and the optimizer step.
        result["parts"]["rest"] = result["s_per_step"] - sum(result["parts"].values())
    result["summary_words"] = row.get("summary_words")
    result["skipped_steps"] = skipped
    return result


def time_trl(setup: Setup) -> dict:
    from seqae.rl.trl_grpo import build_grpo_trainer  # trl takes seconds to import: --only ours goes without

    args, rl = setup.args, setup.config.rl
    accelerator = Accelerator(cpu=True)
    generator, rewards = setup.fresh(accelerator)
    with tempfile.TemporaryDirectory(prefix="rl_speed_trl_") as out_dir:
        trainer = build_grpo_trainer(
            generator, setup.tokenizer, setup.articles, rewards.terms, rewards.weights, group_size=args.group_size,
            prompts_per_step=args.prompts, max_new_tokens=args.max_new_tokens, lr=rl.lr,
            steps=args.warmup + args.steps, out_dir=out_dir, seed=args.seed,
            max_words=setup.config.data.max_document_words, loss_type=args.loss_type)
        generation = time_method(trainer, "_generate_single_turn")  # trl internals: breakdown only
        trainer.train()
    timer = trainer.step_timer
    seconds = timer.step_seconds[args.warmup:]
    result = summarize(seconds)
    result["cpu_s_per_step"] = statistics.mean(timer.cpu_seconds[args.warmup:])
    step_logs = [log for log in timer.logs if "step_time" in log][args.warmup:]
    if step_logs:
        result["trl_step_time"] = statistics.mean(log["step_time"] for log in step_logs)
    result["parts"] = {f"reward_{name}": statistics.mean(reward.durations[args.warmup:])
                       for name, reward in trainer.seqae_rewards.items() if reward.durations[args.warmup:]}
    if generation[args.warmup:]:
        result["parts"]["generate"] = statistics.mean(generation[args.warmup:])
        # What is left of a step: advantages, the log-prob forward, backward, clipping and the optimizer step.
        result["parts"]["rest"] = result["s_per_step"] - sum(result["parts"].values())
    if step_logs:
        result["completion_tokens"] = statistics.mean(log["completions/mean_length"] for log in step_logs)
    return result


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    setup = Setup(args)
    runs = {"ours": [], "trl": []}
    for _ in range(args.rounds):
        for name, timer in (("ours", time_ours), ("trl", time_trl)):
            if args.only in (None, name):
                runs[name].append(timer(setup))
    generator_parameters = sum(p.numel() for p in setup.models["generator"].parameters())
    report = {
        "setup": {"prompts_per_step": args.prompts, "group_size": args.group_size,
                  "completions_per_step": args.prompts * args.group_size, "max_new_tokens": args.max_new_tokens,
                  "timed_steps": args.steps, "warmup_steps": args.warmup, "vocab": len(setup.tokenizer),
                  "generator_parameters": generator_parameters, "torch_threads": torch.get_num_threads(),
                  "loss_type": args.loss_type, "reward_weights": setup.weights},
        "rounds": [{name: runs[name][i] for name in runs if i < len(runs[name])} for i in range(args.rounds)],
    }
    for name in runs:
        if runs[name]:
            report[name] = statistics.mean(run["s_per_step"] for run in runs[name])
            report[f"{name}_cpu"] = statistics.mean(run["cpu_s_per_step"] for run in runs[name])
    if runs["ours"] and runs["trl"]:
        report["ratio_trl_over_ours"] = report["trl"] / report["ours"]
        report["cpu_ratio_trl_over_ours"] = report["trl_cpu"] / report["ours_cpu"]
    if args.json:
        print(json.dumps(report))
        return 0
    print(f"{args.prompts} prompts x {args.group_size} = {args.prompts * args.group_size} completions per step, "
          f"{args.max_new_tokens} new tokens, generator {generator_parameters / 1e6:.2f}M parameters, "
          f"{args.steps} timed steps after {args.warmup} warm-up, {torch.get_num_threads()} torch threads")
    for index, round_ in enumerate(report["rounds"], 1):
        for name, run in round_.items():
            parts = ", ".join(f"{key} {value:.2f}" for key, value in run["parts"].items())
            extra = f" (trl's step_time {run['trl_step_time']:.2f})" if "trl_step_time" in run else ""
            print(f"round {index} {name:>4}: {run['s_per_step']:.2f} s/step{extra}, median {run['median']:.2f}, "
                  f"min {run['min']:.2f}, max {run['max']:.2f}, CPU {run['cpu_s_per_step']:.2f} s/step; {parts}")
    for name in ("ours", "trl"):
        if name in report:
            print(f"{name}: {report[name]:.2f} s/step wall, {report[name + '_cpu']:.2f} s/step CPU")
    if "ratio_trl_over_ours" in report:
        print(f"trl / ours: {report['ratio_trl_over_ours']:.2f}x wall, {report['cpu_ratio_trl_over_ours']:.2f}x CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())
