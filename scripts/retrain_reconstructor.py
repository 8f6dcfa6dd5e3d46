"""Issue 23 exploration: continue training a run's reconstructor (a copy) on a mix of summaries, then save it.

    python scripts/retrain_reconstructor.py BUNDLE OUT_DIR [--steps N] [--minutes M] [--lr LR] [--mix ...]
                                            [--loss all|rest|contrastive] [--fresh WIDTH LAYERS [--vocab N] | --start DIR | --seq2seq WIDTH LAYERS]
                                            [--threads T]

Each step: 64 training articles (the run's unsupervised split), each with one summary drawn from the mix
(`--mix`): teacher (the warm start's heuristic target), sample (a Gumbel-top-k sample of the run's tagger at
temperature 2, exact length), random25 (a random in-order k-word subset of the first 25 words), random (of all
words), and R's loss as in training (seqae.core.losses.reconstructor_loss: the document given the summary, and
given nothing). `--seq2seq`: a new seq2seq R whose encoder is a copy of the run's tagger's
(scripts/seq2seq_reconstructor.py), trained as R is. Adam at `--lr`, linear decay to 0 over the steps. Held-out loss
on 256 dev documents with the teacher's and with random25 summaries is printed every 100 steps. Saves OUT_DIR
(save_pretrained) at the end.
"""

import argparse
import random
import sys
import time
from dataclasses import replace
from pathlib import Path

import torch

from seqae.core.checkpoint import load_bundle_config
from seqae.data.corpus import load_corpus
from seqae.data.heuristics import heuristic_summary
from seqae.data.tokenizer import load_word_codec, load_word_tokenizer
from seqae.core.encoding import IGNORE_INDEX, model_vocab_size, reconstructor_batch, truncate_words
from seqae.core.losses import (document_token_log_probs, per_sequence_nll, reconstruction_nll,
                               reconstructor_loss)
from seqae.core.models import build_reconstructor, load_reconstructor


def rest_loss(model, codec, summaries, documents, max_words):
    """reconstructor_loss without the document tokens that the summary contains."""
    unique = list(dict.fromkeys(documents))
    summaries, documents = list(summaries) + [""] * len(unique), list(documents) + unique
    vocab = model_vocab_size(model)
    batch = reconstructor_batch(codec, summaries, documents, max_words, vocab)
    labels = batch["labels"].clone()
    for row, summary in enumerate(summaries):
        kept = set(codec.ids(summary.split(), vocab)) - {codec.unk}
        for t in range(labels.size(1)):
            if labels[row, t].item() in kept:
                labels[row, t] = IGNORE_INDEX
    logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
    return per_sequence_nll(logits, labels).mean()


