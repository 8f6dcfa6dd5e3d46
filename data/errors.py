"""Errors that reach the user as one line on stderr: usage errors exit 2, bad data exits 1."""


class SeqaeError(Exception):
    """An error the CLI reports as one line, without a traceback."""

    exit_code = 1


class UsageError(SeqaeError):
    """The command line or config asks for something invalid (exit 2)."""

    exit_code = 2


class DataError(SeqaeError):
    """An input file or checkpoint is missing, unreadable or malformed (exit 1)."""

    exit_code = 1

    def __init__(self, path, problem: str):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{path}: {problem}")


def first_line(error: BaseException) -> str:
    """A library exception as one line for a one-line message: its first line, or its type when it says nothing."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
