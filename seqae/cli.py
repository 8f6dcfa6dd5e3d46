"""The `seqae` command: one argparse parser, subcommands registered by the modules that implement them."""

import argparse
import sys

from seqae.errors import SeqaeError


def build_parser() -> argparse.ArgumentParser:
    from seqae import __version__, commands
    from seqae.eval import bench
    from seqae.eval import cli as eval_cli

    parser = argparse.ArgumentParser(prog="seqae", description=__doc__)
    parser.add_argument("--version", action="version", version=f"seqae {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.register(subparsers)
    eval_cli.register(subparsers)
    bench.register(subparsers)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    # KEY=VALUE overrides may come after options (`train CONFIG --out DIR rl.steps=5`): argparse leaves them over.
    args, extra = parser.parse_known_args(argv)
    if extra:
        if not hasattr(args, "overrides") or any(item.startswith("-") or "=" not in item for item in extra):
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
        args.overrides = list(args.overrides) + extra
    try:
        return int(args.func(args) or 0)
    except SeqaeError as error:
        print(f"seqae: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("seqae: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
