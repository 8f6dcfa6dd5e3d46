"""`python -m seqae.eval.copy_check WARM_MODEL FULL_MODEL`: the abstractive generator on Gigaword test, greedy.

For each model: greedy summaries/s (after a warm-up batch), the share of summaries free of repeated words and of
summary words found in their document (the copy mask's promises), ROUGE; then the paired bootstrap difference
of ROUGE-1 F1, FULL minus WARM, on the same test lines (what RL added).
"""

import argparse
import time
from pathlib import Path

from seqae.data.readers import read_lines
from seqae.data.rouge import paired_difference, score_corpus
from seqae.apps.summarize import Summarizer


def check(model_dir, articles: list[str], titles: list[str], words: int) -> tuple[dict, list[str]]:
    summarizer = Summarizer(model_dir)
    summarizer.summarize_lines(articles[:64], words=words, num_beams=1)  # warm-up: first-call allocations are not the speed
    started = time.perf_counter()
    summaries = summarizer.summarize_lines(articles, words=words, num_beams=1)
    seconds = time.perf_counter() - started
    in_document = sum(w in set(a.split()) for s, a in zip(summaries, articles) for w in s.split())
    scores = score_corpus(summaries, [titles], bootstrap=0)
    return {"greedy_summaries_per_s": round(len(articles) / seconds, 1),
            "no_repeated_word_pct": round(100 * sum(len(s.split()) == len(set(s.split())) for s in summaries)
                                          / len(summaries), 1),
            "words_in_document_pct": round(100 * in_document / max(1, sum(len(s.split()) for s in summaries)), 2),
            "words": round(sum(len(s.split()) for s in summaries) / len(summaries), 2),
            **{metric: round(value["mean"], 2) for metric, value in scores.items()}}, summaries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warm", help="the abstractive warm start's model directory")
    parser.add_argument("full", help="the abstractive model after RL")
    parser.add_argument("--data", default="../shared/data", help="the data folder")
    parser.add_argument("--words", type=int, default=10)
    args = parser.parse_args()
    articles = read_lines(Path(args.data) / "gigaword" / "test.article.txt")
    titles = read_lines(Path(args.data) / "gigaword" / "test.title.txt")
    results, summaries = {}, {}
    for name in ("warm", "full"):
        results[name], summaries[name] = check(getattr(args, name), articles, titles, args.words)
        print(name, results[name], flush=True)
    difference = paired_difference(summaries["full"], summaries["warm"], titles)
    print(f"full minus warm start, R-1 (greedy): {difference['mean']:+.2f} "
          f"[{difference['ci95'][0]:+.2f}, {difference['ci95'][1]:+.2f}]")


if __name__ == "__main__":
    main()
