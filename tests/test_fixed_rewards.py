"""The fixed reward models: the coverage model (Summary Loop's masked-word fill-in) and the fluency reward's
language model of human summaries. Batches by hand; the trained models checked on what they must prefer."""

import math
import random
from types import SimpleNamespace

import pytest
import torch

from seqae.data.tokenizer import WordCodec, build_word_tokenizer
from seqae.core.encoding import IGNORE_INDEX
from seqae.rl.coverage import CoverageModel, CoverageReward, masked_batch, masked_word_logprob, random_summary
from seqae.rl.rewards import FluencyReward
from seqae.core.summary_lm import SummaryLM

X = IGNORE_INDEX


def test_masked_batch_by_hand():
    # vocabulary: <pad>=0 <unk>=1 <s>=2 </s>=3 <sep>=4 police=5 city=6 (police 2, city 1); the mask is id 7
    codec = WordCodec.from_tokenizer(build_word_tokenizer(texts=["police city police"], vocab_size=7))
    batch = masked_batch(codec, ["city", ""], ["police in city storm", "the police"], max_words=3, mask_id=7)
    # row 0: <s> city <sep> | police in city  (cut at 3 words; "in" is a function word: kept, not scored)
    # row 1: <s> <sep> | the police <pad>
    assert batch["input_ids"].tolist() == [[2, 6, 4, 7, 1, 7], [2, 4, 1, 7, 0, 0]]
    assert batch["attention_mask"].tolist() == [[1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0]]
    assert batch["labels"].tolist() == [[X, X, X, 5, X, 6], [X, X, X, 5, X, X]]
    # a masked word the vocabulary does not know ("storm") is masked but never scored
    storm = masked_batch(codec, [""], ["storm city"], max_words=5, mask_id=7)
    assert storm["input_ids"].tolist() == [[2, 4, 7, 7]] and storm["labels"].tolist() == [[X, X, X, 6]]


class _FixedMaskedLM:
    """A stand-in BertForMaskedLM with 1-dimensional hidden states, all 1, and word vectors 0, ln 3, 0 for
    ids 0, 1, 2 (bias 0): the logit of id w at any position is its vector."""

    def __init__(self, positions: int):
        self.bert = lambda input_ids, attention_mask: SimpleNamespace(
            last_hidden_state=torch.ones(input_ids.shape[0], positions, 1))
        self.cls = SimpleNamespace(predictions=SimpleNamespace(
            transform=lambda hidden: hidden, bias=torch.zeros(3),
            decoder=SimpleNamespace(weight=torch.tensor([[0.0], [math.log(3)], [0.0]]))))


def test_masked_word_logprob_chooses_among_shared_and_own_masked_words_by_hand():
    batch = {"input_ids": torch.zeros(3, 3, dtype=torch.long), "attention_mask": torch.ones(3, 3),
             "labels": torch.tensor([[X, 1, 2], [X, 1, X], [X, X, X]])}
    # row 0: candidates {1, 2}, logits ln 3 and 0 -> probabilities 3/4 and 1/4; position 1 is id 1, position 2
    #        id 2: mean of log 3/4 and log 1/4 = (ln 3 - 4 ln 2) / 2
    # row 1: one candidate, id 1: log 1 = 0;  row 2 scores nothing: 0
    expected = torch.tensor([(math.log(3) - 4 * math.log(2)) / 2, 0.0, 0.0])
    assert torch.allclose(masked_word_logprob(_FixedMaskedLM(3), batch, shared=0), expected)
    # shared=1: id 0 (logit 0) is a candidate of every row.
    # row 0: {0, 1, 2}, probabilities 1/5, 3/5, 1/5: mean of log 3/5 and log 1/5 = (ln 3 - 2 ln 5) / 2
    # row 1: {0, 1}: log 3/4;  row 2: nothing scored, 0
    expected = torch.tensor([(math.log(3) - 2 * math.log(5)) / 2, math.log(3 / 4), 0.0])
    assert torch.allclose(masked_word_logprob(_FixedMaskedLM(3), batch, shared=1), expected)


def test_random_summary_is_an_in_order_subset_of_content_words():
    rng = random.Random(0)
    document = "police arrest man in city after storm hits the market"
    content = [w for w in document.split() if w not in ("in", "after", "the")]
    for _ in range(50):
        words = random_summary(document, 8, 4, rng).split()
        assert len(words) <= 4 and all(w in content for w in words)
        assert words == [w for w in content[:7] if w in words]  # document order, within the first 8 words


def _documents(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    nouns = "police army bank court union market storm rebels oil minister".split()
    return [" ".join(f"{rng.choice(nouns)} of the {rng.choice(nouns)}" for _ in range(3)) for _ in range(count)]


@pytest.mark.slow
def test_coverage_reward_prefers_the_document_s_own_content_words(tmp_path):
    documents = _documents(300, seed=0)
    codec = WordCodec.from_tokenizer(build_word_tokenizer(texts=documents, vocab_size=64))
    coverage = CoverageModel.train(documents, codec, max_words=12, steps=300, batch_size=32, lr=3e-3, hidden=64,
                                   layers=1, max_summary_words=4, progress=False)
    reward = CoverageReward(coverage)
    test = _documents(40, seed=1)
    own = [" ".join([w for w in d.split() if w not in ("of", "the")][:4]) for d in test]  # 4 of its 6 content words
    foreign = own[1:] + own[:1]
    gains_own, gains_foreign = reward(test, own), reward(test, foreign)
    # nats per masked word (measured: +0.24 own, -0.40 another document's)
    assert sum(gains_own) / len(test) > 0.1
    assert sum(gains_own) / len(test) > sum(gains_foreign) / len(test) + 0.3
    assert reward(test[:3], ["", "", ""]) == [0.0, 0.0, 0.0]  # no summary adds nothing
    coverage.save(tmp_path / "coverage")
    loaded = CoverageReward(CoverageModel.load(tmp_path / "coverage", codec, 12))
    assert loaded(test[:5], own[:5]) == reward(test[:5], own[:5])


def test_fluency_reward_is_minus_the_lm_nll_per_token_and_the_worst_when_empty():
    rng = random.Random(0)
    texts = [f"{rng.choice(['police', 'army'])} arrest {rng.choice(['man', 'woman'])} in city" for _ in range(200)]
    lm = SummaryLM.train(texts, steps=80, batch_size=32, hidden=64, layers=1, progress=False)
    reward = FluencyReward(lm)
    scores = reward(["", "x"], ["police arrest man in city", ""])
    assert abs(scores[0] + lm.mean_nll(["police arrest man in city"])[0]) < 1e-6
    assert scores[1] == -math.log(len(lm.tokenizer))
    assert reward([""], ["police arrest man in city"])[0] > reward([""], ["city in man arrest police"])[0]
