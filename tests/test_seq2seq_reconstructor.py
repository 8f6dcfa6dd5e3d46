"""scripts/seq2seq_reconstructor.py (issue 23's seq2seq R): it reads R's batches, so its log-probabilities must
mean what a causal R's do: each document token predicted from the summary and the tokens before it only."""

import importlib.util
from pathlib import Path

import pytest
import torch
from transformers import BertForTokenClassification

from seqae.core.losses import document_token_log_probs, reconstructor_loss
from seqae.core.models import bert_config
from seqae.data.tokenizer import WordCodec, build_word_tokenizer

_spec = importlib.util.spec_from_file_location(
    "seq2seq_reconstructor", Path(__file__).parents[1] / "scripts" / "seq2seq_reconstructor.py")
seq2seq_reconstructor = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(seq2seq_reconstructor)

WORDS = "police city fire river mayor storm bank court"


@pytest.fixture
def codec():
    return WordCodec.from_tokenizer(build_word_tokenizer(texts=[WORDS], vocab_size=13))


@pytest.fixture
def model(codec, tmp_path):
    torch.manual_seed(0)
    tagger = BertForTokenClassification(bert_config(codec.pad, 13, 16, 1, 2, 32, 32, labels=2))
    tagger.save_pretrained(tmp_path / "tagger")
    model = seq2seq_reconstructor.build(tmp_path / "tagger", codec, 13, 16, 1, 32).eval()
    with torch.no_grad():  # weights far from BERT's small initial ones, so what a token reads shows in its output
        for parameter in model.parameters():
            parameter.normal_(0.0, 0.5)
    return model


def log_probs(model, codec, summaries, documents):
    with torch.no_grad():
        values, mask = document_token_log_probs(model, codec, summaries, documents, 60)
    return values, mask


def test_a_document_token_reads_the_summary_and_the_tokens_before_it_only(model, codec):
    before, mask = log_probs(model, codec, ["fire", "fire"], ["police city river", "police city bank"])
    assert mask.sum(1).tolist() == [4, 4]  # three words and </s>
    # the third word differs: the first two are predicted alike, the third not
    assert torch.allclose(before[0, :2], before[1, :2])
    assert not torch.allclose(before[0, 2], before[1, 2])
    # the summary reaches every document token (through the encoder only)
    other, _ = log_probs(model, codec, ["storm"], ["police city river"])
    assert not torch.allclose(other[0, 0], before[0, 0])


def test_an_empty_summary_and_padding_change_nothing_for_the_other_rows(model, codec):
    alone, _ = log_probs(model, codec, ["fire"], ["police city"])
    batched, _ = log_probs(model, codec, ["fire", "", "mayor storm bank court river"],
                           ["police city", "police city river mayor", "court"])
    assert torch.allclose(alone[0, :3], batched[0, :3], atol=1e-5)
    assert torch.isfinite(batched).all()


def test_it_trains_on_r_s_loss_and_loads_as_saved(model, codec, tmp_path):
    model.train()
    loss = reconstructor_loss(model, codec, ["fire"], ["police city fire"], 60)
    loss.backward()
    assert model.projection.weight.grad.abs().sum() > 0  # the loss reaches the encoder's side
    model.eval()
    model.save_pretrained(tmp_path / "r")
    loaded = seq2seq_reconstructor.load(tmp_path / "r").eval()
    assert torch.equal(log_probs(model, codec, ["fire"], ["police city"])[0],
                       log_probs(loaded, codec, ["fire"], ["police city"])[0])
