"""The naive-Bayes headline-likeness score on a corpus small enough to count by hand."""

import math

import pytest

from seqae.data.errors import DataError
from seqae.rl.word_prior import WordPrior

# Summaries (n = 2): document frequencies police 2 ("police police" counts once), arrest 1, man 1.
SUMMARIES = ["police arrest man", "police police"]
# Articles (n = 3): police 1, said 2, the 2, man 2, rain 1, fell 1.
ARTICLES = ["police said the man", "the man said", "rain fell"]
# P_summary = (df + 1) / 4, P_article = (df + 1) / 5
POLICE = math.log(3 / 4) - math.log(2 / 5)  # log(15/8) = 0.62861
ARREST = math.log(2 / 4) - math.log(1 / 5)  # log(5/2) = 0.91629
MAN = math.log(2 / 4) - math.log(3 / 5)  # log(5/6) = -0.18232
THE = math.log(1 / 4) - math.log(3 / 5)  # log(5/12) = -0.87547
UNSEEN = math.log(1 / 4) - math.log(1 / 5)  # log(5/4) = 0.22314
WORST = math.log(1 / 4) - math.log(4 / 5)  # never in a summary, in every article: log(5/16) = -1.16315


@pytest.fixture
def prior() -> WordPrior:
    return WordPrior.fit(SUMMARIES, ARTICLES)


def test_word_scores_by_hand(prior):
    assert prior.word_scores(["police", "arrest", "man", "the", "volcano"]) == pytest.approx(
        [POLICE, ARREST, MAN, THE, UNSEEN])
    assert [POLICE, ARREST, MAN, THE, UNSEEN] == pytest.approx([0.62861, 0.91629, -0.18232, -0.87547, 0.22314],
                                                               abs=1e-5)


def test_counts_document_frequencies_not_occurrences(prior):
    assert prior.summary_df["police"] == 2 and prior.article_df["said"] == 2


def test_summary_score_is_the_mean_word_score(prior):
    # (log(15/8) + log(5/6)) / 2 = log(25/16) / 2 = log(5/4)
    assert prior.score("police man") == pytest.approx(math.log(5 / 4))
    assert prior.score("police police arrest") == pytest.approx((2 * POLICE + ARREST) / 3)
    assert prior.score("volcano") == pytest.approx(UNSEEN)


def test_empty_summary_gets_the_lowest_possible_score(prior):
    assert prior.worst == pytest.approx(WORST)
    assert prior.score("") == prior.score("   ") == pytest.approx(WORST)
    assert all(prior.score(w) > prior.worst for w in ["the", "said", "man", "volcano"])


def test_is_a_plain_reward_callable(prior):
    assert prior.__name__ == "word_prior"
    rewards = prior(["doc one", "doc two"], ["police man", ""], completion_ids=None)
    assert rewards == pytest.approx([math.log(5 / 4), WORST])


def test_save_and_load_round_trip(prior, tmp_path):
    path = tmp_path / "prior.json"
    prior.save(path)
    prior.save(path)  # overwriting goes through the same rename
    assert [p.name for p in tmp_path.iterdir()] == ["prior.json"]  # no temporary file left behind
    loaded = WordPrior.load(path)
    words = ["police", "arrest", "man", "the", "volcano"]
    assert loaded.word_scores(words) == prior.word_scores(words)
    assert loaded.worst == prior.worst


def test_load_rejects_other_files(tmp_path):
    (tmp_path / "other.json").write_text('{"a": 1}', encoding="utf-8")
    (tmp_path / "broken.json").write_text('{"a": ', encoding="utf-8")
    for name in ["other.json", "broken.json", "missing.json"]:
        with pytest.raises(DataError):
            WordPrior.load(tmp_path / name)
