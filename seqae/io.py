"""Atomic file output: write beside the target, fsync, then rename, so no half-written file looks complete."""

import contextlib
import os
import tempfile
from pathlib import Path

from seqae.errors import DataError


def check_output_path(path) -> Path:
    """Fail early, naming the path, when an output file cannot be created."""
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise DataError(path, "is a directory, expected an output file path")
    if not parent.is_dir():
        raise DataError(path, f"output directory {parent} does not exist")
    return path


@contextlib.contextmanager
def atomic_open(path, mode: str = "w", encoding: str | None = "utf-8"):
    """Open a temporary file next to `path`; rename it over `path` only if the block succeeds."""
    path = check_output_path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode, encoding=None if "b" in mode else encoding) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write_text(path, text: str) -> None:
    with atomic_open(path) as handle:
        handle.write(text)
