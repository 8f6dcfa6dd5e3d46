"""The extractive tagger, word-aligned: one keep/drop decision per document word, whatever the tokenizer.

Two kinds of tagger read a document:
- seqae's own (built from scratch): word-level vocabulary, one word = one token, so its token logits are
  already word logits;
- a pretrained one (`model.generator_init`, e.g. MiniLM): its own subword tokenizer (WordPiece) travels with
  the model. Each word is split into sub-tokens (`is_split_into_words=True`) and the word's logits are those
  of its first sub-token, as in BERT's NER recipe. Words past the model's maximum length are cut off.

Either way callers get `TaggedWords`: the words, logits [B, W, 2] per word and a word mask, so sampling,
the warm-start labels and inference never see sub-tokens, and summaries copy document words verbatim.

The subword tokenizer is attached to the model object (`attach_tokenizer`), saved next to its weights in
every bundle (`save_tokenizer`) and found again on load (`load_subword_tokenizer`).
"""

from dataclasses import dataclass
from pathlib import Path

import torch

from seqae.data.tokenizer import WordCodec
from seqae.core.encoding import model_vocab_size, tagger_batch, truncate_words
from seqae.data.errors import DataError, first_line

ATTRIBUTE = "seqae_subword_tokenizer"
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "vocab.txt")


@dataclass
class TaggedWords:
    words: list[list[str]]  # per document: the words the tagger read (a prefix of the document)
    logits: torch.Tensor  # [B, W, 2] keep/drop logits per word (differentiable)
    mask: torch.Tensor  # [B, W] 1 where a word has logits, 0 for padding and words without a sub-token


def _unwrapped(model):
    return getattr(model, "module", model)


def attach_tokenizer(model, tokenizer) -> None:
    setattr(_unwrapped(model), ATTRIBUTE, tokenizer)


def subword_tokenizer(model):
    """The tagger's own subword tokenizer, or None for a word-level tagger."""
    return getattr(_unwrapped(model), ATTRIBUTE, None)


def has_tokenizer_files(directory) -> bool:
    return any((Path(directory) / name).is_file() for name in TOKENIZER_FILES)


def load_subword_tokenizer(directory):
    """A model directory's own (fast) tokenizer; a damaged or slow-only one is a DataError."""
    from transformers import AutoTokenizer  # seconds to import: only a pretrained (subword) tagger has its own tokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(directory, local_files_only=True)
    except (OSError, ValueError, TypeError) as error:
        raise DataError(directory, f"cannot load the tagger's tokenizer: {first_line(error)}") from None
    if not getattr(tokenizer, "is_fast", False):
        raise DataError(directory, "the tagger's tokenizer has no fast version (tokenizer.json): word "
                                   "alignment needs one")
    return tokenizer


def save_tokenizer(model, directory) -> None:
    tokenizer = subword_tokenizer(model)
    if tokenizer is not None:
        tokenizer.save_pretrained(directory)


def max_input_length(model, tokenizer, cap: int | None = None) -> int:
    """The longest input, in sub-tokens, that both the model's positions and the tokenizer allow."""
    limits = [getattr(_unwrapped(model).config, "max_position_embeddings", None), tokenizer.model_max_length, cap]
    return min(int(limit) for limit in limits if limit and limit < 1_000_000)


def _device(model, device):
    return device if device is not None else next(model.parameters()).device


def tag_words(model, codec: WordCodec, documents: list[str], max_words: int, device=None) -> TaggedWords:
    """Run the tagger on `documents` (their first `max_words` words) and return its logits per word.

    Runs with gradients if the caller has them enabled; `model` may be wrapped (DDP), and is called through
    the wrapper so gradients are synchronized.
    """
    device = _device(model, device)
    tokenizer = subword_tokenizer(model)
    if tokenizer is None:
        words, batch = tagger_batch(codec, documents, max_words, model_vocab_size(model))
        batch = {k: v.to(device) for k, v in batch.items()}
        return TaggedWords(words, model(**batch).logits, batch["attention_mask"])

    words = [truncate_words(d, max_words) or ["."] for d in documents]
    encoded = tokenizer(words, is_split_into_words=True, truncation=True, max_length=max_input_length(model, tokenizer),
                        padding=True, return_tensors="pt")
    first = []  # per document: the position of each word's first sub-token (-1: none)
    for row, row_words in enumerate(words):
        positions = [-1] * len(row_words)
        for position, word_id in enumerate(encoded.word_ids(row)):
            if word_id is not None and positions[word_id] < 0:
                positions[word_id] = position
        # Truncation cuts the end of the document: keep the words up to the last one that was read.
        read = [i for i, p in enumerate(positions) if p >= 0]
        cut = read[-1] + 1 if read else 1
        words[row] = row_words[:cut]
        first.append(positions[:cut])
    width = max(len(w) for w in words)
    index = torch.zeros((len(words), width), dtype=torch.long)
    mask = torch.zeros((len(words), width), dtype=torch.long)
    for row, positions in enumerate(first):
        for column, position in enumerate(positions):
            if position >= 0:
                index[row, column], mask[row, column] = position, 1
    token_logits = model(input_ids=encoded["input_ids"].to(device),
                         attention_mask=encoded["attention_mask"].to(device)).logits
    index, mask = index.to(device), mask.to(device)
    logits = token_logits.gather(1, index.unsqueeze(-1).expand(-1, -1, token_logits.size(-1)))
    return TaggedWords(words, logits, mask)
