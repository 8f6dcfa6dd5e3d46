"""Tests for seqae.data.readers: every input format, and bad inputs reported with the file name."""

import gzip
import json

import pytest

from seqae.data.readers import read_texts
from seqae.errors import DataError


def write_gz(path, text: str):
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(text)
    return path


def test_line_file_skips_blank_lines(tmp_path):
    path = tmp_path / "docs.txt"
    path.write_text("first doc .\n\n  second doc .  \r\n   \nthird\n", encoding="utf-8")
    assert list(read_texts(path)) == ["first doc .", "second doc .", "third"]


def test_whole_file_as_one_document(tmp_path):
    path = tmp_path / "doc.txt"
    path.write_text("line one .\nline two .\n", encoding="utf-8")
    assert list(read_texts(path, per_line=False)) == ["line one .\nline two ."]


def test_gzipped_line_file(tmp_path):
    path = write_gz(tmp_path / "docs.txt.gz", "a b c\nd e\n")
    assert list(read_texts(path)) == ["a b c", "d e"]


def test_directory_of_txt_files_in_name_order(tmp_path):
    (tmp_path / "b.txt").write_text("second\ndocument\n", encoding="utf-8")
    (tmp_path / "a.txt").write_text("first document\n", encoding="utf-8")
    (tmp_path / "notes.md").write_text("not a document", encoding="utf-8")
    assert list(read_texts(tmp_path, per_line=True)) == ["first document", "second\ndocument"]


def test_json_lines_string_and_list_fields(tmp_path):
    records = [
        {"article": "the plane crashed .", "highlights": ["plane crashed", "all died"]},
        {"article": "stocks rose .", "highlights": ["stocks up"]},
    ]
    text = "\n".join(json.dumps(record) for record in records) + "\n\n"
    plain = tmp_path / "cnndm.jsonl"
    plain.write_text(text, encoding="utf-8")
    gzipped = write_gz(tmp_path / "cnndm.jsonl.gz", text)
    for path in (plain, gzipped):
        assert list(read_texts(path, field="article")) == ["the plane crashed .", "stocks rose ."]
        assert list(read_texts(path, field="highlights")) == ["plane crashed all died", "stocks up"]


def test_json_suffix_is_read_as_json_lines(tmp_path):
    path = tmp_path / "docs.json"
    path.write_text('{"text": "one"}\n{"text": "two"}\n', encoding="utf-8")
    assert list(read_texts(path)) == ["one", "two"]


def test_reading_streams_without_reading_ahead(tmp_path):
    path = tmp_path / "docs.jsonl"
    path.write_text('{"text": "good"}\nnot json\n', encoding="utf-8")
    documents = read_texts(path)
    assert next(documents) == "good"
    with pytest.raises(DataError):
        next(documents)


def error_for(path, **options) -> str:
    with pytest.raises(DataError) as caught:
        list(read_texts(path, **options))
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    return message


def test_missing_path_fails_at_the_call(tmp_path):
    path = tmp_path / "nowhere.txt"
    with pytest.raises(DataError, match="does not exist"):
        read_texts(path)
    assert "does not exist" in error_for(path)


@pytest.mark.parametrize("content", ["", "\n  \n\t\n"])
def test_empty_or_blank_file(tmp_path, content):
    path = tmp_path / "empty.txt"
    path.write_text(content, encoding="utf-8")
    assert "no documents" in error_for(path)


def test_empty_gzipped_json_lines(tmp_path):
    path = write_gz(tmp_path / "empty.jsonl.gz", "\n")
    assert "no documents" in error_for(path)


def test_not_utf8_names_the_line(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("fine\ncaf\u00e9\n".encode("latin-1"))
    assert "line 2: not UTF-8" in error_for(path)


def test_not_gzip(tmp_path):
    path = tmp_path / "fake.txt.gz"
    path.write_text("plain text\n", encoding="utf-8")
    assert "gzip" in error_for(path)


def test_bad_json_names_the_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "ok"}\n{"text": \n', encoding="utf-8")
    assert "line 2: bad JSON" in error_for(path)


def test_json_line_that_is_not_an_object(tmp_path):
    path = tmp_path / "list.jsonl"
    path.write_text('["text"]\n', encoding="utf-8")
    assert "line 1: expected a JSON object" in error_for(path)


def test_missing_field_lists_the_fields_present(tmp_path):
    path = tmp_path / "cnndm.jsonl"
    path.write_text('{"article": "a", "highlights": ["h"]}\n', encoding="utf-8")
    message = error_for(path, field="summary")
    assert "line 1: no field 'summary'" in message
    assert "article, highlights" in message


def test_field_of_wrong_type(tmp_path):
    path = tmp_path / "numbers.jsonl"
    path.write_text('{"text": 3}\n', encoding="utf-8")
    assert "line 1: field 'text' is int" in error_for(path)


def test_directory_without_txt_files(tmp_path):
    (tmp_path / "readme.md").write_text("hello", encoding="utf-8")
    with pytest.raises(DataError, match="no .txt files") as caught:
        read_texts(tmp_path)
    assert str(caught.value).startswith(str(tmp_path))


def test_empty_file_in_directory_is_named(tmp_path):
    (tmp_path / "a.txt").write_text("document\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("\n", encoding="utf-8")
    with pytest.raises(DataError) as caught:
        list(read_texts(tmp_path))
    assert str(caught.value) == f"{tmp_path / 'b.txt'}: is empty, expected one document"
