"""Tests for seqae.data.readers: every input format, and bad inputs reported with the file name."""

import gzip
import json

import pytest

from seqae.data.readers import read_texts
from seqae.data.errors import DataError


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


@pytest.mark.parametrize("name, content, problem", [
    ("fake.txt.gz", "plain text\n", "gzip"),
    ("bad.jsonl", '{"text": "ok"}\n{"text": \n', "line 2: bad JSON"),
    ("list.jsonl", '["text"]\n', "line 1: expected a JSON object"),
    ("numbers.jsonl", '{"text": 3}\n', "line 1: field 'text' is int"),
])
def test_a_malformed_file_is_named_with_what_is_wrong_and_where(tmp_path, name, content, problem):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    assert problem in error_for(path)


def test_missing_field_lists_the_fields_present(tmp_path):
    path = tmp_path / "cnndm.jsonl"
    path.write_text('{"article": "a", "highlights": ["h"]}\n', encoding="utf-8")
    message = error_for(path, field="summary")
    assert "line 1: no field 'summary'" in message
    assert "article, highlights" in message


def test_directory_without_txt_files(tmp_path):
    (tmp_path / "readme.md").write_text("hello", encoding="utf-8")
    with pytest.raises(DataError, match="no .txt files") as caught:
        read_texts(tmp_path)
    assert str(caught.value).startswith(str(tmp_path))


def test_blank_file_in_directory_is_skipped_with_a_note(tmp_path, capsys):
    (tmp_path / "a.txt").write_text("document\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("\n", encoding="utf-8")
    (tmp_path / "c.txt").write_text("another\n", encoding="utf-8")
    assert list(read_texts(tmp_path)) == ["document", "another"]
    assert capsys.readouterr().err == f"seqae: note: {tmp_path / 'b.txt'}: blank, skipped (no summary for it)\n"
    (tmp_path / "a.txt").write_text(" \n", encoding="utf-8")
    (tmp_path / "c.txt").write_text("", encoding="utf-8")
    with pytest.raises(DataError, match="contains no documents"):
        list(read_texts(tmp_path))


class EndlessStream:
    """A stream that never ends and holds no line end (as /dev/zero), counting the bytes read from it."""

    def __init__(self, byte: bytes):
        self.byte, self.given = byte, 0

    def readline(self, size: int = -1) -> bytes:
        assert 0 < size <= 1 << 20  # always a bounded read
        self.given += size
        return self.byte * size

    read = readline


@pytest.mark.parametrize("byte, problem", [(b"a", "line 1: longer than the limit of 1,000,000 bytes"),
                                           (b"\0", "line 1: binary data, not text (a NUL byte at byte 0")])
def test_an_endless_line_fails_in_bounded_memory(byte, problem):
    from seqae.data.readers import bounded_lines

    stream = EndlessStream(byte)
    with pytest.raises(DataError, match=problem.replace("(", r"\(")):
        list(bounded_lines(stream, "<stdin>", max_line_bytes=1_000_000))
    assert stream.given <= 1_000_000 + (1 << 16)


def test_an_endless_file_fails_in_bounded_memory():
    from seqae.data.readers import read_bounded

    stream = EndlessStream(b"a")
    with pytest.raises(DataError, match="larger than the limit of 1,000 bytes"):
        read_bounded(stream, "<stdin>", 1000)
    nul = EndlessStream(b"\0")
    assert read_bounded(nul, "<stdin>", 1 << 30).startswith(b"\0") and nul.given == 1 << 16  # stops at a NUL


def test_limits_are_exact_and_a_document_is_never_cut(tmp_path):
    path = tmp_path / "doc.txt"
    path.write_text("12345\n6789\n", encoding="utf-8")
    assert list(read_texts(path, max_bytes=5)) == ["12345", "6789"]  # a line of 5 bytes, its line end aside
    assert "line 1: longer than the limit of 4 bytes" in error_for(path, max_bytes=4)
    assert list(read_texts(path, per_line=False, max_bytes=11)) == ["12345\n6789"]  # the whole file, 11 bytes
    assert "larger than the limit of 10 bytes" in error_for(path, per_line=False, max_bytes=10)


@pytest.mark.parametrize("content, problem", [
    (b"fine\nnul \0 inside\n", "line 2: binary data, not text (a NUL byte at byte 4 of the line)"),
    (b"caf\xe9 \0\n", "line 1: not UTF-8"),  # the first problem of the line is named
])
def test_binary_data_is_refused_with_its_line(tmp_path, content, problem):
    plain, packed = tmp_path / "doc.txt", tmp_path / "doc.txt.gz"
    plain.write_bytes(content)
    with gzip.open(packed, "wb") as handle:
        handle.write(content)
    for path in (plain, packed):
        assert problem in error_for(path)