def contrastive_loss(model, codec, summaries, documents, max_words, group=16, weight=0.1):
    """reconstructor_loss plus InfoNCE over documents: within each group of `group` pairs, summary i scores every
    document j of the group by its pointwise information, log p(d_j | s_i) - log p(d_j | nothing) summed over d_j's
    tokens, and is trained to give its own document the highest (cross-entropy over j, times `weight`). One R pass
    a group gives both: R's loss is its diagonal and its documents given nothing (each distinct document once)."""
    nce, nll, seen = 0.0, [], set()
    groups = range(0, len(documents), group)
    for start in groups:
        s, d = summaries[start:start + group], documents[start:start + group]
        n = len(d)
        pairs_s = [si for si in s for _ in d] + [""] * n
        pairs_d = [dj for _ in s for dj in d] + list(d)
        tokens, mask = document_token_log_probs(model, codec, pairs_s, pairs_d, max_words)
        log_p = (tokens * mask).sum(1)
        per_token = -log_p / mask.sum(1)
        first = []  # the group's documents not given nothing in an earlier group
        for j, dj in enumerate(d):
            if dj not in seen:
                seen.add(dj)
                first.append(j)
        nll += [per_token[:n * n].view(n, n).diagonal(), per_token[n * n:][first]]
        gain = log_p[:n * n].view(n, n) - log_p[n * n:].view(1, n)
        nce = nce + torch.nn.functional.cross_entropy(gain, torch.arange(n)) / len(groups)
    return torch.cat(nll).mean() + weight * nce


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("bundle")
    parser.add_argument("out")
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--mix", nargs="+", default=["teacher", "sample", "random25", "random"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--nce-weight", type=float, default=0.1, help="contrastive: InfoNCE's weight")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--start", default=None, help="continue training the R saved in this directory instead")
    parser.add_argument("--fresh", type=int, nargs=2, metavar=("WIDTH", "LAYERS"), default=None,
                        help="train a new R of this width and depth from scratch instead of the bundle's")
    parser.add_argument("--seq2seq", type=int, nargs=2, metavar=("WIDTH", "LAYERS"), default=None,
                        help="a new seq2seq R instead: the run's tagger's encoder reads the summary, a decoder of this "
                             "width and depth cross-attends to it (scripts/seq2seq_reconstructor.py)")
    parser.add_argument("--vocab", type=int, default=None,
                        help="with --fresh: R reads and predicts this many words (the bundle's "
                             "model.reconstructor_vocab_size if not given; the tokenizer's size at most)")
    parser.add_argument("--loss", choices=["all", "rest", "contrastive"], default="all",
                        help="rest: no loss on the document tokens the summary contains (R earns nothing by copying); "
                             "contrastive: R's loss plus InfoNCE over the batch's documents (contrastive_loss)")
    args = parser.parse_args()
    if args.vocab is not None and (not args.fresh or args.vocab < 1):
        parser.error("--vocab N needs --fresh and N >= 1")
    if args.seq2seq and (args.fresh or args.start):
        parser.error("--seq2seq builds a new R of its own: not with --fresh or --start")
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    bundle = Path(args.bundle)
    config = load_bundle_config(bundle)
    corpus = load_corpus(config.data, config.seed)
    codec = load_word_codec(bundle / "tokenizer")
    if args.seq2seq:
        import seq2seq_reconstructor
        model = seq2seq_reconstructor.build(bundle / "generator", codec, config.model.reconstructor_vocab_size,
                                            *args.seq2seq, config.model.max_positions)
    elif args.fresh:
        model_config = replace(config.model, reconstructor_hidden_size=args.fresh[0],
                               reconstructor_layers=args.fresh[1],
                               reconstructor_vocab_size=args.vocab or config.model.reconstructor_vocab_size)
        model = build_reconstructor(model_config, load_word_tokenizer(bundle / "tokenizer"))
    else:
        model = load_reconstructor(args.start or bundle / "reconstructor")
    max_words, k, target = config.data.max_document_words, config.decode.words, config.warm_start.target
    tagger = None
    if "sample" in args.mix:
        from seqae.core.sampling import gumbel_top_k, keep_scores
        from seqae.apps.summarize import Summarizer
        from seqae.core.tagger import tag_words
        tagger = Summarizer(str(bundle), device="cpu", runtime="torch").generator.model.eval()

    def random_subset(words, window):
        window = min(window, len(words))
        if window <= k:
            return " ".join(words[:window])
        return " ".join(words[i] for i in sorted(rng.sample(range(window), k)))

    def summaries_for(documents):
        kinds = [rng.choice(args.mix) for _ in documents]
        out = [None] * len(documents)
        sample_rows = [i for i, kind in enumerate(kinds) if kind == "sample"]
        if sample_rows:
            with torch.no_grad():
                tagged = tag_words(tagger, codec, [documents[i] for i in sample_rows], max_words, "cpu")
                scores = keep_scores(tagged.logits.float(), tagged.mask, 2.0)
                lengths = torch.tensor([min(k, len(w)) for w in tagged.words])
                drawn = gumbel_top_k(scores, lengths).tolist()
            for row, i in enumerate(sample_rows):
                words = tagged.words[row]
                out[i] = " ".join(words[p] for p in sorted(p for p in drawn[row] if p >= 0))
        for i, (kind, document) in enumerate(zip(kinds, documents)):
            words = truncate_words(document, max_words)
            if kind == "teacher":
                out[i] = heuristic_summary(document, target, k, max_words)
            elif kind == "random25":
                out[i] = random_subset(words, 25)
            elif kind == "random":
                out[i] = random_subset(words, len(words))
        return out

    dev = corpus.dev_articles[300:556]  # not the diagnosis documents (the first 300)
    dev_teacher = [heuristic_summary(d, target, k, max_words) for d in dev]
    dev_rng = random.Random(7)
    dev_random = [" ".join(w[i] for i in sorted(dev_rng.sample(range(min(25, len(w))), min(k, len(w), 25))))
                  for w in (truncate_words(d, max_words) for d in dev)]

    @torch.no_grad()
    def held_out():
        model.eval()
        result = {}
        for name, summaries in (("teacher", dev_teacher), ("random25", dev_random), ("empty", [""] * len(dev))):
            result[name] = torch.cat([reconstruction_nll(model, codec, summaries[s:s + 128], dev[s:s + 128], max_words)
                                      for s in range(0, len(dev), 128)]).mean().item()
        model.train()
        return result

    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.0)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: max(0.0, 1 - step / args.steps))
    articles = corpus.articles
    print(f"{len(articles)} training articles; held out at start: {held_out()}", file=sys.stderr, flush=True)
    started = time.perf_counter()
    model.train()
    order = list(range(len(articles)))
    rng.shuffle(order)
    cursor, step, running = 0, 0, []
    while step < args.steps and time.perf_counter() - started < args.minutes * 60:
        if cursor + args.batch > len(order):
            rng.shuffle(order)
            cursor = 0
        documents = [articles[i] for i in order[cursor:cursor + args.batch]]
        cursor += args.batch
        summaries = summaries_for(documents)
        if args.loss == "contrastive":
            loss = contrastive_loss(model, codec, summaries, documents, max_words, weight=args.nce_weight)
        else:
            loss = (rest_loss if args.loss == "rest" else reconstructor_loss)(model, codec, summaries, documents,
                                                                              max_words)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        step += 1
        running.append(loss.item())
        if step % 100 == 0:
            print(f"step {step} ({time.perf_counter() - started:.0f} s): train {sum(running) / len(running):.3f}, "
                  f"held out {held_out()}", file=sys.stderr, flush=True)
            running = []
    print(f"stopped at step {step}, {time.perf_counter() - started:.0f} s; held out {held_out()}", file=sys.stderr)
    model.save_pretrained(args.out)


if __name__ == "__main__":
    main()
