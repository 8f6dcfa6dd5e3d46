"""Component tests against hand-computed values (torchtune style): every expected tensor or number below is
written out literally and derived by hand in the comments, never by calling the code under test.

- the padded batches of the causal LMs (seqae.core.encoding)
- the per-row NLL with the next-token shift (seqae.core.losses)
- the reconstruction reward on a tiny fixed model whose probabilities are simple fractions (seqae.rl.rewards)
- the warm-start keep labels and pseudo-summaries (seqae.core.generators, seqae.data.heuristics)
- one optimizer step, clipped, and the skipped non-finite step (seqae.core.optim)
"""

import math
from types import SimpleNamespace

import pytest
import torch
from accelerate import Accelerator

from seqae.data.heuristics import heuristic_positions, heuristic_summary
from seqae.data.tokenizer import build_word_tokenizer
from seqae.core.encoding import (
    IGNORE_INDEX,
    WordCodec,
    WriterVocabulary,
    conditional_lm_batch,
    reconstructor_batch,
    supervised_generator_batch,
)
from seqae.core.generators import selection_labels
from seqae.core.losses import per_sequence_nll
from seqae.core.optim import NonFiniteStep, optimizer_step
from seqae.rl.rewards import ReconstructionReward

X = IGNORE_INDEX  # -100, short so the expected label rows line up with their inputs


# ---------------------------------------------------------------------------------------------------------------
# A tiny word vocabulary.
#
# Counts in the text below: police 3, city 2, market 1. The vocabulary is the five special tokens (ids 0-4, in the
# order <pad> <unk> <s> </s> <sep>) and then the words by falling count:
#   <pad>=0 <unk>=1 <s>=2 </s>=3 <sep>=4 police=5 city=6 market=7
# ---------------------------------------------------------------------------------------------------------------

PAD, UNK, BOS, EOS, SEP = 0, 1, 2, 3, 4
POLICE, CITY, MARKET = 5, 6, 7
VOCAB_SIZE = 8


@pytest.fixture(scope="module")
def codec() -> WordCodec:
    tokenizer = build_word_tokenizer(texts=["police city police", "market police city"], vocab_size=VOCAB_SIZE)
    return WordCodec.from_tokenizer(tokenizer)


def test_codec_ids_are_the_hand_derived_ones(codec):
    # Every expected tensor below is written with these numbers: pin them first.
    assert (codec.pad, codec.unk, codec.bos, codec.eos, codec.sep) == (PAD, UNK, BOS, EOS, SEP)
    assert [codec.vocab[w] for w in ("police", "city", "market")] == [POLICE, CITY, MARKET]
    # a word never seen is <unk>; with vocab_size=7 the id 7 (market) is past the model's vocabulary -> <unk>
    assert codec.ids(["storm", "city"]) == [UNK, CITY]
    assert codec.ids(["market", "police"], vocab_size=7) == [UNK, POLICE]


def assert_batch(batch, *, ids, mask, labels):
    """The batch's input ids, attention mask and labels are these rows."""
    torch.testing.assert_close(batch["input_ids"], torch.tensor(ids))
    torch.testing.assert_close(batch["attention_mask"], torch.tensor(mask))
    torch.testing.assert_close(batch["labels"], torch.tensor(labels))


def test_conditional_lm_batch_two_rows_of_different_length(codec):
    batch = conditional_lm_batch(codec, prefixes=[[POLICE, CITY], [MARKET]], targets=[[MARKET], [POLICE, CITY, MARKET]])
    # row 0: prefix police city, <sep>, target market, </s>          -> 5 tokens, padded to 6
    # row 1: prefix market, <sep>, target police city market, </s>   -> 6 tokens (the width)
    # labels: -100 on the prefix and <sep>, the target and </s> labelled, -100 on padding
    assert set(batch) == {"input_ids", "attention_mask", "labels"}
    assert_batch(batch, ids=[
        [POLICE, CITY, SEP, MARKET, EOS, PAD],
        [MARKET, SEP, POLICE, CITY, MARKET, EOS],
    ], mask=[
        [1, 1, 1, 1, 1, 0],
        [1, 1, 1, 1, 1, 1],
    ], labels=[
        [X, X, X, MARKET, EOS, X],
        [X, X, POLICE, CITY, MARKET, EOS],
    ])


