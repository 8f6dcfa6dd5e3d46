"""The `seqae` command: one argparse parser, subcommands registered by the modules that implement them."""

import argparse
import os
import signal
import sys
import threading

from seqae import __version__
from seqae.apps import commands, serve
from seqae.data.errors import SeqaeError
from seqae.eval import bench, blind_reading, diagnose
from seqae.eval import cli as eval_cli


class _DefaultsFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Appends `(default: X)` to an option's help, except where there is no value to show (None, a flag); those
    options say in their help what happens when they are left out."""

    def _get_help_string(self, action):
        if action.default is None or action.default is False or action.default == argparse.SUPPRESS:
            return action.help
        return super()._get_help_string(action)


class _Parser(argparse.ArgumentParser):
    """A subcommand's parser: its --help states every option's default."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", _DefaultsFormatter)
        super().__init__(*args, **kwargs)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="seqae", description="Unsupervised summarization: train a model on articles, summarize files, evaluate "
                                  "with ROUGE. `seqae COMMAND --help` for each command.")
    parser.add_argument("--version", action="version", version=f"seqae {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)
    commands.register(subparsers)
    eval_cli.register(subparsers)
    bench.register(subparsers)
    diagnose.register(subparsers)
    blind_reading.register(subparsers)
    serve.register(subparsers)
    return parser


def main(argv=None) -> int:
    # No transformers progress bars ("Loading weights", "Writing model shards"): seqae's models load in a blink,
    # and the bars would bury a one-line error or the training progress on stderr. transformers reads this when
    # it is imported, so a call that never imports it (summarizing with an ONNX tagger) pays nothing for it.
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    parser = build_parser()
    # KEY=VALUE overrides may come after options (`train CONFIG --out DIR rl.steps=5`), and input files too
    # (`summarize MODEL --per-line in.txt`): argparse leaves them over.
    args, extra = parser.parse_known_args(argv)
    if extra:
        if any(item.startswith("-") for item in extra):
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
        if hasattr(args, "overrides") and all("=" in item for item in extra):
            args.overrides = list(args.overrides) + extra
        elif hasattr(args, "files"):
            args.files = list(args.files) + extra
        else:
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
    # SIGTERM (kill, a scheduler, a container stopping) ends a run as Ctrl-C does, through the same cleanup (the
    # temporary file of -o is removed, a bar closed): its default action killed the process and left the file.
    # Only the main thread may set a handler; seqae called from another thread keeps the caller's.
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if main_thread else None
    try:
        return int(args.func(args) or 0)
    except SeqaeError as error:
        _close_progress_bars()
        print(f"seqae: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt as interrupt:
        _close_progress_bars()
        terminated = isinstance(interrupt, Terminated)
        print(f"seqae: {'terminated' if terminated else 'interrupted'}", file=sys.stderr)
        return 128 + (signal.SIGTERM if terminated else signal.SIGINT)
    except BrokenPipeError:
        return 0
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the program is so that it unwinds as from Ctrl-C."""


def _terminate(signum, frame):
    raise Terminated


def _close_progress_bars() -> None:
    """End any tqdm bar still drawn (training stopped inside its loop), so that the error starts its own line
    and the bar does not redraw after it when it is garbage-collected."""
    tqdm_module = sys.modules.get("tqdm")
    for bar in list(getattr(getattr(tqdm_module, "tqdm", None), "_instances", None) or ()):
        try:
            bar.close()
        except Exception:  # noqa: BLE001 - a bar that cannot draw must not hide the error
            pass
