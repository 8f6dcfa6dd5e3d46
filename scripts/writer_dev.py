"""Issue 25 probe: writers decoded as users get them (Summarizer: greedy + beams, reranked) on the first N dev
articles: R-1 / R-2, SLOR under an evaluation LM, phrase share, words, speed; each model's summaries written out for
blind reading.

    python scripts/writer_dev.py N EVALUATION_LM OUT_DIR MODEL [MODEL ...] [--phrase-bonus B [B ...]]

EVALUATION_LM: the bench's held-out title LM (`--out`/fluency_lm of `seqae bench gigaword`). OUT_DIR gets
articles.txt (the dev articles) and one file of summaries per model and decode.phrase_bonus (default: the model's
own), aligned with it.
"""

import argparse
import dataclasses
import time
from pathlib import Path

import numpy as np
from rouge_score import rouge_scorer

from seqae.apps.summarize import Summarizer
from seqae.data.corpus import load_corpus
from seqae.eval.diagnose import readability, readability_model
from seqae.rl.rewards import phrase_reward


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("count", type=int)
    parser.add_argument("lm_dir")
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("models", nargs="+")
    parser.add_argument("--phrase-bonus", type=float, nargs="+", default=[None],
                        help="decode each model with each of these decode.phrase_bonus values (default: its own)")
    args = parser.parse_args()
    args.out_dir.mkdir(parents=True, exist_ok=True)
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2"], use_stemmer=True)
    lm = None
    for model in args.models:
        summarizer = Summarizer(model)
        config = summarizer.config
        corpus = load_corpus(config.data, config.seed)
        documents, titles = corpus.dev_articles[:args.count], corpus.dev_references[:args.count]
        if lm is None:  # the first model's corpus: the dev articles every model is scored on
            lm = readability_model(args.lm_dir, corpus, config, summarizer.generator.device)
            (args.out_dir / "articles.txt").write_text("\n".join(documents) + "\n", encoding="utf-8")
        own = config.decode
        for bonus in args.phrase_bonus:
            summarizer.config.decode = own if bonus is None else dataclasses.replace(own, phrase_bonus=bonus)
            started = time.perf_counter()
            summaries = summarizer.summarize_lines(documents)
            seconds = time.perf_counter() - started
            name = model.strip("/").replace("/", "_") + ("" if bonus is None else f"_bonus{bonus:g}")
            (args.out_dir / (name + ".txt")).write_text("\n".join(summaries) + "\n", encoding="utf-8")
            scores = [scorer.score(title, summary) for title, summary in zip(titles, summaries)]
            print(f"{model} phrase_bonus {summarizer.config.decode.phrase_bonus:g}: "
                  f"R-1 {100 * np.mean([s['rouge1'].fmeasure for s in scores]):.2f} "
                  f"R-2 {100 * np.mean([s['rouge2'].fmeasure for s in scores]):.2f} "
                  f"SLOR {np.mean(readability(lm, summaries)):+.3f} "
                  f"phrase share {np.mean(phrase_reward(documents, summaries)):.3f} "
                  f"words {np.mean([len(s.split()) for s in summaries]):.2f} {len(documents) / seconds:.1f}/s",
                  flush=True)


if __name__ == "__main__":
    main()