def test_conditional_lm_batch_empty_prefix_is_sep_then_target(codec):
    # the empty summary of the reconstruction baseline: `<sep> target </s>`, <sep> not labelled
    batch = conditional_lm_batch(codec, prefixes=[[]], targets=[[CITY]])
    assert_batch(batch, ids=[[SEP, CITY, EOS]], mask=[[1, 1, 1]], labels=[[X, CITY, EOS]])


def test_reconstructor_batch_truncates_and_limits_the_vocabulary(codec):
    batch = reconstructor_batch(codec, summaries=["city storm", ""], documents=["police city market", "market"],
                                max_words=2, vocab_size=7)
    # max_words=2 truncates each text to its first two words; vocab_size=7 turns market (id 7) into <unk>;
    # storm is out of the vocabulary -> <unk>.
    # row 0: summary [city, storm] -> [6, 1]; document [police, city] -> [5, 6]
    #        tokens 6 1 <sep> 5 6 </s>                                                     (6 tokens, the width)
    # row 1: summary "" -> []; document [market] -> [<unk>]
    #        tokens <sep> <unk> </s>, padded with 3 <pad>
    assert_batch(batch, ids=[
        [CITY, UNK, SEP, POLICE, CITY, EOS],
        [SEP, UNK, EOS, PAD, PAD, PAD],
    ], mask=[
        [1, 1, 1, 1, 1, 1],
        [1, 1, 1, 0, 0, 0],
    ], labels=[
        [X, X, X, POLICE, CITY, EOS],
        [X, UNK, EOS, X, X, X],
    ])


def test_supervised_generator_batch_document_then_target(codec):
    batch = supervised_generator_batch(WriterVocabulary(codec, VOCAB_SIZE), documents=["police city market", "city"],
                                       targets=["police market city", "market city police"],
                                       max_words=3, max_target_words=2)
    # documents keep 3 words, targets 2 (max_target_words), no vocabulary limit:
    # row 0: police city market <sep> | police market </s>   -> 7 tokens (the width)
    # row 1: city <sep> | market city </s>                   -> 5 tokens, padded with 2 <pad>
    assert_batch(batch, ids=[
        [POLICE, CITY, MARKET, SEP, POLICE, MARKET, EOS],
        [CITY, SEP, MARKET, CITY, EOS, PAD, PAD],
    ], mask=[
        [1, 1, 1, 1, 1, 1, 1],
        [1, 1, 1, 1, 1, 0, 0],
    ], labels=[
        [X, X, X, X, POLICE, MARKET, EOS],
        [X, X, MARKET, CITY, EOS, X, X],
    ])


# Copy slots: a writer's vocabulary of its first 6 ids (up to police) and 2 slots, ids 6 and 7 (WriterVocabulary).
def test_words_past_the_vocabulary_take_the_document_s_copy_slots_in_order(codec):
    vocabulary = WriterVocabulary(codec, words=6, copy_slots=2)
    words = "city police zeta city UNK market omega".split()
    # city (id 6 >= 6), zeta (unseen) take slots 0 and 1 by first appearance; UNK (Gigaword's dropped word) is
    # none; market and omega find no slot left.
    assert vocabulary.slots(words) == ["city", "zeta"]
    assert vocabulary.ids(words, ["city", "zeta"]) == [6, POLICE, 7, 6, UNK, UNK, UNK]
    assert vocabulary.text([7, POLICE, 6, UNK, EOS, POLICE], ["city", "zeta"]) == "zeta police city"
    assert vocabulary.text([7, 6], ["city"]) == "city"  # a slot its document has no word for writes nothing


def test_without_slots_the_writer_reads_as_the_codec_does(codec):
    vocabulary = WriterVocabulary(codec, words=6)
    words = "city police zeta".split()
    assert vocabulary.slots(words) == []
    assert vocabulary.ids(words, []) == codec.ids(words, 6) == [UNK, POLICE, UNK]


def test_a_target_word_becomes_its_document_s_slot(codec):
    batch = supervised_generator_batch(WriterVocabulary(codec, words=6, copy_slots=2),
                                       documents=["zeta police"], targets=["police zeta market"],
                                       max_words=3, max_target_words=3)
    # zeta -> slot 0 (id 6); market is no word of the document: no slot, <unk>.
    assert_batch(batch, ids=[[6, POLICE, SEP, POLICE, 6, UNK, EOS]], mask=[[1] * 7],
                 labels=[[X, X, X, POLICE, 6, UNK, EOS]])


