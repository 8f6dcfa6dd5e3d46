"""Words <-> token ids and the padded batches each network reads.

The vocabulary is word-level, so one space-separated word is exactly one token: the tagger's labels align with
words, and decoding is joining words with spaces (Gigaword's `##` numbers survive).
"""

import torch

from seqae.core.config import DISCRIMINATOR_WORDS
from seqae.data.tokenizer import DATASET_UNKNOWN, WordCodec

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


class WriterVocabulary:
    """A writer's token ids: the codec's first `words` words, then `copy_slots` copy slots. A document's words
    outside those words take the slots in order of first appearance (`<unk>` past the last one), so that a writer
    whose copy mask admits the document's tokens can copy a rare name as one slot token, and decoding turns the slot
    back into that document's word: the positional unknown words of Luong et al. (2015), numbered per document.
    Gigaword's own mark for a word its files dropped (`UNK`) stays unknown: there is no word to copy. With no slots,
    every word past `words` is `<unk>` (WordCodec.ids with a vocab_size)."""

    def __init__(self, codec: WordCodec, words: int, copy_slots: int = 0):
        self.codec, self.words, self.copy_slots = codec, words, copy_slots

    @classmethod
    def of(cls, model, codec: WordCodec) -> "WriterVocabulary":
        """The vocabulary a (possibly DDP-wrapped) writer was built with (its config's `seqae_copy_slots`)."""
        slots = getattr(getattr(model, "module", model).config, "seqae_copy_slots", 0)
        return cls(codec, model_vocab_size(model) - slots, slots)

    def _known(self, word: str) -> bool:
        return self.codec.vocab.get(word, self.words) < self.words

    def slots(self, words: list[str]) -> list[str]:
        """The words of a document that take its copy slots, slot 0 first."""
        taken: list[str] = []
        for word in words:
            if len(taken) == self.copy_slots:
                break
            if word != DATASET_UNKNOWN and word not in taken and not self._known(word):
                taken.append(word)
        return taken

    def ids(self, words: list[str], slots: list[str]) -> list[int]:
        """Token ids of `words` (a document's, or a text written from it) with that document's `slots`."""
        slot_ids = {word: self.words + index for index, word in enumerate(slots)}
        return [self.codec.vocab[word] if self._known(word) else slot_ids.get(word, self.codec.unk) for word in words]

    def text(self, ids, slots: list[str]) -> str:
        """Decode up to the first EOS, a slot as its document's word, dropping special tokens (WordCodec.text)."""
        words = []
        for token in ids:
            token = int(token)
            if token == self.codec.eos:
                break
            if token >= self.words:
                words += slots[token - self.words:token - self.words + 1]  # a slot the document has no word for: none
            elif token not in self.codec.special:
                words.append(self.codec.id_to_word[token])
        return " ".join(words)


def generator_prompts(vocabulary: WriterVocabulary, documents: list[str],
                      max_words: int) -> tuple[torch.Tensor, torch.Tensor, list[list[str]]]:
    """`document <sep>`, left-padded so generation continues every row at the same position, and each document's
    copy slots (what decoding needs to write its slot tokens back as words)."""
    read = [truncate_words(d, max_words) for d in documents]
    slots = [vocabulary.slots(words) for words in read]
    ids, mask = pad([vocabulary.ids(words, row_slots) + [vocabulary.codec.sep]
                     for words, row_slots in zip(read, slots)], vocabulary.codec.pad, left=True)
    return ids, mask, slots


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


def supervised_generator_batch(vocabulary: WriterVocabulary, documents: list[str], targets: list[str],
                               max_words: int, max_target_words: int, left: bool = False) -> dict:
    """`document <sep> target </s>`: the generator learns to write the target (its rare words as their document's
    copy slots)."""
    prefixes, written = [], []
    for document, target in zip(documents, targets):
        words = truncate_words(document, max_words)
        slots = vocabulary.slots(words)
        prefixes.append(vocabulary.ids(words, slots))
        written.append(vocabulary.ids(truncate_words(target, max_target_words), slots))
    return conditional_lm_batch(vocabulary.codec, prefixes, written, left)


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
