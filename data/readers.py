"""Streaming readers for documents and summaries: line files, directories of .txt files, JSON lines, gzipped.

Every problem with an input raises DataError naming the file (and the line where there is one), so
a bad corpus stops a run with one clear message instead of a traceback deep inside training.
"""

import gzip
import json
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path

from seqae.data.errors import DataError

JSON_SUFFIXES = (".jsonl", ".json")


def format_suffix(path: Path) -> str:
    """The suffix that names the format, looking through a trailing `.gz` (`x.jsonl.gz` -> `.jsonl`)."""
    suffixes = [suffix.lower() for suffix in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    return suffixes[-1] if suffixes else ""


# The most bytes of one document (a file read whole, or a line) unless a caller says otherwise (summarize's
# --max-bytes): far beyond any article, and what a stream such as /dev/zero may cost in memory before it is refused.
MAX_BYTES = 64 * 1024 * 1024
_CHUNK = 1 << 16  # bytes read at a time: a line without an end (/dev/zero) is read in bounded pieces


def _decode_line(path, lineno: int, raw: bytes) -> str:
    """`raw` decoded; DataError for a line that is not UTF-8 or holds a NUL byte (binary data, which is valid UTF-8),
    whichever comes first."""
    nul = raw.find(b"\0")
    try:
        line = raw[:nul if nul >= 0 else len(raw)].decode("utf-8")
    except UnicodeDecodeError as error:
        raise DataError(path, f"line {lineno}: not UTF-8 ({error.reason} at byte {error.start} of the line)") from None
    if nul >= 0:
        raise DataError(path, f"line {lineno}: binary data, not text (a NUL byte at byte {nul} of the line)")
    return line


def bounded_lines(handle, path, max_line_bytes: int = MAX_BYTES, max_file_bytes: int | None = None
                  ) -> Iterator[tuple[int, str]]:
    """(line number from 1, decoded line with its line end) from a binary stream, read in pieces of at most _CHUNK
    bytes, so that memory stays bounded on any stream: a line longer than `max_line_bytes`, a stream longer than
    `max_file_bytes`, a NUL byte or bytes that are not UTF-8 are a DataError naming `path` as soon as they are read."""
    lineno = total = 0
    while True:
        parts, size = [], 0
        while not parts or not parts[-1].endswith(b"\n"):
            chunk = handle.readline(_CHUNK)
            if not chunk:
                break
            parts.append(chunk)
            size += len(chunk)
            total += len(chunk)
            if b"\0" in chunk:
                _decode_line(path, lineno + 1, b"".join(parts))  # raises (at the NUL, or at bad UTF-8 before it)
            if max_file_bytes is not None and total > max_file_bytes:
                raise DataError(path, f"larger than the limit of {max_file_bytes:,} bytes")
            if size - chunk.endswith(b"\n") > max_line_bytes:
                raise DataError(path, f"line {lineno + 1}: longer than the limit of {max_line_bytes:,} bytes")
        if not parts:
            return
        lineno += 1
        yield lineno, _decode_line(path, lineno, b"".join(parts))


def read_bounded(handle, path, max_bytes: int = MAX_BYTES) -> bytes:
    """All of a binary stream, read _CHUNK bytes at a time: a DataError naming `path` once it passes `max_bytes`.
    Reading stops early after a piece holding a NUL byte (binary data, for the caller to report), so that a stream
    such as /dev/zero costs one piece."""
    parts, size = [], 0
    while chunk := handle.read(_CHUNK):
        parts.append(chunk)
        size += len(chunk)
        if size > max_bytes:
            raise DataError(path, f"larger than the limit of {max_bytes:,} bytes")
        if b"\0" in chunk:
            break
    return b"".join(parts)


def iter_lines(path, max_line_bytes: int = MAX_BYTES, max_file_bytes: int | None = None
               ) -> Iterator[tuple[int, str]]:
    """Yield (line number from 1, decoded line without its line ending) from a plain or gzipped file.

    Lines are decoded one at a time so that a non-UTF-8 byte is reported with its line number and a
    large file is never held whole (bounded_lines: a line, or the file, past its limit is an error). Blank lines
    are yielded too: callers that pair line i of one file with line i of another need them.
    """
    path = Path(path)
    if not path.exists():
        raise DataError(path, "does not exist")
    if path.is_dir():
        raise DataError(path, "is a directory, expected a file")
    opener = gzip.open if path.suffix.lower() == ".gz" else open
    lineno = 0
    try:
        with opener(path, "rb") as handle:
            for lineno, line in bounded_lines(handle, path, max_line_bytes, max_file_bytes):
                if lineno == 1:
                    # Editors on Windows often start UTF-8 files with a byte-order mark.
                    line = line.removeprefix("\ufeff")
                yield lineno, line.rstrip("\r\n")
    except (gzip.BadGzipFile, EOFError, zlib.error) as error:
        raise DataError(path, f"corrupt or truncated gzip data after line {lineno} ({error})") from None
    except OSError as error:
        raise DataError(path, f"cannot read ({error.strerror or error})") from None


def read_texts(path, *, field: str = "text", per_line: bool = True, keep_blank: bool = False,
               max_bytes: int = MAX_BYTES, join_lists: bool = True) -> Iterator[str]:
    """Stream the documents (or summaries) stored at `path`, one string each.

    - a directory: every `.txt` file in it is one document, in file-name order (`per_line` ignored);
    - `.jsonl` / `.json` (JSON lines): the string in `field` of each record; a list of strings (such as
      CNN/DailyMail `highlights`) is joined with single spaces, or with `join_lists` False each string is a text;
    - any other file: one document per line, or the whole file as one document if `per_line` is False;
    - files may be gzipped (`.gz` after the format suffix).

    Blank lines and blank documents are skipped (with `keep_blank`, yielded as "": a line's output then stays on
    its line); a source that yields no document at all is an error. A document (a line, or a file read whole) of
    more than `max_bytes` bytes is an error, never cut short.
    A missing path or a directory without .txt files fails here, at the call, not at the first read.
    """
    path = Path(path)
    if not path.exists():
        raise DataError(path, "does not exist")
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix == ".txt" and p.is_file())
        if not files:
            raise DataError(path, "directory has no .txt files")
        documents = read_directory_files(files, max_bytes)
    elif format_suffix(path) in JSON_SUFFIXES:
        documents = read_json_lines(path, field, max_bytes, join_lists)
    elif per_line:
        documents = (line.strip() for _, line in iter_lines(path, max_bytes))
    else:
        documents = (read_whole(file, max_bytes) for file in [path])
    return skip_blank_documents(documents, path, keep_blank)


