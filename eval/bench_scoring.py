"""Scoring the finished systems of `seqae bench gigaword` on the test set: each system's summaries (timed), a row's
numbers (ROUGE, readability under the evaluation language model, numbers kept), the baselines, the paired
differences, and the readability check. The test set is read here only, never for selection.
"""

import re
import sys
import time
from pathlib import Path
from statistics import mean

from seqae.data.baselines import content_lead_prepositions, content_lead, lead_words
from seqae.data.heuristics import mentions_number
from seqae.data.rouge import bench_row, paired_difference
from seqae.data.io import atomic_write_text
from seqae.rl.rewards import FluencyReward, phrase_reward
from seqae.apps.summarize import Summarizer
from seqae.core.summary_lm import SummaryLM


def evaluation_lm(out: Path, held_out: list[str], seed: int, steps: int, keep: bool) -> SummaryLM:
    """Readability's language model of human summaries that training never sees, for evaluation only; kept in
    `out` (and reused from there with --keep)."""
    if (out / "fluency_lm").is_dir() and keep:
        return SummaryLM.load(out / "fluency_lm", held_out)
    fluency = SummaryLM.train(held_out, seed=seed, steps=steps)
    fluency.save(out / "fluency_lm")
    return fluency


class RowScorer:
    """A table row's numbers against the test titles: ROUGE, readability (SLOR) and perplexity under the
    evaluation LM, the phrase share (the summary's word pairs adjacent in its article: what blind readers of the
    writers followed, where SLOR did not; docs/readability.md), and the share of titles with a number whose summary
    keeps one (a number in digits or spelled, `mentions_number`, on both sides: `two us soldiers killed` keeps the
    number of `# us soldiers killed`)."""

    def __init__(self, test_articles: list[str], test_titles: list[str], fluency: SummaryLM):
        self.test_articles, self.test_titles, self.fluency = test_articles, test_titles, fluency
        self.with_number = [i for i, title in enumerate(test_titles) if mentions_number(title)]

    def row(self, name: str, summaries: list[str], **extra) -> dict:
        kept = sum(mentions_number(summaries[i]) for i in self.with_number)
        row = {"system": name, **bench_row(summaries, self.test_titles),
               "readability": round(mean(FluencyReward(self.fluency, "slor")(summaries, summaries)), 3),
               "phrase_share": round(mean(phrase_reward(self.test_articles, summaries)), 3),
               "perplexity": round(self.fluency.perplexity(summaries), 1),
               "number_kept_pct": round(100 * kept / max(1, len(self.with_number)), 1), **extra}
        print(f"bench: {row}", file=sys.stderr)
        return row


def summarize_timed(model_dir: Path, documents: list[str], decode=None, reranker=None,
                    **kwargs) -> tuple[list[str], float]:
    """The model's summaries of `documents` and how many it wrote a second. `decode`: a decode config section to
    use instead of the model's (a table's rows decode alike); `reranker`: the reward that reranks
    (Summarizer.rerank_score of another model), instead of the model's own."""
    summarizer = Summarizer(model_dir)
    if decode is not None:
        summarizer.config.decode = decode
    if reranker is not None:
        summarizer.rerank_score = reranker
    return timed_summaries(summarizer, documents, **kwargs)


def timed_summaries(summarizer: Summarizer, documents: list[str], **kwargs) -> tuple[list[str], float]:
    """`summarizer.summarize_lines(documents, **kwargs)` and how many summaries it wrote a second, after a warm-up
    batch (first-call allocation is not throughput)."""
    summarizer.summarize_lines(documents[:64], **kwargs)
    started = time.perf_counter()
    summaries = summarizer.summarize_lines(documents, **kwargs)
    return summaries, len(documents) / (time.perf_counter() - started)


def searched(model_dir: Path, documents: list[str], words: int, rounds: int) -> tuple[list[str], float]:
    """The model's summaries improved by `rounds` rounds of test-time search, and how many it wrote a second
    (model loading included)."""
    started = time.perf_counter()
    summaries = Summarizer(model_dir).summarize_lines(documents, words=words, search_rounds=rounds)
    return summaries, len(documents) / (time.perf_counter() - started)


def baseline_summaries(test_articles: list[str], words: int, length: int) -> dict[str, list[str]]:
    """The baseline rows' summaries: Lead-8, Lead-N at the longest seqae row's length, the content-word lead at
    8, the recipe's and that length, and the warm start's teacher."""
    baselines = [("Lead-8", lead_words, 8), (f"Lead-{length}", lead_words, length)] + \
                [(f"content-word lead {n}", content_lead, n) for n in sorted({8, words, length})] + \
                [(f"content_lead_prepositions {words} (the warm start's teacher)", content_lead_prepositions, words)]
    return {name: [function(a, n) for a in test_articles] for name, function, n in baselines}


def rounded_difference(predictions_a, predictions_b, references, metric: str = "rouge1") -> dict:
    """The paired bootstrap difference a minus b (F1 points), as the page shows it."""
    difference = paired_difference(predictions_a, predictions_b, references, metric=metric)
    return {"mean": round(difference["mean"], 2), "ci95": [round(x, 2) for x in difference["ci95"]]}


def readability_check(rows: list[dict]) -> dict | None:
    """Does the readability measure order the warm start's teacher above the bag-of-words recipe, as blind
    readers did (2.70 vs 1.92 of 5)? A measure that does not is the wrong measure."""
    teacher = next((r for r in rows if "the warm start's teacher" in r["system"]), None)
    bag = next((r for r in rows if "bag-of-words rewards" in r["system"]), None)
    if teacher is None or bag is None:
        return None
    return {"teacher": teacher["readability"], "bag_of_words_recipe": bag["readability"],
            "agrees_with_readers": teacher["readability"] > bag["readability"]}


def write_summaries(directory: Path, summaries: dict[str, list[str]]) -> None:
    """Each seqae row's test summaries, one a line (`NAME.txt`, the row's name made a file name): what blind
    reading (`seqae blind-reading make`) reads."""
    directory.mkdir(parents=True, exist_ok=True)
    for label, lines in summaries.items():
        name = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")
        atomic_write_text(directory / f"{name}.txt", "".join(line + "\n" for line in lines))
