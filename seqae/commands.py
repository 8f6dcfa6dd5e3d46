"""Subcommands that touch the models: train, summarize, demo. Heavy imports happen inside the handlers."""

import sys
from pathlib import Path

from seqae.errors import DataError, UsageError


def register(subparsers) -> None:
    train = subparsers.add_parser("train", help="train a model (warm start, then adversarial RL)")
    train.add_argument("config", help="YAML config (see configs/)")
    train.add_argument("overrides", nargs="*", metavar="KEY=VALUE", help="override config keys, e.g. rl.steps=50")
    train.add_argument("--out", required=True, help="run directory: checkpoints, metrics.jsonl, model/")
    train.add_argument("--resume", action="store_true", help="continue from the latest checkpoint in --out")
    train.set_defaults(func=run_train)

    summarize = subparsers.add_parser("summarize", help="summarize files (or stdin) with a trained model")
    summarize.add_argument("model", help="a run directory or a model directory")
    summarize.add_argument("files", nargs="*", help="input files; none: read stdin")
    summarize.add_argument("--per-line", action="store_true", help="one document per line (as Gigaword)")
    summarize.add_argument("-o", "--output", help="write summaries here (atomically) instead of stdout")
    length = summarize.add_mutually_exclusive_group()
    length.add_argument("--words", type=int, help="summary length in words (exact for extractive models)")
    length.add_argument("--ratio", type=float, help="extractive: keep this fraction of the document's words")
    summarize.add_argument("--beams", type=int, help="beam size for abstractive models (1 = greedy)")
    summarize.add_argument("--batch-size", type=int)
    summarize.set_defaults(func=run_summarize)

    demo = subparsers.add_parser("demo", help="train a small model on the embedded Lee news corpus and show it")
    demo.add_argument("--out", default="runs/demo", help="run directory (default: runs/demo)")
    demo.add_argument("overrides", nargs="*", metavar="KEY=VALUE")
    demo.set_defaults(func=run_demo)


def run_train(args) -> int:
    from seqae.config import load_config
    from seqae.train import Trainer

    config = load_config(args.config, args.overrides)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise DataError(out, "exists and is not a directory")
    if not args.resume and any(out.glob("checkpoint-*")):
        raise UsageError(f"{out}: already holds checkpoints; pass --resume to continue or choose another --out")
    out.mkdir(parents=True, exist_ok=True)
    model_dir = Trainer(config, out, resume=args.resume).run()
    print(f"model: {model_dir}", file=sys.stderr)
    return 0


def read_documents(files: list[str], per_line: bool) -> list[str]:
    from seqae.data.readers import read_texts

    if not files:
        text = sys.stdin.buffer.read()
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as error:
            raise DataError("<stdin>", f"not UTF-8 (byte {error.start})") from None
        documents = [line for line in text.splitlines() if line.strip()] if per_line else [text]
        if not any(d.strip() for d in documents):
            raise DataError("<stdin>", "no text to summarize")
        return documents
    documents = []
    for name in files:
        path = Path(name)
        if path.is_dir() or not per_line:
            documents += list(read_texts(path, per_line=False))
        else:
            documents += list(read_texts(path, per_line=True))
    return documents


def run_summarize(args) -> int:
    from seqae.io import atomic_open, check_output_path
    from seqae.summarize import Summarizer

    if args.words is not None and args.words < 1:
        raise UsageError("--words must be at least 1")
    if args.ratio is not None and not 0 < args.ratio <= 1:
        raise UsageError("--ratio must be in (0, 1]")
    if args.output:
        check_output_path(args.output)
    summarizer = Summarizer(args.model)
    documents = read_documents(args.files, args.per_line)
    summaries = summarizer(documents, words=args.words, ratio=args.ratio, num_beams=args.beams,
                           batch_size=args.batch_size, progress=len(documents) > 1000)
    text = "".join(s + "\n" for s in summaries)
    if args.output:
        with atomic_open(args.output) as handle:
            handle.write(text)
    else:
        sys.stdout.write(text)
    return 0


def run_demo(args) -> int:
    from seqae.demo import run_demo as demo

    return demo(Path(args.out), args.overrides)
