"""Extractive baselines over one tokenized document (tokens separated by spaces).

Every function maps a document string to a summary string and has no side effects, so the
same code serves the `seqae baseline` command, the benchmarks and the RL reward sanity checks.
"""

import math
import random
import re

# Closed-class English words, the reporting verb of news leads, and the punctuation tokens and
# PTB escapes of Gigaword. Dropping them before taking a lead keeps the word budget for the
# names, nouns and verbs that headlines are made of.
_DETERMINERS = "the a an this that these those its his her their our my your"
_PREPOSITIONS = (
    "of to in on for at by with from as into over about after before under between against "
    "during without through up down out off than amid since until"
)
_CONJUNCTIONS = "and or but nor so yet if while because although though whether"
_AUXILIARIES = (
    "is are was were be been being am has have had having do does did "
    "will would shall should can could may might must"
)
_PRONOUNS = "it he she they we i you him them us me who whom which what whose"
_NEWS_FILLER = "'s said says n't not also"
_PTB_TOKENS = "-lrb- -rrb- -lsb- -rsb- -lcb- -rcb- `` '' ` ' , . ; : -- ... ? ! & $ %"

PREPOSITIONS = frozenset(_PREPOSITIONS.split())
FUNCTION_WORDS = frozenset(
    " ".join(
        [_DETERMINERS, _PREPOSITIONS, _CONJUNCTIONS, _AUXILIARIES, _PRONOUNS, _NEWS_FILLER, _PTB_TOKENS]
    ).split()
)

# ROUGE's tokenizer keeps only [a-z0-9] runs, so a token without a letter or digit (punctuation,
# Gigaword's digit-masked numbers such as `##` or `#.#`) can never match a reference word.
_HAS_ALPHANUMERIC = re.compile(r"[a-z0-9]")


def is_function_token(token: str) -> bool:
    """True for a function word, punctuation, or a token that cannot score under ROUGE."""
    token = token.lower()
    return token in FUNCTION_WORDS or not _HAS_ALPHANUMERIC.search(token)


def truncate_utf8(text: str, n_bytes: int) -> str:
    """The longest prefix of `text` that fits in `n_bytes` UTF-8 bytes, never splitting a character."""
    # The input is valid UTF-8, so the only undecodable bytes are a character cut at the end.
    return text.encode("utf-8")[:n_bytes].decode("utf-8", errors="ignore")


def lead_words(doc: str, n: int) -> str:
    """The first `n` tokens."""
    return " ".join(doc.split()[:n])


def lead_bytes(doc: str, n: int) -> str:
    """The first `n` bytes (as ROUGE-1.5.5 `-b n` would see them), possibly ending mid-word."""
    return truncate_utf8(" ".join(doc.split()), n).rstrip()


def prefix(doc: str, ratio: float) -> str:
    """The first `ratio` of the tokens, rounded up so that a non-empty document gives a word."""
    if not 0 < ratio <= 1:
        raise ValueError(f"ratio must be in (0, 1], got {ratio}")
    words = doc.split()
    return " ".join(words[: math.ceil(ratio * len(words))])


def random_words(doc: str, n: int, rng: random.Random) -> str:
    """`n` tokens drawn without replacement, kept in document order."""
    words = doc.split()
    kept = sorted(rng.sample(range(len(words)), min(n, len(words))))
    return " ".join(words[i] for i in kept)


def content_word_lead(doc: str, n: int) -> str:
    """The first `n` tokens that are not function words, punctuation or unscorable symbols."""
    return " ".join([word for word in doc.split() if not is_function_token(word)][:n])
