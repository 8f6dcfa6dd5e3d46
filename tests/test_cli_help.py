"""Every subcommand's --help states each option, with its default where it has one."""

import argparse
import re

from seqae.cli import build_parser


def _subcommands(parser, prefix=()):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield (*prefix, name), sub
                yield from _subcommands(sub, (*prefix, name))


def test_every_option_of_every_subcommand_has_help_and_shows_its_default():
    commands = dict(_subcommands(build_parser()))
    assert {("train",), ("summarize",), ("evaluate",), ("bench", "gigaword"), ("bench", "cnndm"),
            ("serve",)} <= set(commands)
    for name, parser in commands.items():
        text = " ".join(parser.format_help().split())
        for action in parser._actions:
            if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
                continue
            assert action.help, f"seqae {' '.join(name)}: {action.dest} has no help"
            if action.option_strings and action.default not in (None, False, argparse.SUPPRESS):
                assert f"(default: {action.default})" in text, f"seqae {' '.join(name)}: {action.dest}"
                # the formatter adds it: a help that says its default itself says it twice
                assert not re.search(rf"default:? {re.escape(str(action.default))}\)", action.help), \
                    f"seqae {' '.join(name)}: {action.dest}"
