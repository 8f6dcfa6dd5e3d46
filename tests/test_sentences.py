"""Tests for seqae.data.sentences: Punkt trained on a small synthetic corpus, saved and loaded."""

import json
import random

import pytest

from seqae.data.sentences import PARAMETERS_FILE, SentenceSplitter
from seqae.data.errors import DataError

SUBJECTS = ["dr. smith", "the u.s. envoy", "gov. brown", "the mayor", "police", "acme corp."]
VERBS = ["met", "called", "warned", "thanked", "visited"]
OBJECTS = ["the president", "reporters", "st. louis officials", "the council", "voters"]
TIMES = ["on monday", "at # p.m.", "last week", "in jan.", "today"]


def synthetic_documents(count: int, seed: int = 0) -> list[str]:
    """Lowercased, tokenized news-like text as in CNN/DailyMail: sentence periods stand alone."""
    rng = random.Random(seed)
    documents = []
    for _ in range(count):
        sentences = [
            f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(TIMES)} ."
            for _ in range(rng.randint(3, 6))
        ]
        documents.append(" ".join(sentences))
    return documents


@pytest.fixture(scope="module")
def splitter():
    return SentenceSplitter.train(synthetic_documents(300))


TEXT = "dr. smith met the u.s. envoy at # p.m. . gov. brown called st. louis officials in jan. . police warned voters ."
SENTENCES = [
    "dr. smith met the u.s. envoy at # p.m. .",
    "gov. brown called st. louis officials in jan. .",
    "police warned voters .",
]


def test_learns_abbreviations_from_the_corpus(splitter):
    assert {"dr", "gov", "st", "u.s"} <= splitter.parameters.abbrev_types


def test_splits_lowercased_tokenized_text(splitter):
    assert splitter.split(TEXT) == SENTENCES


def test_max_chars_bounds_training():
    documents = synthetic_documents(50)
    splitter = SentenceSplitter.train(documents, max_chars=1)
    assert splitter.trained_chars == len(documents[0])


def test_save_and_load_round_trip(splitter, tmp_path):
    path = splitter.save(tmp_path / "splitter")
    assert path == tmp_path / "splitter" / PARAMETERS_FILE
    record = json.loads(path.read_text(encoding="utf-8"))
    assert "dr" in record["abbrev_types"]
    loaded = SentenceSplitter.load(tmp_path / "splitter")
    assert loaded.split(TEXT) == SENTENCES
    assert loaded.parameters.abbrev_types == splitter.parameters.abbrev_types
    assert loaded.parameters.collocations == splitter.parameters.collocations
    assert loaded.parameters.sent_starters == splitter.parameters.sent_starters
    assert dict(loaded.parameters.ortho_context) == dict(splitter.parameters.ortho_context)
    assert loaded.trained_chars == splitter.trained_chars


def test_load_missing(tmp_path):
    with pytest.raises(DataError, match="does not exist") as caught:
        SentenceSplitter.load(tmp_path)
    assert str(tmp_path / PARAMETERS_FILE) in str(caught.value)


@pytest.mark.parametrize(
    "content",
    ["{not json", "[]", '{"abbrev_types": []}', '{"abbrev_types": [1], "collocations": [], "sent_starters": [], "ortho_context": {}}'],
)
def test_load_corrupt(tmp_path, content):
    (tmp_path / PARAMETERS_FILE).write_text(content, encoding="utf-8")
    with pytest.raises(DataError, match="Punkt parameter file") as caught:
        SentenceSplitter.load(tmp_path)
    assert str(caught.value).startswith(str(tmp_path / PARAMETERS_FILE))
