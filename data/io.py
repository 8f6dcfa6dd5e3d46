"""Atomic output: write beside the target, fsync, then rename, so no half-written file or directory looks complete.

Every module that writes a file or a directory others read goes through here."""

import contextlib
import errno
import os
import shutil
import sys
import tempfile
from pathlib import Path

from seqae.data.errors import DataError, UsageError

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


def check_not_an_input(path, inputs, option: str = "-o", stdin: bool = False) -> None:
    """Refuse an output file that is one of the inputs, before anything is read: the rename at the end would put
    the output in the input's place. An input may be a file, or a directory (any file under it counts); the same
    file is found by device and inode, so another path, a symbolic link or a hard link to it is found too. With
    `stdin`, also the file that stdin was redirected from (`< f.txt -o f.txt`)."""
    try:
        written = os.stat(path)
    except OSError:
        return  # no file there yet, so no input is it (check_output_path reports an output that cannot be made)
    candidates = []
    for name in inputs:
        candidates.append(str(name))
        if os.path.isdir(name):
            candidates += [os.path.join(root, file) for root, _, files in os.walk(name) for file in files]
    for candidate in candidates:
        try:
            same = os.path.samestat(written, os.stat(candidate))
        except OSError:
            continue  # a missing input is reported where it is read
        if same:
            raise UsageError(f"{path}: {option} is the input {candidate}, which the output would replace; write the "
                             f"output elsewhere")
    if stdin:
        with contextlib.suppress(OSError):  # no stdin, or one without a file (a test's in-memory stream)
            if os.path.samestat(written, os.fstat(sys.stdin.fileno())):
                raise UsageError(f"{path}: {option} is the file stdin reads, which the output would replace; write "
                                 f"the output elsewhere")


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


@contextlib.contextmanager
def atomic_directory(directory):
    """Yield an empty temporary sibling of `directory` to fill; if the block succeeds, fsync it and rename it into
    place. An old `directory` is renamed aside first and deleted only after, so a kill at any point leaves either
    the old directory or the new one under the name (or, between the two renames, the old one beside it)."""
    directory = Path(directory)
    tmp = directory.parent / f".{directory.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)  # a leftover of an earlier process with this id
    tmp.mkdir(parents=True)
    try:
        yield tmp
        _fsync_tree(tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = directory.parent / f".{directory.name}.old-{os.getpid()}"
    if directory.exists():
        os.replace(directory, old)
    os.replace(tmp, directory)
    shutil.rmtree(old, ignore_errors=True)


def _fsync_tree(root: Path) -> None:
    for path in root.rglob("*"):
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
