"""Tests for seqae.data.splits: seeded, deterministic, and no article trains with its own title."""

import pytest

from seqae.data.splits import split_train_dev, unsupervised_split
from seqae.data.errors import DataError, UsageError


def write_pairs(directory, name: str, start: int, count: int):
    """Line i of the article file is "article N", of the title file "title N": the pair is visible."""
    articles = directory / f"{name}.article.txt"
    titles = directory / f"{name}.title.txt"
    articles.write_text("".join(f"article {n}\n" for n in range(start, start + count)), encoding="utf-8")
    titles.write_text("".join(f"title {n}\n" for n in range(start, start + count)), encoding="utf-8")
    return articles, titles


@pytest.fixture
def pool(tmp_path):
    train = write_pairs(tmp_path, "train", 0, 60)
    valid = write_pairs(tmp_path, "valid", 60, 40)
    return [train[0], valid[0]], [train[1], valid[1]]


def number(text: str) -> int:
    return int(text.split()[1])


def test_articles_summaries_and_dev_are_disjoint(pool):
    split = unsupervised_split(*pool, dev_size=10, seed=3)
    assert len(split.dev_articles) == len(split.dev_references) == 10
    assert len(split.articles) == len(split.summaries) == 45
    dev, articles, summaries = set(split.dev_indices), set(split.article_indices), set(split.summary_indices)
    assert not dev & articles and not dev & summaries and not articles & summaries
    assert dev | articles | summaries == set(range(100))
    # The texts agree with the indices, and no title is paired with a training article.
    assert [number(a) for a in split.articles] == split.article_indices
    assert [number(s) for s in split.summaries] == split.summary_indices
    assert not {number(a) for a in split.articles} & {number(s) for s in split.summaries}
    # Dev pairs stay intact: article N with title N.
    assert [number(a) for a in split.dev_articles] == [number(r) for r in split.dev_references] == split.dev_indices


def test_deterministic_for_a_seed_and_different_for_another(pool):
    first = unsupervised_split(*pool, dev_size=10, seed=0)
    assert unsupervised_split(*pool, dev_size=10, seed=0) == first
    other = unsupervised_split(*pool, dev_size=10, seed=1)
    assert other.dev_indices != first.dev_indices
    assert other.article_indices != first.article_indices


def test_caps_on_articles_and_summaries(pool):
    full = unsupervised_split(*pool, dev_size=10)
    capped = unsupervised_split(*pool, dev_size=10, max_articles=7, max_summaries=3)
    assert capped.articles == full.articles[:7]
    assert capped.summaries == full.summaries[:3]
    assert capped.dev_indices == full.dev_indices


def test_single_files_and_blank_pairs_dropped(tmp_path):
    articles, titles = write_pairs(tmp_path, "small", 0, 6)
    titles.write_text("title 0\n\ntitle 2\ntitle 3\ntitle 4\ntitle 5\n", encoding="utf-8")
    split = unsupervised_split(articles, titles, dev_size=2)
    texts = split.articles + split.dev_articles
    assert "article 1" not in texts
    assert len(split.dev_indices + split.article_indices + split.summary_indices) == 5


def test_line_count_mismatch_names_both_files(tmp_path):
    articles, titles = write_pairs(tmp_path, "train", 0, 5)
    titles.write_text("title 0\n", encoding="utf-8")
    with pytest.raises(DataError) as caught:
        unsupervised_split(articles, titles, dev_size=1)
    message = str(caught.value)
    assert message.startswith(f"{articles}: ") and str(titles) in message
    assert "5 lines" in message and "has 1" in message


def test_too_few_pairs(tmp_path):
    with pytest.raises(DataError, match="too few"):
        unsupervised_split(*write_pairs(tmp_path, "tiny", 0, 5), dev_size=4)


def test_mismatched_file_lists(pool):
    with pytest.raises(UsageError):
        unsupervised_split(pool[0], pool[1][:1])


def test_split_train_dev():
    items = [f"item {n}" for n in range(50)]
    train, dev = split_train_dev(items, dev_size=5, seed=2)
    assert len(dev) == 5 and len(train) == 45
    assert sorted(train + dev) == sorted(items)
    assert split_train_dev(items, dev_size=5, seed=2) == (train, dev)
    assert split_train_dev(items, dev_size=5, seed=3)[1] != dev
    train, dev = split_train_dev(items, dev_fraction=0.1, seed=2)
    assert len(dev) == 5 and not set(train) & set(dev)


@pytest.mark.parametrize(
    "options",
    [{}, {"dev_size": 2, "dev_fraction": 0.5}, {"dev_fraction": 1.0}, {"dev_size": 10}, {"dev_size": -1}],
)
def test_split_train_dev_rejects_bad_sizes(options):
    with pytest.raises(UsageError):
        split_train_dev(list(range(10)), **options)


def test_held_out_summaries_are_the_article_halfs_titles(tmp_path):
    articles, titles = tmp_path / "a.txt", tmp_path / "t.txt"
    articles.write_text("".join(f"article {i} words\n" for i in range(40)))
    titles.write_text("".join(f"title {i}\n" for i in range(40)))
    split = unsupervised_split([articles], [titles], dev_size=4, seed=0)
    by_article = {f"article {i} words": f"title {i}" for i in range(40)}
    assert split.held_out_summaries == [by_article[a] for a in split.articles]
    assert not set(split.held_out_summaries) & set(split.summaries)
