"""The readability pieces: the phrase and number rewards (by hand), SLOR (against its definition, by hand),
the headline judge's corruptions and a tiny judge that must prefer real headlines to bags of their words, and
a run that weighs them all."""

import math
import random

import pytest

from conftest import tiny_train_args
from seqae.checkpoint import JUDGE_DIR
from seqae.cli import main
from seqae.headline_judge import CORRUPTIONS, HeadlineJudge, corrupt, corrupted_texts
from seqae.rl.rewards import FluencyReward, JudgeReward, is_number_token, number_reward, phrase_reward
from seqae.summary_lm import SummaryLM


def test_phrase_reward_is_the_share_of_pairs_adjacent_in_the_document():
    document = "the city council approved a flood barrier on monday"
    summaries = ["city council approved flood barrier",  # pairs: 3 of 4 adjacent (approved flood is not)
                 "council city",  # reversed: 0 of 1
                 "barrier", ""]  # no pair: 0
    assert phrase_reward([document] * 4, summaries) == [0.75, 0.0, 0.0, 0.0]


@pytest.mark.parametrize("token, expected", [("##", True), ("#.#", True), ("1,200", True), ("2025", True),
                                             ("#/#", True), ("$", False), ("percent", False),
                                             ("##-year-old", False), ("-", False), ("", False)])
def test_number_tokens(token, expected):
    assert is_number_token(token) is expected


def test_number_reward_counts_only_where_the_document_has_a_number():
    documents = ["rates rise #.# percent in june", "rates rise in june", "rates rise #.# percent"]
    summaries = ["rates rise #.# percent", "rates rise #.# percent", "rates rise"]
    assert number_reward(documents, summaries) == [1.0, 0.0, 0.0]


def _titles(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    who = "police army rebels workers voters".split()
    verb = "arrest attack join leave back".split()
    what = "the man the city the union the party the bank".split(" the ")
    return [f"{rng.choice(who)} {rng.choice(verb)} {rng.choice(what).strip()} in {rng.choice(['paris', 'rome'])}"
            for _ in range(count)]


def test_slor_is_lm_log_probability_minus_unigram_log_probability_per_token():
    texts = _titles(200, seed=0)
    lm = SummaryLM.train(texts, steps=30, batch_size=32, hidden=64, layers=1, progress=False)
    text = "police arrest man in paris"
    ids = lm.codec.ids(text.split()) + [lm.codec.eos]
    # add-one counts over the training texts, </s> once a text
    counts = [1] * len(lm.tokenizer)
    for t in texts:
        for token in lm.codec.ids(t.split()) + [lm.codec.eos]:
            counts[token] += 1
    unigram = sum(math.log(counts[i] / sum(counts)) for i in ids)
    nll = lm.mean_nll([text])[0] * len(ids)
    assert lm.slor([text])[0] == pytest.approx((-nll - unigram) / len(ids), abs=1e-4)
    reward = FluencyReward(lm, "slor")
    assert reward(["d", "d"], [text, ""]) == [pytest.approx(lm.slor([text])[0]), -math.log(len(lm.tokenizer))]
    with pytest.raises(ValueError, match="unknown fluency measure"):
        FluencyReward(lm, "perplexity")


def test_slor_frequencies_are_saved_and_loaded(tmp_path):
    lm = SummaryLM.train(_titles(50, seed=1), steps=2, hidden=64, layers=1, progress=False)
    lm.save(tmp_path / "lm")
    assert SummaryLM.load(tmp_path / "lm").unigram_log_probs == pytest.approx(lm.unigram_log_probs)


def test_each_corruption_keeps_to_its_kind():
    rng = random.Random(0)
    title = "rebels attack the city of rome".split()
    article = "the rebels said on monday they would attack the old city of rome before dawn".split()
    for _ in range(20):
        subset = corrupt("lead_subset", title, article, 6, rng)
        assert len(subset) == 6 and all(w in article for w in subset)
        window = corrupt("article_window", title, article, 5, rng)
        assert " ".join(window) in " ".join(article) and len(window) == 5
        dropped = corrupt("title_drop", title, article, 6, rng)
        assert 3 <= len(dropped) < len(title) and all(w in title for w in dropped)
        swapped = corrupt("title_swap", title, article, 6, rng)
        assert sorted(swapped) == sorted(title)
        cut = corrupt("title_cut", title, article, 6, rng)
        assert cut[0] == title[0] and len(cut) >= 2
    assert corrupt("content_lead", title, article, 3, rng)[0] == "rebels"
    texts = corrupted_texts(["a b c d e"], [" ".join(article)], 2 * len(CORRUPTIONS), seed=0)
    assert len(texts) == 2 * len(CORRUPTIONS) and all(texts)


def test_a_trained_judge_prefers_headlines_to_bags_and_fragments_of_them(tmp_path):
    titles = _titles(600, seed=2)
    articles = [f"officials said on {day} that {t} after a long day of talks" for t, day in
                zip(_titles(600, seed=3), ["monday", "tuesday"] * 300)]
    judge = HeadlineJudge.train(titles, articles, steps=150, batch_size=32, hidden=32, layers=1, vocab_size=200,
                                progress=False)
    held_out = _titles(50, seed=4)
    bags = [" ".join(w for i, w in enumerate(t.split()) if i != 2) for t in held_out]  # the object dropped
    fragments = [a.split(" that ")[0] for a in articles[:50]]
    human, bag, fragment = (sum(judge.log_odds(x)) / 50 for x in (held_out, bags, fragments))
    assert human > 0 > fragment and human > bag
    judge.save(tmp_path / "judge")
    reward = JudgeReward(HeadlineJudge.load(tmp_path / "judge"))
    assert reward(held_out[:5], held_out[:5]) == pytest.approx(judge.log_odds(held_out[:5]), abs=1e-5)


def test_a_run_can_weigh_the_readability_terms(tmp_path, tiny_corpus):
    out = tmp_path / "run"
    assert main(tiny_train_args(tiny_corpus, out, "rl.judge_weight=1", "rl.phrase_weight=1", "rl.number_weight=1",
                                "rl.fluency_weight=0.5", "rl.fluency_measure=slor", "judge.steps=5",
                                "judge.hidden_size=32", "judge.num_layers=1", "summary_lm.steps=5")) == 0
    assert (out / "model" / JUDGE_DIR / "model").is_dir()
    rows = [line for line in (out / "metrics.jsonl").read_text().splitlines() if '"reward_judge"' in line]
    assert rows and all('"reward_phrase"' in r and '"reward_number"' in r for r in rows)
