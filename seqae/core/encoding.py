"""Words <-> token ids and the padded batches each network reads.

The vocabulary is word-level, so one space-separated word is exactly one token: the tagger's labels align with
words, and decoding is joining words with spaces (Gigaword's `##` numbers survive).
"""

import torch

from seqae.core.config import DISCRIMINATOR_WORDS
from seqae.data.tokenizer import WordCodec

IGNORE_INDEX = -100


def pad(sequences: list[list[int]], value: int, left: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """Pad to a rectangle; returns (ids, attention_mask)."""
    width = max(1, max(len(s) for s in sequences))
    ids = torch.full((len(sequences), width), value, dtype=torch.long)
    mask = torch.zeros((len(sequences), width), dtype=torch.long)
    for row, seq in enumerate(sequences):
        if not seq:
            continue
        span = slice(width - len(seq), width) if left else slice(0, len(seq))
        ids[row, span] = torch.tensor(seq, dtype=torch.long)
        mask[row, span] = 1
    return ids, mask


def truncate_words(text: str, max_words: int) -> list[str]:
    return text.split()[:max_words]


def model_vocab_size(model) -> int:
    """The vocabulary size a (possibly DDP-wrapped) model was built with."""
    return getattr(model, "module", model).config.vocab_size


def generator_prompts(codec: WordCodec, documents: list[str], max_words: int,
                      vocab_size: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """`document <sep>`, left-padded so generation continues every row at the same position."""
    return pad([codec.ids(truncate_words(d, max_words), vocab_size) + [codec.sep] for d in documents], codec.pad,
               left=True)


def conditional_lm_batch(codec: WordCodec, prefixes: list[list[int]], targets: list[list[int]],
                         left: bool = False) -> dict:
    """`prefix <sep> target </s>` for a causal LM, with the loss on the target and EOS only; `left`: padded on
    the left, so every target ends at the last position."""
    sequences, labels = [], []
    for prefix, target in zip(prefixes, targets):
        prompt, completion = prefix + [codec.sep], target + [codec.eos]
        sequences.append(prompt + completion)
        labels.append([IGNORE_INDEX] * len(prompt) + completion)
    input_ids, attention_mask = pad(sequences, codec.pad, left)
    label_ids, _ = pad(labels, IGNORE_INDEX, left)
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": label_ids}


def supervised_generator_batch(codec: WordCodec, documents: list[str], targets: list[str], max_words: int,
                               max_target_words: int, vocab_size: int | None = None, left: bool = False) -> dict:
    """`document <sep> target </s>`: the generator learns to write the target."""
    return conditional_lm_batch(codec, [codec.ids(truncate_words(d, max_words), vocab_size) for d in documents],
                                [codec.ids(truncate_words(t, max_target_words), vocab_size) for t in targets], left)


def reconstructor_batch(codec: WordCodec, summaries: list[str], documents: list[str], max_words: int,
                        vocab_size: int | None = None) -> dict:
    """`summary <sep> document </s>`: how well the summary predicts the document."""
    return conditional_lm_batch(codec, [codec.ids(truncate_words(s, max_words), vocab_size) for s in summaries],
                                [codec.ids(truncate_words(d, max_words), vocab_size) for d in documents])


def tagger_batch(codec: WordCodec, documents: list[str], max_words: int,
                 vocab_size: int | None = None) -> tuple[list[list[str]], dict]:
    """The document words (kept verbatim, so rare words copy exactly) and their ids for the tagger."""
    words = [truncate_words(d, max_words) or ["."] for d in documents]
    input_ids, attention_mask = pad([codec.ids(w, vocab_size) for w in words], codec.pad)
    return words, {"input_ids": input_ids, "attention_mask": attention_mask}


def discriminator_batch(codec: WordCodec, texts: list[str], max_words: int = DISCRIMINATOR_WORDS,
                        vocab_size: int | None = None) -> dict:
    """`<s> text`: BERT's pooler reads the first position, so it holds a fixed token."""
    input_ids, attention_mask = pad([[codec.bos] + codec.ids(t.split()[:max_words], vocab_size) for t in texts], codec.pad)
    return {"input_ids": input_ids, "attention_mask": attention_mask}
