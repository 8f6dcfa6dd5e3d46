"""The readability pieces: the phrase and number rewards (by hand), SLOR (against its definition, by hand, and
what it must prefer), and a run that weighs them all."""

import math
import random

import pytest

from conftest import tiny_train_args
from seqae.cli import main
from seqae.data.heuristics import mentions_number
from seqae.rl.rewards import FluencyReward, is_number_token, number_reward, phrase_reward
from seqae.core.summary_lm import SummaryLM


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


@pytest.mark.parametrize("text, expected", [("# us soldiers killed", True), ("two us soldiers killed", True),
                                            ("hundreds flee floods", True), ("Six Christians die", True),
                                            ("fifteen killed", True), ("twenty-five arrested", True),
                                            ("a ##-year-old man", False), ("a one-sided vote", False),
                                            ("one of the soldiers killed", False), ("third round result", False),
                                            ("us soldiers killed", False), ("", False)])
def test_a_number_is_in_digits_or_spelled(text, expected):
    assert mentions_number(text) is expected


def test_number_reward_counts_only_a_number_of_the_document():
    documents = ["rates rise #.# percent in june", "rates rise in june", "rates rise #.# percent", "## dead in ####"]
    summaries = ["rates rise #.# percent", "rates rise #.# percent", "rates rise", "# dead"]
    assert number_reward(documents, summaries) == [1.0, 0.0, 0.0, 0.0]


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


@pytest.mark.slow
def test_slor_takes_each_word_s_frequency_out_and_keeps_what_order_adds():
    rng = random.Random(7)
    # "police" headlines are frequent, "rebels attack" ones rare; both are fluent
    texts = [f"police {rng.choice(['arrest', 'join'])} man in {rng.choice(['paris', 'rome'])}" for _ in range(300)]
    texts += ["rebels attack man in rome"] * 20
    lm = SummaryLM.train(texts, steps=300, batch_size=32, hidden=64, layers=1, progress=False)
    frequent, rare, scrambled = "police arrest man in paris", "rebels attack man in rome", "police man arrest in paris"
    assert lm.mean_nll([frequent])[0] < lm.mean_nll([rare])[0]  # likelihood prefers frequent words
    assert lm.slor([rare])[0] > lm.slor([frequent])[0]  # SLOR does not hold rarity against a fluent text
    assert lm.slor([scrambled])[0] < min(lm.slor([frequent])[0], lm.slor([rare])[0]) - 1  # but order counts


def test_slor_frequencies_are_saved_and_loaded(tmp_path):
    lm = SummaryLM.train(_titles(50, seed=1), steps=2, hidden=64, layers=1, progress=False)
    lm.save(tmp_path / "lm")
    assert SummaryLM.load(tmp_path / "lm").unigram_log_probs == pytest.approx(lm.unigram_log_probs)


def test_a_run_can_weigh_the_readability_terms(tmp_path, tiny_corpus):
    out = tmp_path / "run"
    assert main(tiny_train_args(tiny_corpus, out, "rl.phrase_weight=1", "rl.number_weight=1", "rl.fluency_weight=0.5",
                                "rl.fluency_measure=slor", "summary_lm.steps=5")) == 0
    assert SummaryLM.load(out / "model" / "summary_lm").unigram_log_probs is not None
    rows = [line for line in (out / "metrics.jsonl").read_text().splitlines() if '"reward_fluency"' in line]
    assert rows and all('"reward_phrase"' in r and '"reward_number"' in r for r in rows)