def skip_blank_documents(documents: Iterator[str], path: Path, keep_blank: bool = False) -> Iterator[str]:
    found = False
    for document in documents:
        if document:
            found = True
            yield document
        elif keep_blank:
            yield ""
    if not found:
        raise DataError(path, "contains no documents (empty or only blank lines)")


def read_whole(path: Path, max_bytes: int = MAX_BYTES) -> str:
    return "\n".join(line for _, line in iter_lines(path, max_bytes, max_bytes)).strip()


def read_directory_files(files: list[Path], max_bytes: int = MAX_BYTES) -> Iterator[str]:
    """Each file's text; a blank file is skipped with a note on stderr that names it (outputs are usually matched to
    inputs by order: a silent skip would shift them, and one blank file must not stop the other documents)."""
    for file in files:
        text = read_whole(file, max_bytes)
        if not text:
            print(f"seqae: note: {file}: blank, skipped (no summary for it)", file=sys.stderr)
            continue
        yield text


def read_json_lines(path: Path, field: str, max_bytes: int = MAX_BYTES, join_lists: bool = True) -> Iterator[str]:
    for lineno, line in iter_lines(path, max_bytes):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise DataError(path, f"line {lineno}: bad JSON ({error.msg} at column {error.colno})") from None
        if not isinstance(record, dict):
            raise DataError(path, f"line {lineno}: expected a JSON object, got {type(record).__name__}")
        if field not in record:
            keys = ", ".join(map(str, record)) or "none"
            raise DataError(path, f"line {lineno}: no field {field!r} (fields present: {keys})")
        value = record[field]
        if isinstance(value, str):
            yield value.strip()
        elif isinstance(value, list) and all(isinstance(item, str) for item in value):
            if join_lists:
                yield " ".join(item.strip() for item in value if item.strip())
            else:
                yield from (item.strip() for item in value)
        else:
            raise DataError(
                path,
                f"line {lineno}: field {field!r} is {type(value).__name__}, expected a string or a list of strings",
            )


def read_lines(path, max_bytes: int = MAX_BYTES) -> list[str]:
    """The lines of a UTF-8 text file (without line ends); DataError naming the file otherwise: a file larger than
    `max_bytes` (read in bounded pieces, so /dev/zero fails at once) or holding a NUL byte (binary) too."""
    path = Path(path)
    if path.is_dir():
        raise DataError(path, "is a directory, expected a text file")
    try:
        with open(path, "rb") as handle:
            data = read_bounded(handle, path, max_bytes)
    except FileNotFoundError:
        raise DataError(path, "no such file") from None
    except OSError as error:
        raise DataError(path, f"cannot read: {error.strerror or error}") from None
    nul = data.find(b"\0")
    try:
        text = data[:nul if nul >= 0 else len(data)].decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise DataError(path, f"not valid UTF-8 (byte offset {error.start}, line {line})") from None
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise DataError(path, f"binary data, not text (a NUL byte at byte offset {nul}, line {line})")
    if not text.strip():
        raise DataError(path, "is empty" if not text else "contains only whitespace")
    # split("\n") rather than splitlines(): the latter also breaks at \x0b, \x1c or U+2028 inside a
    # line, which would misalign predictions and references that `wc -l` says match.
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line.rstrip("\r") for line in lines]
