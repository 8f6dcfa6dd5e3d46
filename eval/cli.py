"""`seqae evaluate` and `seqae baseline` (placeholder until implemented)."""


def register(subparsers) -> None:
    pass
