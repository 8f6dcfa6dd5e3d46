"""Subcommands train, summarize, demo, bench (filled in by the model code)."""


def register(subparsers) -> None:
    pass
