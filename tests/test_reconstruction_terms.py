"""R's token log-probabilities and the content-word reconstruction reward (issue 23), against hand-computed
tensors: a stand-in causal LM whose every logit is 0 except ln 3 for the ids already read."""

import math
from types import SimpleNamespace

import pytest
import torch

from seqae.data.tokenizer import WordCodec, build_word_tokenizer
from seqae.core.losses import document_token_log_probs, reconstruction_nll
from seqae.rl.rewards import (ContentReconstructionReward, ReconstructionReward, content_word_weights,
                              weighted_information_gain)
from seqae.rl.word_prior import WordPrior


class _CopyLM(torch.nn.Module):
    """Causal stand-in: at position t the logit of id v is ln 3 if v is among input_ids[: t + 1] (padding aside),
    else 0, over a vocabulary of 7 ids."""

    def __init__(self, pad: int):
        super().__init__()
        self.config = SimpleNamespace(vocab_size=7)
        self.pad = pad
        self.anchor = torch.nn.Parameter(torch.zeros(1))

    def forward(self, input_ids, attention_mask):
        n, length = input_ids.shape
        seen = torch.zeros(n, length, 7)
        for row in range(n):
            for t in range(length):
                for v in input_ids[row, : t + 1].tolist():
                    if v != self.pad:
                        seen[row, t, v] = 1.0
        return SimpleNamespace(logits=seen * math.log(3) + self.anchor)


@pytest.fixture
def codec():
    # <pad>=0 <unk>=1 <s>=2 </s>=3 <sep>=4 police=5 city=6
    return WordCodec.from_tokenizer(build_word_tokenizer(texts=["police city police"], vocab_size=7))


def test_document_token_log_probs_by_hand(codec):
    model = _CopyLM(codec.pad)
    log_probs, mask = document_token_log_probs(model, codec, ["city", ""], ["police city", "police city"], 60)
    # row 0 reads `city <sep> police city </s>`:
    #   police after {city, <sep>}: 1 / (5 + 2*3) = 1/11;  city after {city, <sep>, police}: 3/13;  </s>: 1/13
    # row 1 reads `<sep> police city </s>`: police after {<sep>}: 1/9;  city after {<sep>, police}: 1/11;  </s>: 1/13
    expected = torch.log(torch.tensor([[1 / 11, 3 / 13, 1 / 13], [1 / 9, 1 / 11, 1 / 13]]))
    assert mask.tolist() == [[True] * 3, [True] * 3]
    assert torch.allclose(log_probs, expected)
    # left-aligned: a shorter document is padded on the right, with 0 and mask False
    log_probs, mask = document_token_log_probs(model, codec, ["", ""], ["police city", "city"], 60)
    assert mask.tolist() == [[True, True, True], [True, True, False]]
    assert torch.allclose(log_probs[1], torch.log(torch.tensor([1 / 9, 1 / 11, 1.0])))  # city, then </s>, then 0
    # the per-token mean is the reconstruction reward's NLL, negated: the existing term reads the same numbers
    nll = reconstruction_nll(model, codec, ["city", ""], ["police city", "police city"], 60)
    log_probs, mask = document_token_log_probs(model, codec, ["city", ""], ["police city", "police city"], 60)
    assert torch.allclose(-(log_probs * mask).sum(1) / mask.sum(1), nll)


def test_weighted_information_gain_by_hand():
    summary = torch.tensor([[-1.0, -2.0, -3.0], [-1.0, -1.0, 0.0]])
    empty = torch.tensor([[-2.0, -2.0, -1.0], [-3.0, -1.0, 0.0]])
    weights = torch.tensor([[2.0, 1.0, 0.0], [0.0, 0.0, 0.0]])
    # row 0: (2 * 1 + 1 * 0 + 0 * -2) / 3;  row 1: no weight at all -> 0
    assert torch.allclose(weighted_information_gain(summary, empty, weights), torch.tensor([2 / 3, 0.0]))


def test_content_word_weights_skip_function_words_punctuation_and_end():
    idf = {"police": 2.0, "city": 0.5}.get
    assert content_word_weights(["the", "police", ",", "city"], idf, 6) == [0.0, 2.0, 0.0, 0.5, 0.0, 0.0]


