"""Extractive baselines on hand-made documents."""

import random

import pytest

from seqae.data.heuristics import FUNCTION_WORDS, is_function_token
from seqae.data.baselines import content_lead, lead_bytes, lead_words, prefix, random_words
from seqae.data.baselines import truncate_utf8

DOC = "japan 's nec corp. and UNK computer corp. of the united states said wednesday they had agreed ."


def test_lead_words():
    assert lead_words(DOC, 3) == "japan 's nec"
    assert lead_words("a  b", 5) == "a b"


def test_lead_bytes_respects_utf8_characters():
    assert lead_bytes("ab cd ef", 5) == "ab cd"
    assert lead_bytes("ab cd ef", 3) == "ab"  # the trailing space is dropped
    assert lead_bytes("né é", 2) == "n"  # "é" is two bytes and is not split
    assert truncate_utf8("€x", 2) == ""  # "€" is three bytes


def test_prefix_rounds_up():
    assert prefix("a b c d e", 0.5) == "a b c"
    assert prefix("a b c d e", 1.0) == "a b c d e"
    assert prefix("a b c d e", 0.01) == "a"
    with pytest.raises(ValueError):
        prefix("a b", 0)


def test_random_words_keeps_document_order_and_is_seeded():
    doc = " ".join(str(i) for i in range(20))
    picked = random_words(doc, 6, random.Random(3))
    indices = [int(word) for word in picked.split()]
    assert len(indices) == 6 and indices == sorted(indices)
    assert picked == random_words(doc, 6, random.Random(3))
    assert random_words("a b", 5, random.Random(0)) == "a b"


def test_function_tokens():
    for token in ["the", "'s", "said", "-lrb-", "``", ",", "##", "#.#", "#,###", "--"]:
        assert is_function_token(token), token
    for token in ["UNK", "nec", "corp.", "##-year-old", "united"]:
        assert not is_function_token(token), token
    assert {"the", "a", "an", "of", "to", "in", "'s", "said", "-rrb-", "''"} <= FUNCTION_WORDS


def test_content_lead():
    assert content_lead(DOC, 6) == "japan nec corp. UNK computer corp."
    assert content_lead("the ## killed in -lrb- bomb -rrb- blast", 3) == "killed bomb blast"
