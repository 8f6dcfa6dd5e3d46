"""Issue 23 exploration: a seq2seq R whose encoder is the tagger's. The summary reaches R's decoder only through
cross-attention to the tagger's encoder reading the whole summary at once (bidirectionally), where the bench's R
is one causal LM over `summary <sep> document`.

`Seq2SeqReconstructor` takes the causal R's batches (seqae.core.encoding.reconstructor_batch) and returns logits
at the same positions, so every scorer of R (seqae.core.losses, seqae.rl.rewards.ContentReconstructionReward,
scripts/recon_variants.py) reads it unchanged: `scripts/retrain_reconstructor.py --seq2seq` trains one,
`scripts/recon_variants.py --seq2seq DIR` scores the diagnosis candidates with it.
"""

import json
from pathlib import Path
from types import SimpleNamespace

import torch
from transformers import AutoModelForTokenClassification, BertConfig, BertLMHeadModel

from seqae.core.models import load_model

CONFIG_FILE, WEIGHTS_FILE = "seq2seq_reconstructor.json", "seq2seq_reconstructor.pt"


class Seq2SeqReconstructor(torch.nn.Module):
    """Encoder: the tagger's BERT over `summary <sep>` (never empty: `<sep>` alone for no summary), projected to the
    decoder's width. Decoder: a causal BERT with cross-attention over `<sep> document </s>`; its logits are placed at
    the positions the causal R's batch gives those tokens (the summary's positions get 0: their labels are ignored)."""

    def __init__(self, encoder, vocab_size: int, width: int, layers: int, sep: int, pad: int, positions: int):
        super().__init__()
        self.encoder, self.sep, self.pad = encoder, sep, pad
        self.projection = torch.nn.Linear(encoder.config.hidden_size, width)
        self.decoder = BertLMHeadModel(BertConfig(
            vocab_size=vocab_size, hidden_size=width, num_hidden_layers=layers, num_attention_heads=max(1, width // 32),
            intermediate_size=2 * width, max_position_embeddings=positions, pad_token_id=pad, is_decoder=True,
            add_cross_attention=True, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0))
        self.config = SimpleNamespace(vocab_size=vocab_size)
        self.shape = dict(vocab_size=vocab_size, width=width, layers=layers, sep=sep, pad=pad, positions=positions)

    def forward(self, input_ids, attention_mask):
        rows, length = input_ids.shape
        lengths = attention_mask.sum(1)  # right-padded batches
        sep_at = (input_ids == self.sep).int().argmax(1)  # the first <sep>: where the summary ends
        span = torch.arange(length, device=input_ids.device)
        # encoder input: each row's `summary <sep>`, left-aligned
        encoder_mask = (span[None, :] <= sep_at[:, None]).long()
        encoder_ids = torch.where(encoder_mask.bool(), input_ids, torch.full_like(input_ids, self.pad))
        width = int(sep_at.max()) + 1
        encoded = self.encoder.bert(input_ids=encoder_ids[:, :width], attention_mask=encoder_mask[:, :width])
        states = self.projection(encoded.last_hidden_state)
        # decoder input: each row's `<sep> document </s>`, shifted left to start at 0
        decoder_length = int((lengths - sep_at).max())
        columns = sep_at[:, None] + span[None, :decoder_length]
        decoder_mask = (columns < lengths[:, None]).long()
        decoder_ids = torch.where(decoder_mask.bool(), input_ids.gather(1, columns.clamp(max=length - 1)),
                                  torch.full_like(columns, self.pad))
        logits = self.decoder(input_ids=decoder_ids, attention_mask=decoder_mask, encoder_hidden_states=states,
                              encoder_attention_mask=encoder_mask[:, :width]).logits
        placed = logits.new_zeros(rows, length, logits.size(-1))
        valid = decoder_mask.bool()
        placed[torch.arange(rows, device=input_ids.device)[:, None].expand_as(columns)[valid], columns[valid]] = \
            logits[valid]
        return SimpleNamespace(logits=placed)

    def save_pretrained(self, directory) -> None:
        """Saved as a causal R is saved (its callers call both alike); `load` reads it back."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        (directory / CONFIG_FILE).write_text(json.dumps(self.shape))
        self.encoder.save_pretrained(directory / "encoder")
        torch.save({k: v for k, v in self.state_dict().items() if not k.startswith("encoder.")},
                   directory / WEIGHTS_FILE)


def build(tagger_directory, codec, vocab_size: int, width: int, layers: int, positions: int) -> Seq2SeqReconstructor:
    """A new seq2seq R over a copy of the tagger saved in `tagger_directory` (its encoder trains with R)."""
    encoder = load_model(tagger_directory, AutoModelForTokenClassification, "tagger", num_labels=2)
    return Seq2SeqReconstructor(encoder, vocab_size, width, layers, codec.sep, codec.pad, positions)


def load(directory) -> Seq2SeqReconstructor:
    directory = Path(directory)
    shape = json.loads((directory / CONFIG_FILE).read_text())
    encoder = load_model(directory / "encoder", AutoModelForTokenClassification, "tagger", num_labels=2)
    model = Seq2SeqReconstructor(encoder, **shape)
    weights = torch.load(directory / WEIGHTS_FILE)
    model.load_state_dict({**weights, **{f"encoder.{k}": v for k, v in encoder.state_dict().items()}})
    return model
