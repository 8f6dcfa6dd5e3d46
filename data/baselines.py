"""Extractive baselines over one tokenized document (tokens separated by spaces).

Every function maps a document string to a summary string and has no side effects, so the
same code serves the `seqae baseline` command, the benchmarks and the RL reward sanity checks.
"""

import math
import random

from seqae.data.heuristics import heuristic_summary


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


def content_lead(doc: str, n: int) -> str:
    """The first `n` tokens that are not function words, punctuation or unscorable symbols."""
    return heuristic_summary(doc, "content_lead", n)


def content_lead_prepositions(doc: str, n: int) -> str:
    """The content-word lead that keeps prepositions: the heuristic the Gigaword recipe's warm start imitates
    (configs/gigaword.yaml; the config's default is content_lead)."""
    return heuristic_summary(doc, "content_lead_prepositions", n)
