"""`python -m seqae.eval.copy_check WARM_MODEL FULL_MODEL`: the abstractive generator on Gigaword test.

For each model, greedy: summaries/s (after a warm-up batch), the share of summaries free of repeated words and of
summary words found in their document (the copy mask's promises), ROUGE; then summaries/s and ROUGE of beam search
(`--beams`) alone, of the beams alone reranked by the model's reward, and of the greedy summary, the beams and
decode.rerank_draws drawn summaries reranked by it (decode.rerank, what users get); then the
paired bootstrap difference of greedy ROUGE-1 F1, FULL minus WARM, on the same test lines. `--phrase-bonus`: decode
both with this decode.phrase_bonus instead of their own (as the bench decodes a writer trained before it was set).
"""

import argparse
import dataclasses
from pathlib import Path

from seqae.data.readers import read_lines
from seqae.data.rouge import paired_difference, score_corpus
from seqae.apps.summarize import Summarizer
from seqae.eval.bench_scoring import timed_summaries
from seqae.rl.search import written_reranked


def rouge(summaries: list[str], titles: list[str]) -> dict:
    return {metric: round(value["mean"], 2) for metric, value in score_corpus(summaries, [titles], bootstrap=0).items()}


def check(model_dir, articles: list[str], titles: list[str], words: int, beams: int,
          phrase_bonus: float | None = None) -> tuple[dict, list[str]]:
    summarizer = Summarizer(model_dir)
    if phrase_bonus is not None:
        summarizer.config.decode = dataclasses.replace(summarizer.config.decode, phrase_bonus=phrase_bonus)
    summaries, per_second = timed_summaries(summarizer, articles, words=words, num_beams=1, rerank=False)
    beamed, beam_per_second = timed_summaries(summarizer, articles, words=words, num_beams=beams, rerank=False)
    reranked, reranked_per_second = timed_summaries(summarizer, articles, words=words, num_beams=beams, rerank=True)
    beams_reranked = reranked_beams(summarizer, articles, words, beams)
    in_document = sum(w in set(a.split()) for s, a in zip(summaries, articles) for w in s.split())
    result = {"greedy_summaries_per_s": round(per_second, 1),
              "no_repeated_word_pct": round(100 * sum(len(s.split()) == len(set(s.split())) for s in summaries)
                                            / len(summaries), 1),
              "words_in_document_pct": round(100 * in_document / max(1, sum(len(s.split()) for s in summaries)), 2),
              "words": round(sum(len(s.split()) for s in summaries) / len(summaries), 2),
              **rouge(summaries, titles),
              f"beam_{beams}": {"summaries_per_s": round(beam_per_second, 1), **rouge(beamed, titles)},
              f"beam_{beams}_reranked": rouge(beams_reranked, titles),
              f"greedy_beam_{beams}_and_draws_reranked": {"summaries_per_s": round(reranked_per_second, 1),
                                                      **rouge(reranked, titles)}}
    return result, summaries


def reranked_beams(summarizer: Summarizer, articles: list[str], words: int, beams: int) -> list[str]:
    """Of each article's `beams` beams (no greedy candidate), the one the model's reward rates highest: whether the
    beam, reranked, beats greedy on its own."""
    decode = summarizer.config.decode
    prepared = [summarizer.prepare(article) for article in articles]
    return [summary for start in range(0, len(prepared), decode.batch_size)
            for summary in written_reranked(summarizer.generator, prepared[start:start + decode.batch_size],
                                            summarizer.rerank_score, decode, words=words, num_beams=beams, draws=0,
                                            with_greedy=False)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warm", help="the abstractive warm start's model directory")
    parser.add_argument("full", help="the abstractive model after RL")
    parser.add_argument("--data", default="../shared/data", help="the data folder")
    parser.add_argument("--words", type=int, default=10)
    parser.add_argument("--beams", type=int, default=5, help="beams of beam search and of reranking")
    parser.add_argument("--phrase-bonus", type=float, default=None,
                        help="decode.phrase_bonus for both models (default: each model's own)")
    args = parser.parse_args()
    articles = read_lines(Path(args.data) / "gigaword" / "test.article.txt")
    titles = read_lines(Path(args.data) / "gigaword" / "test.title.txt")
    results, summaries = {}, {}
    for name in ("warm", "full"):
        results[name], summaries[name] = check(getattr(args, name), articles, titles, args.words, args.beams,
                                                   args.phrase_bonus)
        print(name, results[name], flush=True)
    difference = paired_difference(summaries["full"], summaries["warm"], titles)
    print(f"full minus warm start, R-1 (greedy): {difference['mean']:+.2f} "
          f"[{difference['ci95'][0]:+.2f}, {difference['ci95'][1]:+.2f}]")


if __name__ == "__main__":
    main()
