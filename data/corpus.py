"""The training corpus of a run (articles, human summaries, a dev slice) and its batch schedule.

Follows the unsupervised split rules of the config: paired files are split so that no article meets its
own title; dev references are only ever used for model selection.
"""

import random
from dataclasses import dataclass

from seqae.data.normalize import gigaword_normalize
from seqae.data.readers import read_texts
from seqae.data.splits import split_train_dev, unsupervised_split
from seqae.data.errors import UsageError


@dataclass
class Corpus:
    articles: list[str]
    summaries: list[str]  # human-written, unrelated to the articles: what readable summaries look like
    dev_articles: list[str]
    dev_references: list[str] | None
    held_out_summaries: list[str] | None = None  # human summaries training never sees (evaluation only)


def load_corpus(data, seed: int) -> Corpus:
    """Articles, human summaries and a dev slice for the `data` section of a config."""
    if not data.articles:
        raise UsageError("config: data.articles is empty: give at least one article file")
    if data.titles:
        split = unsupervised_split(data.articles, data.titles, dev_size=data.dev_size, seed=seed,
                                   max_articles=data.max_articles, max_summaries=data.max_summaries)
        corpus = Corpus(split.articles, split.summaries, split.dev_articles, split.dev_references,
                        split.held_out_summaries)
    else:
        articles = [text for path in data.articles for text in read_texts(path)]
        train, dev = split_train_dev(articles, dev_size=min(data.dev_size, len(articles) // 5), seed=seed)
        corpus = Corpus(train[: data.max_articles] if data.max_articles else train, [], dev, None)
    extra = [text for path in data.summaries for text in read_texts(path, field=data.summaries_field)]
    random.Random(seed).shuffle(extra)
    corpus.summaries = corpus.summaries + extra[: data.max_summaries] if data.max_summaries else corpus.summaries + extra
    if not corpus.summaries:
        raise UsageError("config: no human summaries: give data.titles or data.summaries")
    if data.normalize:
        corpus.articles = [gigaword_normalize(t) for t in corpus.articles]
        corpus.summaries = [gigaword_normalize(t) for t in corpus.summaries]
        corpus.dev_articles = [gigaword_normalize(t) for t in corpus.dev_articles]
    return corpus


def batch_documents(documents: list[str], batch_size: int, step: int, seed: int) -> list[str]:
    """The batch of global step `step`: consecutive slices of a per-epoch seeded shuffle, so a resumed run
    sees the same batches as an uninterrupted one."""
    batches_per_epoch = max(1, len(documents) // batch_size)
    epoch, index = divmod(step, batches_per_epoch)
    order = list(range(len(documents)))
    random.Random(seed * 1_000_003 + epoch).shuffle(order)
    return [documents[i] for i in order[index * batch_size:(index + 1) * batch_size]]
