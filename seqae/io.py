"""Atomic file output: write beside the target, fsync, then rename, so no half-written file looks complete."""

import contextlib
import errno
import os
import tempfile
from pathlib import Path

from seqae.errors import DataError

# Errors of the output file itself (a full disk, a quota, a size limit, a read-only or failing disk).
_WRITE_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EIO}


def check_output_path(path) -> Path:
    """Fail early, naming the path, when an output file cannot be created."""
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise DataError(path, "is a directory, expected an output file path")
    if path.exists() and not path.is_file():
        # The rename at the end would replace the device or pipe itself (/dev/stdout, a FIFO).
        raise DataError(path, "is not a regular file (a device or a pipe); leave out -o to write to stdout")
    if not parent.is_dir():
        raise DataError(path, f"output directory {parent} does not exist")
    return path


@contextlib.contextmanager
def atomic_open(path, mode: str = "w", encoding: str | None = "utf-8"):
    """Open a temporary file next to `path`; rename it over `path` only if the block succeeds."""
    path = check_output_path(path)
    if path.is_symlink():
        path = path.resolve()  # write through the link to its file, leaving the link in place
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as error:
        raise DataError(path, f"cannot create a file in {path.parent} ({error.strerror or error})") from None
    try:
        with os.fdopen(fd, mode, encoding=None if "b" in mode else encoding) as handle:
            # mkstemp makes the file 0600: give it the permissions open() would (or those of the file replaced).
            os.chmod(tmp, path.stat().st_mode & 0o7777 if path.exists() else 0o666 & ~_umask())
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.replace(tmp, path)
        except OSError as error:
            raise DataError(path, f"cannot replace ({error.strerror or error}); nothing was written") from None
    except OSError as error:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if error.errno in _WRITE_ERRORS:
            raise DataError(path, f"cannot write ({error.strerror}); nothing was written") from None
        raise
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_text(path, text: str) -> None:
    with atomic_open(path) as handle:
        handle.write(text)
