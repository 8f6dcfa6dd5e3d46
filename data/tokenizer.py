"""Word-level tokenizer: one token per space-separated word, saved and loaded as a Hugging Face tokenizer, and
`WordCodec`, the word <-> id mapping every network reads through.

One token per word makes copying a word from the article into the summary a single step and keeps the
alignment between words and tokens exact. Gigaword and CNN/DailyMail text is already tokenized with
single spaces, so splitting on whitespace is all the pre-tokenization needed.

transformers is imported only where a transformers tokenizer is built or loaded: `load_word_codec` reads a
saved vocabulary with `tokenizers` alone, so inference without torch (seqae.core.onnx_tagger) starts fast.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from tokenizers import Tokenizer, models, pre_tokenizers

from seqae.data.readers import iter_lines
from seqae.data.errors import DataError, UsageError

PAD, UNK, BOS, EOS, SEP = "<pad>", "<unk>", "<s>", "</s>", "<sep>"
SPECIAL_TOKENS = (PAD, UNK, BOS, EOS, SEP)  # ids 0..4, in this order
# Gigaword's test files write `UNK` where they dropped a rare word: a word of the text, but not one to copy.
DATASET_UNKNOWN = "UNK"

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerFast


class WordCodec:
    """Word-level encoding with the vocabulary and its special token ids."""

    def __init__(self, vocab: dict[str, int], *, pad: int, unk: int, bos: int, eos: int, sep: int):
        self.vocab = vocab
        self.id_to_word = {i: w for w, i in vocab.items()}
        self.pad, self.unk, self.bos, self.eos, self.sep = pad, unk, bos, eos, sep
        self.special = {pad, unk, bos, eos, sep}

    @classmethod
    def from_tokenizer(cls, tokenizer) -> WordCodec:
        """The codec of a transformers tokenizer (`build_word_tokenizer`, `load_word_tokenizer`)."""
        return cls(tokenizer.get_vocab(), pad=tokenizer.pad_token_id, unk=tokenizer.unk_token_id,
                   bos=tokenizer.bos_token_id, eos=tokenizer.eos_token_id, sep=tokenizer.sep_token_id)

    def ids(self, words: list[str], vocab_size: int | None = None) -> list[int]:
        """Token ids; with `vocab_size`, ids past it become <unk>. The vocabulary is ordered by frequency, so a
        model may read and predict only its first `vocab_size` words (a smaller softmax is much cheaper)."""
        ids = [self.vocab.get(word, self.unk) for word in words]
        if vocab_size is not None:
            ids = [i if i < vocab_size else self.unk for i in ids]
        return ids

    def text(self, ids) -> str:
        """Decode up to the first EOS, dropping special tokens (the unknown token is never emitted as text)."""
        words = []
        for token in ids:
            token = int(token)
            if token == self.eos:
                break
            if token not in self.special:
                words.append(self.id_to_word[token])
        return " ".join(words)


def read_word_counts(path) -> Counter:
    """Read a `word count` file (such as Gigaword's train.article.dict); counts may be written as floats."""
    counts = Counter()
    for lineno, line in iter_lines(path):
        fields = line.rsplit(maxsplit=1)
        if not fields:
            continue
        try:
            word, count = fields
            count = int(float(count))
        except (ValueError, OverflowError):
            raise DataError(path, f"line {lineno}: expected 'word count', got {line[:80]!r}") from None
        # A few entries hold a non-breaking space ("#\xa0#\\/#"); splitting on whitespace can never
        # produce such a word, so it would only waste a vocabulary slot.
        if len(word.split()) == 1:
            counts[word] += count
    if not counts:
        raise DataError(path, "contains no word counts")
    return counts


def build_word_tokenizer(
    texts: Iterable[str] | None = None,
    counts_path=None,
    vocab_size: int = 16000,
    min_frequency: int = 1,
) -> PreTrainedTokenizerFast:
    """Build a word-level tokenizer from the words of `texts` and/or count files, most frequent first.

    `counts_path` is one `word count` file or a list of them; all counts are added together. The
    vocabulary holds the special tokens (ids 0-4: <pad> <unk> <s> </s> <sep>) and then the
    `vocab_size - 5` most frequent words seen at least `min_frequency` times (ties broken
    alphabetically, so the same counts always give the same ids). No special token is added when
    encoding: callers add <s>, </s> and <sep> where their model needs them.
    """
    from transformers import PreTrainedTokenizerFast  # seconds to import: summarizing reads the WordCodec without it

    if texts is None and counts_path is None:
        raise UsageError("a word tokenizer needs texts or a word-count file to build its vocabulary from")
    if vocab_size <= len(SPECIAL_TOKENS):
        raise UsageError(f"vocab_size must be larger than the {len(SPECIAL_TOKENS)} special tokens, got {vocab_size}")
    counts = Counter()
    for text in texts or ():
        counts.update(text.split())
    if counts_path is not None:
        paths = [counts_path] if isinstance(counts_path, (str, Path)) else counts_path
        for path in paths:
            counts.update(read_word_counts(path))
    # Count files list <unk>, <s> and </s> like words; they already have their fixed special ids.
    for token in SPECIAL_TOKENS:
        counts.pop(token, None)
    frequent = sorted((word for word, count in counts.items() if count >= min_frequency), key=lambda w: (-counts[w], w))
    vocab = {token: index for index, token in enumerate(SPECIAL_TOKENS)}
    for word in frequent[: vocab_size - len(SPECIAL_TOKENS)]:
        vocab[word] = len(vocab)
    backend = Tokenizer(models.WordLevel(vocab, unk_token=UNK))
    backend.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    # No decoder on purpose: without one, decoding joins tokens with single spaces, so "to ## years"
    # comes back as written (a WordPiece decoder would glue "##" onto the word before it).
    return PreTrainedTokenizerFast(
        tokenizer_object=backend,
        pad_token=PAD,
        unk_token=UNK,
        bos_token=BOS,
        eos_token=EOS,
        sep_token=SEP,
        # transformers' clean-up would turn "japan 's" into "japan's" and " ." into ".".
        clean_up_tokenization_spaces=False,
    )


def load_word_tokenizer(directory) -> PreTrainedTokenizerFast:
    """Load a tokenizer written by `save_pretrained`; a missing or corrupt one raises DataError."""
    from transformers import PreTrainedTokenizerFast  # as in build_word_tokenizer

    directory = Path(directory)
    if not (directory / "tokenizer.json").is_file():
        raise DataError(directory, "no tokenizer.json here (not a saved tokenizer)")
    try:
        tokenizer = PreTrainedTokenizerFast.from_pretrained(directory, local_files_only=True)
    except Exception as error:  # noqa: BLE001 - transformers and tokenizers raise many unrelated types for a bad file
        raise DataError(directory, f"cannot load tokenizer ({type(error).__name__}: {error})") from None
    unset = [name for name in ("pad", "unk", "bos", "eos", "sep") if getattr(tokenizer, f"{name}_token_id") is None]
    if unset:
        raise DataError(directory, f"tokenizer has no {', '.join(unset)} token")
    return tokenizer


def load_word_codec(directory) -> WordCodec:
    """The codec of a saved word tokenizer, read with `tokenizers` alone (no transformers); a missing or corrupt
    one raises DataError, as `load_word_tokenizer` does."""
    path = Path(directory) / "tokenizer.json"
    if not path.is_file():
        raise DataError(directory, "no tokenizer.json here (not a saved tokenizer)")
    try:
        tokenizer = Tokenizer.from_file(str(path))
    except Exception as error:  # noqa: BLE001 - tokenizers raises a bare Exception for a bad file
        raise DataError(path, f"cannot load tokenizer ({type(error).__name__}: {error})") from None
    names = ("pad", "unk", "bos", "eos", "sep")
    ids = {name: tokenizer.token_to_id(token) for name, token in zip(names, SPECIAL_TOKENS)}
    unset = [name for name, token_id in ids.items() if token_id is None]
    if unset:
        raise DataError(directory, f"tokenizer has no {', '.join(unset)} token")
    return WordCodec(tokenizer.get_vocab(), **ids)
