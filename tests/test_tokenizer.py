"""Tests for seqae.data.tokenizer: vocabulary building, exact word round trips, save and load."""

import gzip
import json

import pytest

from seqae.data.tokenizer import SPECIAL_TOKENS, build_word_tokenizer, load_word_tokenizer
from seqae.data.errors import DataError, UsageError

TEXTS = [
    "japan 's nec corp. said sales rose ##.# percent .",
    "sales fell to ## years low -lrb- official -rrb- .",
    "the sales rose again .",
]


def test_special_token_ids_come_first():
    tokenizer = build_word_tokenizer(TEXTS)
    assert tokenizer.convert_ids_to_tokens(list(range(5))) == list(SPECIAL_TOKENS)
    assert (tokenizer.pad_token_id, tokenizer.unk_token_id, tokenizer.bos_token_id) == (0, 1, 2)
    assert (tokenizer.eos_token_id, tokenizer.sep_token_id) == (3, 4)


def test_one_token_per_word_and_exact_decoding():
    tokenizer = build_word_tokenizer(TEXTS)
    for text in [*TEXTS, "to ## years"]:
        ids = tokenizer(text)["input_ids"]
        assert len(ids) == len(text.split())
        assert tokenizer.decode(ids) == text


def test_unknown_words_and_special_tokens():
    tokenizer = build_word_tokenizer(TEXTS)
    ids = tokenizer("<s> sales zzz </s>")["input_ids"]
    assert ids == [tokenizer.bos_token_id, tokenizer.convert_tokens_to_ids("sales"), tokenizer.unk_token_id, tokenizer.eos_token_id]
    assert tokenizer.decode(ids, skip_special_tokens=True) == "sales"


def test_vocab_size_and_min_frequency_keep_the_most_frequent():
    tokenizer = build_word_tokenizer(TEXTS, vocab_size=8)
    assert tokenizer.convert_ids_to_tokens([5, 6, 7]) == [".", "sales", "rose"]
    assert len(tokenizer) == 8
    frequent = build_word_tokenizer(TEXTS, min_frequency=2)
    assert set(frequent.get_vocab()) == {*SPECIAL_TOKENS, ".", "sales", "rose"}


def test_from_count_files_skips_their_special_entries(tmp_path):
    articles = tmp_path / "train.article.dict"
    articles.write_text("<unk> 100000.0\n<s> 100000.0\n</s> 100000.0\nthe 50\n## 20\nnec 3\n", encoding="utf-8")
    titles = tmp_path / "train.title.dict.gz"
    with gzip.open(titles, "wt", encoding="utf-8") as handle:
        handle.write("nec 30\nsays 4\n#\u00a0# 9\n")
    tokenizer = build_word_tokenizer(counts_path=[articles, titles])
    assert tokenizer.convert_ids_to_tokens(list(range(len(tokenizer)))) == [*SPECIAL_TOKENS, "the", "nec", "##", "says"]
    assert build_word_tokenizer(counts_path=articles, vocab_size=6).convert_ids_to_tokens([5]) == ["the"]


def test_bad_count_file_names_file_and_line(tmp_path):
    path = tmp_path / "words.dict"
    path.write_text("the 5\nbroken\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"line 2: expected 'word count'") as caught:
        build_word_tokenizer(counts_path=path)
    assert str(caught.value).startswith(str(path))


def test_needs_a_source_and_room_for_words():
    with pytest.raises(UsageError):
        build_word_tokenizer()
    with pytest.raises(UsageError):
        build_word_tokenizer(TEXTS, vocab_size=5)


def test_save_pretrained_round_trip(tmp_path):
    tokenizer = build_word_tokenizer(TEXTS)
    tokenizer.save_pretrained(tmp_path / "tok")
    loaded = load_word_tokenizer(tmp_path / "tok")
    assert loaded.get_vocab() == tokenizer.get_vocab()
    for text in [*TEXTS, "to ## years", "unknown words here"]:
        ids = tokenizer(text)["input_ids"]
        assert loaded(text)["input_ids"] == ids
        assert loaded.decode(ids) == tokenizer.decode(ids)
    for name in ("pad", "unk", "bos", "eos", "sep"):
        assert getattr(loaded, f"{name}_token_id") == getattr(tokenizer, f"{name}_token_id")
    assert loaded.decode(loaded("to ## years")["input_ids"]) == "to ## years"
    batch = loaded(["sales rose", "the sales rose again ."], padding=True)
    assert batch["input_ids"][0][-3:] == [loaded.pad_token_id] * 3


def test_load_missing(tmp_path):
    with pytest.raises(DataError, match="no tokenizer.json") as caught:
        load_word_tokenizer(tmp_path / "absent")
    assert str(tmp_path / "absent") in str(caught.value)


def test_load_corrupt(tmp_path):
    build_word_tokenizer(TEXTS).save_pretrained(tmp_path)
    (tmp_path / "tokenizer.json").write_text("{broken", encoding="utf-8")
    with pytest.raises(DataError, match="cannot load tokenizer") as caught:
        load_word_tokenizer(tmp_path)
    assert str(caught.value).startswith(str(tmp_path))


def test_load_without_special_tokens(tmp_path):
    build_word_tokenizer(TEXTS).save_pretrained(tmp_path)
    config_path = tmp_path / "tokenizer_config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    del config["sep_token"]
    config_path.write_text(json.dumps(config), encoding="utf-8")
    with pytest.raises(DataError, match="no sep token"):
        load_word_tokenizer(tmp_path)