# ---------------------------------------------------------------------------------------------------------------
# per_sequence_nll
# ---------------------------------------------------------------------------------------------------------------


def _nll(logits: list[float], target: int) -> float:
    """-log softmax(logits)[target], by hand."""
    return math.log(sum(math.exp(z) for z in logits)) - logits[target]


def test_per_sequence_nll_shift_and_mask_by_hand():
    logits = torch.tensor([
        # row 0
        [[0.0, 0.0, 0.0],     # t=0 predicts labels[0, 1] = 2
         [1.0, 0.0, 0.0],     # t=1 predicts labels[0, 2] = 0
         [5.0, -5.0, 0.0],    # t=2 predicts labels[0, 3] = -100: not counted
         [9.0, 9.0, -9.0]],   # t=3 predicts nothing (no next token): dropped by the shift
        # row 1
        [[0.0, 2.0, 0.0],     # t=0 predicts labels[1, 1] = 1
         [0.0, 0.0, 0.0],     # t=1 predicts labels[1, 2] = 2
         [0.0, 0.0, 3.0],     # t=2 predicts labels[1, 3] = 0
         [-7.0, 7.0, 0.0]],   # t=3: dropped
    ])
    labels = torch.tensor([
        [X, 2, 0, X],
        [1, 1, 2, 0],  # labels[1, 0] is labelled but no position predicts the first token: never counted
    ])
    # row 0 counts two positions:
    #   t=0, target 2 of [0, 0, 0]: log(3)
    #   t=1, target 0 of [1, 0, 0]: log(e + 2) - 1
    row0 = (math.log(3) + (math.log(math.e + 2) - 1)) / 2
    # row 1 counts three positions:
    #   t=0, target 1 of [0, 2, 0]: log(e^2 + 2) - 2
    #   t=1, target 2 of [0, 0, 0]: log(3)
    #   t=2, target 0 of [0, 0, 3]: log(2 + e^3) - 0
    row1 = ((math.log(math.exp(2) + 2) - 2) + math.log(3) + math.log(2 + math.exp(3))) / 3
    # the same numbers through the generic helper, as a check of the arithmetic above
    assert row0 == pytest.approx((_nll([0, 0, 0], 2) + _nll([1, 0, 0], 0)) / 2)
    assert row1 == pytest.approx((_nll([0, 2, 0], 1) + _nll([0, 0, 0], 2) + _nll([0, 0, 3], 0)) / 3)

    nll = per_sequence_nll(logits, labels)
    assert nll.shape == (2,)
    torch.testing.assert_close(nll, torch.tensor([row0, row1]))


def test_per_sequence_nll_row_without_labels_is_zero_not_nan():
    logits = torch.tensor([[[0.0, 1.0], [2.0, 0.0]]])
    labels = torch.tensor([[X, X]])
    torch.testing.assert_close(per_sequence_nll(logits, labels), torch.tensor([0.0]))


# ---------------------------------------------------------------------------------------------------------------
# Reconstruction reward on a fixed "copy" model.
#
# A model whose logits depend only on the current token cannot tell one summary from another (the document after
# <sep> reads the same), so every reward would be 0. This stub instead raises, by log(3), the logit of every token
# already seen (at this position or before, padding excluded):
#     p(v | prefix) = w_v / Z,   w_v = 3 if v is in the prefix else 1,   Z = 8 + 2 * (distinct tokens in prefix)
# so the summary helps exactly when it contains document words, and every probability is a simple fraction.
# ---------------------------------------------------------------------------------------------------------------


class CopyLM(torch.nn.Module):
    def __init__(self, vocab_size: int = VOCAB_SIZE):
        super().__init__()
        self.config = SimpleNamespace(vocab_size=vocab_size)
        self.boost = torch.nn.Parameter(torch.tensor(math.log(3.0)))
        self.calls = []

    def forward(self, input_ids, attention_mask):
        self.calls.append((input_ids.clone(), attention_mask.clone()))
        seen = torch.nn.functional.one_hot(input_ids, self.config.vocab_size) * attention_mask[..., None]
        present = (seen.cumsum(dim=1) > 0).float()
        return SimpleNamespace(logits=present * self.boost)


def test_copy_lm_probabilities_are_the_fractions_used_below():
    # guards the stub itself: after <sep> police, p(police) = 3/12 and p(city) = 1/12
    logits = CopyLM()(torch.tensor([[SEP, POLICE]]), torch.tensor([[1, 1]])).logits
    probs = torch.softmax(logits[0, 1], -1)
    assert probs[POLICE].item() == pytest.approx(3 / 12)
    assert probs[CITY].item() == pytest.approx(1 / 12)