def test_content_reconstruction_reward_by_hand(codec):
    model = _CopyLM(codec.pad)
    idf = {"police": 2.0, "city": 1.0}.get
    reward = ContentReconstructionReward(model, codec, 60, idf)
    # gains (see test_document_token_log_probs_by_hand): police log(9/11), city log((3/13) / (1/11)) = log(33/13);
    # </s> weighs 0:  (2 log(9/11) + log(33/13)) / 3
    expected = (2 * math.log(9 / 11) + math.log(33 / 13)) / 3
    scores = reward(["police city", "police city", "the city"], ["city", "", "police"])
    assert scores[0] == pytest.approx(expected, abs=1e-6)
    assert scores[1] == pytest.approx(0.0, abs=1e-6)
    # "the city" given "police": the (function word) "the" counts 0; city after {police, <sep>, the} is 1/(4+9) -
    # no copy - against 1/(5+6) after {<sep>, the}: log(11/13) with weight 1
    assert scores[2] == pytest.approx(math.log(11 / 13), abs=1e-6)
    assert reward([], []) == []
    # the existing reconstruction reward is unchanged: per-token mean gain over every token, </s> included
    plain = ReconstructionReward(model, codec, None, None, 60)(["police city"], ["city"])[0]
    assert plain == pytest.approx((math.log(9 / 11) + math.log(33 / 13) + 0.0) / 3, abs=1e-6)


def test_word_prior_idf_and_ratio_by_hand():
    prior = WordPrior.fit(["police title"], ["police said", "police came", "city hall"])
    # 3 articles, 1 summary; add-one smoothing over n + 2
    assert prior.idf("police") == pytest.approx(math.log(5 / 3))
    assert prior.idf("never") == pytest.approx(math.log(5 / 1))
    assert prior.ratio("police") == pytest.approx((2 / 3) / (3 / 5))  # in 1 of 1 summaries, 2 of 3 articles
    assert prior.ratio("city") == pytest.approx((1 / 3) / (2 / 5))
    assert math.log(prior.ratio("hall")) == pytest.approx(prior.word_scores(["hall"])[0])


def test_headline_reconstruction_weighs_by_the_word_prior_ratio(codec):
    # the same gains as test_content_reconstruction_reward_by_hand, other weights: police 0.5, city 3
    prior = SimpleNamespace(ratio={"police": 0.5, "city": 3.0}.get)
    reward = ContentReconstructionReward(_CopyLM(codec.pad), codec, 60, prior.ratio, "headline_reconstruction")
    assert reward.__name__ == "headline_reconstruction"
    expected = (0.5 * math.log(9 / 11) + 3 * math.log(33 / 13)) / 3.5
    assert reward(["police city"], ["city"])[0] == pytest.approx(expected, abs=1e-6)


def test_build_rewards_makes_both_terms_from_r_and_the_word_prior(codec):
    from seqae.core.config import RLConfig
    from seqae.rl.rewards import build_rewards

    model = _CopyLM(codec.pad)
    reconstruction = ReconstructionReward(model, codec, None, None, 60)
    prior = WordPrior.fit(["police title"], ["police said", "police came", "city hall"])
    only_r_terms = dict(reconstruction_weight=0.0, discriminator_weight=0.0, length_weight=0.0, repetition_weight=0.0,
                        word_prior_weight=0.0, number_weight=0.0)
    settings = RLConfig(**only_r_terms, content_reconstruction_weight=1.0, headline_reconstruction_weight=2.0)
    rewards = build_rewards(settings, reconstruction, None, word_prior=prior)
    assert rewards.weights == {"content_reconstruction": 1.0, "headline_reconstruction": 2.0}
    assert rewards.fixed().terms == {} and rewards.reconstruction is None  # they read R; R itself does not train
    scores = rewards.score(["police city"], ["city"])
    direct = {"content_reconstruction": ContentReconstructionReward(model, codec, 60, prior.idf),
              "headline_reconstruction": ContentReconstructionReward(model, codec, 60, prior.ratio)}
    for name, term in direct.items():
        assert scores[name].tolist() == pytest.approx(term(["police city"], ["city"]))
    with pytest.raises(ValueError, match="headline_reconstruction_weight"):
        build_rewards(RLConfig(**only_r_terms, headline_reconstruction_weight=1.0), reconstruction, None)
