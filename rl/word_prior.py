"""Headline-likeness: a fixed naive-Bayes score of how much a summary's words read like human summaries.

Each word scores log P(word occurs in a summary) - log P(word occurs in an article), with document
frequencies counted on unpaired human summaries and articles (a word counts once per text) and add-one
smoothing, P = (df + 1) / (n_texts + 2). A summary scores the mean of its words' scores (repeats included).
Nothing here trains against the generator, so the reward cannot be gamed the way an adversarial
discriminator is. Test-time search on it plus MiniLM similarity (seqae.rl.rewards.search_reward) adds about 3
ROUGE-1 to the full model's greedy summaries on Gigaword test (docs/RESULTS.md: "full + test-time search" against
"full").
"""

import json
import math
from collections import Counter
from pathlib import Path

from seqae.data.errors import DataError
from seqae.data.io import atomic_open

FORMAT = "seqae-word-prior-1"


def _document_frequencies(texts: list[str]) -> Counter:
    counts = Counter()
    for text in texts:
        counts.update(set(text.split()))
    return counts


class WordPrior:
    """Word log-odds of summaries vs articles; a reward callable `(documents, summaries) -> list[float]`."""

    __name__ = "word_prior"

    def __init__(self, summary_df: dict[str, int], article_df: dict[str, int], n_summaries: int, n_articles: int):
        self.summary_df, self.article_df = dict(summary_df), dict(article_df)
        self.n_summaries, self.n_articles = n_summaries, n_articles
        # The lowest score a word can get: never in a summary, in every article. An empty summary gets it,
        # so it is never preferred to any summary with words.
        self.worst = self._log_odds(0, n_articles)

    @classmethod
    def fit(cls, summaries: list[str], articles: list[str]) -> "WordPrior":
        return cls(_document_frequencies(summaries), _document_frequencies(articles), len(summaries), len(articles))

    def _log_odds(self, summary_df: int, article_df: int) -> float:
        return (math.log((summary_df + 1) / (self.n_summaries + 2))
                - math.log((article_df + 1) / (self.n_articles + 2)))

    def idf(self, word: str) -> float:
        """Inverse document frequency over the articles, smoothed like the scores: log((n + 2) / (df + 1))."""
        return math.log((self.n_articles + 2) / (self.article_df.get(word, 0) + 1))

    def ratio(self, word: str) -> float:
        """P(word occurs in a summary) / P(word occurs in an article): the exponentiated log-odds of `word_scores`."""
        return math.exp(self._log_odds(self.summary_df.get(word, 0), self.article_df.get(word, 0)))

    def word_scores(self, words: list[str]) -> list[float]:
        return [self._log_odds(self.summary_df.get(w, 0), self.article_df.get(w, 0)) for w in words]

    def score(self, summary: str) -> float:
        scores = self.word_scores(summary.split())
        return sum(scores) / len(scores) if scores else self.worst

    def __call__(self, documents, summaries, **_) -> list[float]:
        return [self.score(s) for s in summaries]

    def save(self, path) -> None:
        """Write the counts as JSON, atomically (seqae.data.io): a reader never sees half a file."""
        state = {"format": FORMAT, "n_summaries": self.n_summaries, "n_articles": self.n_articles,
                 "summary_df": self.summary_df, "article_df": self.article_df}
        with atomic_open(path) as handle:
            json.dump(state, handle, ensure_ascii=False)

    @classmethod
    def load(cls, path) -> "WordPrior":
        try:
            state = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise DataError(path, f"cannot read the word prior ({error})") from None
        if not isinstance(state, dict) or state.get("format") != FORMAT:
            raise DataError(path, f"not a word prior file (expected format {FORMAT!r})")
        return cls(state["summary_df"], state["article_df"], state["n_summaries"], state["n_articles"])
