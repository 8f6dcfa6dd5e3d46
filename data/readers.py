"""Streaming readers for documents and summaries: line files, directories of .txt files, JSON lines, gzipped.

Every problem with an input raises DataError naming the file (and the line where there is one), so
a bad corpus stops a run with one clear message instead of a traceback deep inside training.
"""

import gzip
import json
import zlib
from collections.abc import Iterator
from pathlib import Path

from seqae.errors import DataError

JSON_SUFFIXES = (".jsonl", ".json")


def format_suffix(path: Path) -> str:
    """The suffix that names the format, looking through a trailing `.gz` (`x.jsonl.gz` -> `.jsonl`)."""
    suffixes = [suffix.lower() for suffix in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    return suffixes[-1] if suffixes else ""


def iter_lines(path) -> Iterator[tuple[int, str]]:
    """Yield (line number from 1, decoded line without its line ending) from a plain or gzipped file.

    Lines are decoded one at a time so that a non-UTF-8 byte is reported with its line number and a
    large file is never held whole. Blank lines are yielded too: callers that pair line i of one
    file with line i of another need them.
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
            for lineno, raw in enumerate(handle, start=1):
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError as error:
                    raise DataError(
                        path, f"line {lineno}: not UTF-8 ({error.reason} at byte {error.start} of the line)"
                    ) from None
                if lineno == 1:
                    # Editors on Windows often start UTF-8 files with a byte-order mark.
                    line = line.removeprefix("\ufeff")
                yield lineno, line.rstrip("\r\n")
    except (gzip.BadGzipFile, EOFError, zlib.error) as error:
        raise DataError(path, f"corrupt or truncated gzip data after line {lineno} ({error})") from None
    except OSError as error:
        raise DataError(path, f"cannot read ({error.strerror or error})") from None


def read_texts(path, *, field: str = "text", per_line: bool = True, keep_blank: bool = False) -> Iterator[str]:
    """Stream the documents (or summaries) stored at `path`, one string each.

    - a directory: every `.txt` file in it is one document, in file-name order (`per_line` ignored);
    - `.jsonl` / `.json` (JSON lines): the string in `field` of each record; a list of strings (such as
      CNN/DailyMail `highlights`) is joined with single spaces;
    - any other file: one document per line, or the whole file as one document if `per_line` is False;
    - files may be gzipped (`.gz` after the format suffix).

    Blank lines and blank documents are skipped (with `keep_blank`, yielded as "": a line's output then stays on
    its line); a source that yields no document at all is an error.
    A missing path or a directory without .txt files fails here, at the call, not at the first read.
    """
    path = Path(path)
    if not path.exists():
        raise DataError(path, "does not exist")
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix == ".txt" and p.is_file())
        if not files:
            raise DataError(path, "directory has no .txt files")
        documents = read_directory_files(files)
    elif format_suffix(path) in JSON_SUFFIXES:
        documents = read_json_lines(path, field)
    elif per_line:
        documents = (line.strip() for _, line in iter_lines(path))
    else:
        documents = (read_whole(file) for file in [path])
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


def read_whole(path: Path) -> str:
    return "\n".join(line for _, line in iter_lines(path)).strip()


def read_directory_files(files: list[Path]) -> Iterator[str]:
    for file in files:
        text = read_whole(file)
        if not text:
            # Files are usually matched to references by name: skipping one silently would shift them.
            raise DataError(file, "is empty, expected one document")
        yield text


def read_json_lines(path: Path, field: str) -> Iterator[str]:
    for lineno, line in iter_lines(path):
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
            yield " ".join(item.strip() for item in value if item.strip())
        else:
            raise DataError(
                path,
                f"line {lineno}: field {field!r} is {type(value).__name__}, expected a string or a list of strings",
            )
