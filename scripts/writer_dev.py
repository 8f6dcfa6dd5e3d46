"""Issue 25 probe: writers decoded as users get them (Summarizer: greedy + beams, reranked) on the first N dev
articles: R-1 / R-2, SLOR under an evaluation LM, words, speed; each model's summaries written out for blind reading.

    python scripts/writer_dev.py N EVALUATION_LM OUT_DIR MODEL [MODEL ...]

EVALUATION_LM: the bench's held-out title LM (`--out`/fluency_lm of `seqae bench gigaword`). OUT_DIR gets
articles.txt (the dev articles) and one MODEL-path-named file of summaries per model, aligned with it.
"""

import sys
import time
from pathlib import Path

import numpy as np
from rouge_score import rouge_scorer

from seqae.apps.summarize import Summarizer
from seqae.data.corpus import load_corpus
from seqae.eval.diagnose import readability, readability_model


def main():
    count, lm_dir, out_dir, models = int(sys.argv[1]), sys.argv[2], Path(sys.argv[3]), sys.argv[4:]
    out_dir.mkdir(parents=True, exist_ok=True)
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2"], use_stemmer=True)
    lm = None
    for model in models:
        summarizer = Summarizer(model)
        config = summarizer.config
        corpus = load_corpus(config.data, config.seed)
        documents, titles = corpus.dev_articles[:count], corpus.dev_references[:count]
        if lm is None:  # the first model's corpus: the dev articles every model is scored on
            lm = readability_model(lm_dir, corpus, config, summarizer.generator.device)
            (out_dir / "articles.txt").write_text("\n".join(documents) + "\n", encoding="utf-8")
        started = time.perf_counter()
        summaries = summarizer.summarize_lines(documents)
        seconds = time.perf_counter() - started
        (out_dir / (model.strip("/").replace("/", "_") + ".txt")).write_text("\n".join(summaries) + "\n",
                                                                              encoding="utf-8")
        scores = [scorer.score(title, summary) for title, summary in zip(titles, summaries)]
        print(f"{model}: R-1 {100 * np.mean([s['rouge1'].fmeasure for s in scores]):.2f} "
              f"R-2 {100 * np.mean([s['rouge2'].fmeasure for s in scores]):.2f} "
              f"SLOR {np.mean(readability(lm, summaries)):+.3f} "
              f"words {np.mean([len(s.split()) for s in summaries]):.2f} {len(documents) / seconds:.1f}/s", flush=True)


if __name__ == "__main__":
    main()