def test_reconstruction_reward_by_hand(codec):
    model = CopyLM()
    reward = ReconstructionReward(model, codec, optimizer=None, accelerator=None, max_words=10)
    a, b = "police city", "market"
    documents = [a, a, a, a, b]
    summaries = ["city", "market", "police city", "", "market"]

    # Document A = police city: the labelled predictions are police, city and </s> after `summary <sep>`.
    # NLL(A | ""):          <sep> police city </s>
    #   police | {sep}                    Z=10, absent  -> 1/10
    #   city   | {sep, police}            Z=12, absent  -> 1/12
    #   </s>   | {sep, police, city}      Z=14, absent  -> 1/14
    #   = (ln 10 + ln 12 + ln 14) / 3
    # NLL(A | city):        city <sep> police city </s>
    #   police | {city, sep}              Z=12, absent  -> 1/12
    #   city   | {city, sep, police}      Z=14, present -> 3/14
    #   </s>   | same set                 Z=14, absent  -> 1/14
    #   reward = (ln 10 + ln 12 + ln 14 - ln 12 - ln(14/3) - ln 14) / 3 = ln(30/14) / 3 = ln(15/7) / 3
    # NLL(A | market):      market <sep> police city </s>
    #   1/12, 1/14, 1/16 -> reward = (ln 10 - ln 16) / 3 = ln(5/8) / 3   (an unrelated word costs probability mass)
    # NLL(A | police city): police city <sep> police city </s>
    #   police 3/14, city 3/14, </s> 1/14 -> reward = (ln 10 + ln 12 - 2 ln(14/3)) / 3 = ln(120 * 9 / 196) / 3
    #   = ln(270/49) / 3
    # NLL(A | ""): the baseline itself -> reward 0
    # Document B = market:
    # NLL(B | ""):          <sep> market </s>:         market 1/10, </s> 1/12
    # NLL(B | market):      market <sep> market </s>:  market 3/12, </s> 1/12
    #   reward = (ln 10 - ln 4) / 2 = ln(5/2) / 2
    expected = [math.log(15 / 7) / 3, math.log(5 / 8) / 3, math.log(270 / 49) / 3, 0.0, math.log(5 / 2) / 2]
    assert [round(x, 4) for x in expected] == [0.254, -0.1567, 0.5689, 0.0, 0.4581]

    scores = reward(documents, summaries)
    assert scores == pytest.approx(expected, abs=1e-5)

    # One forward pass: the 5 (document, summary) rows, then ONE baseline row per distinct document (A, B),
    # not one per sample: the four samples of A share a single NLL(A | "").
    assert len(model.calls) == 1
    input_ids, attention_mask = model.calls[0]
    # the widest row is `police city <sep> police city </s>`: 6 tokens
    assert input_ids.shape == (5 + 2, 6)
    # rows 5 and 6 are `<sep> A </s>` and `<sep> B </s>`, right-padded to the width
    torch.testing.assert_close(input_ids[5], torch.tensor([SEP, POLICE, CITY, EOS, PAD, PAD]))
    torch.testing.assert_close(input_ids[6], torch.tensor([SEP, MARKET, EOS, PAD, PAD, PAD]))
    torch.testing.assert_close(attention_mask[6], torch.tensor([1, 1, 1, 0, 0, 0]))


def test_reconstruction_reward_truncates_to_max_words(codec):
    # max_words=1: the document police city is read as police, the summary "city market" as city.
    # NLL(police | ""):    <sep> police </s>:     police 1/10, </s> 1/12
    # NLL(police | city):  city <sep> police </s>: police 1/12, </s> 1/14
    #   reward = (ln 10 + ln 12 - ln 12 - ln 14) / 2 = ln(10/14) / 2 = ln(5/7) / 2
    reward = ReconstructionReward(CopyLM(), codec, optimizer=None, accelerator=None, max_words=1)
    assert reward(["police city"], ["city market"]) == pytest.approx([math.log(5 / 7) / 2], abs=1e-5)


