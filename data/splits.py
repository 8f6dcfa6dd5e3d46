"""Seeded, deterministic data splits, including the unsupervised split of paired article/title files.

An unsupervised run must never see an article together with its own title: the compressor trains on
articles from one half of the pool and the discriminator sees human titles from the other half. A
small dev slice of intact pairs is set aside first, for model selection with ROUGE.
"""

import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from seqae.data.readers import iter_lines
from seqae.data.errors import DataError, UsageError


@dataclass
class UnsupervisedSplit:
    """Texts for an unsupervised run, with the pool indices they came from (to check disjointness).

    Indices count the pairs of the pooled files in order (the pairs of the first article/title
    files, then of the next), after pairs with a blank side are dropped.
    """

    articles: list[str]
    summaries: list[str]
    # The titles of the articles half: never shown to training (unsupervised), so evaluation may use them
    # as held-out human summaries (e.g. the readability language model of the benchmark).
    held_out_summaries: list[str]
    dev_articles: list[str]
    dev_references: list[str]
    article_indices: list[int]
    summary_indices: list[int]
    dev_indices: list[int]


def as_path_list(paths) -> list[Path]:
    return [Path(paths)] if isinstance(paths, (str, Path)) else [Path(path) for path in paths]


def read_pairs(article_path: Path, title_path: Path) -> list[tuple[str, str]]:
    """Pair line i of the article file with line i of the title file; the line counts must match."""
    articles = [line.strip() for _, line in iter_lines(article_path)]
    titles = [line.strip() for _, line in iter_lines(title_path)]
    if len(articles) != len(titles):
        raise DataError(
            article_path,
            f"has {len(articles)} lines but its title file {title_path} has {len(titles)}: line i must pair with line i",
        )
    # A pair with a blank side has nothing to train or score on; dropping the whole pair keeps the rest aligned.
    return [(article, title) for article, title in zip(articles, titles) if article and title]


def shuffled_indices(count: int, seed: int) -> list[int]:
    indices = list(range(count))
    random.Random(seed).shuffle(indices)
    return indices


def unsupervised_split(
    article_paths,
    title_paths,
    *,
    dev_size: int = 500,
    seed: int = 0,
    max_articles: int | None = None,
    max_summaries: int | None = None,
) -> UnsupervisedSplit:
    """Split paired article/title files into unpaired training articles and summaries plus a paired dev set.

    The pairs of all files are pooled and shuffled with `seed`; the first `dev_size` pairs become the
    dev set and the rest is cut into two disjoint halves: articles come from the first, summaries
    (titles) from the second. `max_articles` / `max_summaries` keep only that many of each (a random
    subset, since the order is shuffled). Meant for Gigaword train + valid files, never test.
    """
    article_paths, title_paths = as_path_list(article_paths), as_path_list(title_paths)
    if len(article_paths) != len(title_paths) or not article_paths:
        raise UsageError(
            f"need one title file per article file, got {len(article_paths)} article and {len(title_paths)} title files"
        )
    for name, value in (("dev_size", dev_size), ("max_articles", max_articles), ("max_summaries", max_summaries)):
        if value is not None and value < 0:
            raise UsageError(f"{name} must not be negative, got {value}")
    pairs = [pair for paths in zip(article_paths, title_paths) for pair in read_pairs(*paths)]
    if len(pairs) < dev_size + 2:
        raise DataError(
            article_paths[0], f"the files give {len(pairs)} pairs: too few for {dev_size} dev pairs and two training halves"
        )
    order = shuffled_indices(len(pairs), seed)
    dev_indices, rest = order[:dev_size], order[dev_size:]
    half = len(rest) // 2
    article_indices = rest[:half][:max_articles]
    summary_indices = rest[half:][:max_summaries]
    return UnsupervisedSplit(
        articles=[pairs[i][0] for i in article_indices],
        summaries=[pairs[i][1] for i in summary_indices],
        held_out_summaries=[pairs[i][1] for i in rest[:half]],
        dev_articles=[pairs[i][0] for i in dev_indices],
        dev_references=[pairs[i][1] for i in dev_indices],
        article_indices=article_indices,
        summary_indices=summary_indices,
        dev_indices=dev_indices,
    )


def split_train_dev(
    items: Sequence,
    *,
    dev_fraction: float | None = None,
    dev_size: int | None = None,
    seed: int = 0,
) -> tuple[list, list]:
    """Shuffle `items` with `seed` and cut off a dev part of `dev_size` items or `dev_fraction` of them.

    Returns (train, dev), both in shuffled order. Give exactly one of `dev_fraction` and `dev_size`.
    """
    if (dev_fraction is None) == (dev_size is None):
        raise UsageError("give exactly one of dev_fraction and dev_size")
    if dev_fraction is not None:
        if not 0 < dev_fraction < 1:
            raise UsageError(f"dev_fraction must be between 0 and 1, got {dev_fraction}")
        dev_size = round(len(items) * dev_fraction)
    if not 0 <= dev_size < len(items):
        raise UsageError(f"dev_size must leave training items: {dev_size} of {len(items)} items")
    order = shuffled_indices(len(items), seed)
    return [items[i] for i in order[dev_size:]], [items[i] for i in order[:dev_size]]