# ---------------------------------------------------------------------------------------------------------------
# Warm-start keep labels and pseudo-summaries
#
#   index: 0   1        2    3  4       5    6      7  8   9    10       11 12
#   word:  the minister said on tuesday that police in the city arrested ## people
# function tokens: the (determiner), said (news filler), on / in (prepositions), that (determiner), ## (no letter or
# digit, cannot score under ROUGE). Content words: minister 1, tuesday 4, police 6, city 9, arrested 10, people 12.
# The second document: 0 fire, 1 in, 2 the, 3 market (content: fire 0, market 3; preposition: in 1).
# ---------------------------------------------------------------------------------------------------------------

DOCUMENT = "the minister said on tuesday that police in the city arrested ## people"
SHORT = "fire in the market"


@pytest.mark.parametrize("heuristic, expected", [
    # first 5 words
    ("lead", [[1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0],
              [1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]]),
    # first 5 content words: 1 4 6 9 10; the short document has only 0 and 3
    ("content_lead", [[0, 1, 0, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0],
                      [1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]]),
    # first 5 of content words and prepositions: 1 minister, 3 on, 4 tuesday, 6 police, 7 in (city is the 6th)
    ("content_lead_prepositions", [[0, 1, 0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0],
                                   [1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]]),
])
def test_keep_labels_by_hand(heuristic, expected):
    words = [DOCUMENT.split(), SHORT.split()]
    labels = selection_labels(words, lambda _, row_words: heuristic_positions(row_words, heuristic, 5), (2, 13))
    assert labels.dtype == torch.long
    torch.testing.assert_close(labels, torch.tensor(expected))


@pytest.mark.parametrize("heuristic, count, max_words, expected", [
    ("lead", 5, None, "the minister said on tuesday"),
    ("content_lead", 5, None, "minister tuesday police city arrested"),
    ("content_lead_prepositions", 5, None, "minister on tuesday police in"),
    # more than the document holds: every content word, `##` still dropped
    ("content_lead", 10, None, "minister tuesday police city arrested people"),
    # only the first 6 words are read (the minister said on tuesday that): two content words
    ("content_lead", 5, 6, "minister tuesday"),
    ("content_lead_prepositions", 5, 6, "minister on tuesday"),
])
def test_heuristic_summary_by_hand(heuristic, count, max_words, expected):
    assert heuristic_summary(DOCUMENT, heuristic, count, max_words) == expected


def test_unknown_heuristic_is_refused():
    with pytest.raises(ValueError, match="unknown heuristic"):
        heuristic_positions(DOCUMENT.split(), "first_sentence", 5)


# ---------------------------------------------------------------------------------------------------------------
# optimizer_step
# ---------------------------------------------------------------------------------------------------------------


class OneWeight(torch.nn.Module):
    def __init__(self, value: float = 3.0):
        super().__init__()
        self.w = torch.nn.Parameter(torch.tensor(value))


@pytest.fixture(scope="module")
def accelerator() -> Accelerator:
    return Accelerator(cpu=True)


@pytest.mark.parametrize("max_grad_norm, expected_w", [
    # loss = 2 w -> grad 2, norm 2 > 1: clipped to 1, SGD step 0.1 * 1 = 0.1 -> 3.0 - 0.1 = 2.9
    (1.0, 2.9),
    # norm 2 < 10: no clipping, step 0.1 * 2 = 0.2 -> 2.8
    (10.0, 2.8),
])
def test_optimizer_step_clips_then_steps(accelerator, max_grad_norm, expected_w):
    model = OneWeight(3.0)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    norm = optimizer_step(accelerator, model, optimizer, 2 * model.w, max_grad_norm=max_grad_norm)
    assert norm == pytest.approx(2.0)  # the norm before clipping
    assert model.w.item() == pytest.approx(expected_w)
    assert model.w.grad is None  # zeroed with set_to_none after the step


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_optimizer_step_non_finite_loss_skips_the_step(accelerator, bad):
    model = OneWeight(3.0)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    model.w.grad = torch.tensor(5.0)  # a stale gradient, which the skipped step must clear
    with pytest.raises(NonFiniteStep, match="non-finite reward"):
        optimizer_step(accelerator, model, optimizer, model.w * bad, what="reward")
    assert model.w.item() == 3.0
    assert model.w.grad is None
    # the next finite step starts from clean gradients: grad 2 (unclipped under 10), 3.0 - 0.1 * 2 = 2.8;
    # had the stale 5 survived, the gradient would be 7 and the weight 3.0 - 0.7 = 2.3
    optimizer_step(accelerator, model, optimizer, 2 * model.w, max_grad_norm=10.0)
    assert model.w.item() == pytest.approx(2.8)
