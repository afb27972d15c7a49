"""The ``textcnn`` command line: ``train``, ``cv``, ``evaluate``, ``predict``, ``explain``, ``filters``, ``serve``,
``bench`` and ``vectors``, one module each: its docstring (the command's --help), ``NAME``, ``HELP``, the ``OPTIONS``
dataclasses whose fields are its flags (:mod:`textcnn.config.commands`), and ``run(*options)``."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from .. import __version__
from ..config.options import add_options, add_version_option, options_from
from ..errors import UserError
from ..util.env import launched_by_torchrun, limit_kernel_cache
from ..util.logs import show_logs
from . import bench, config, cv, evaluate, explain, export, filters, predict, serve, train, vectors

COMMANDS = (train, evaluate, predict, explain, filters, serve, export, cv, bench, vectors, config)
INTERMIXED = ("predict", "explain")  # options may follow the texts: 'predict RUN "a text" --top-k 2'


class _Formatter(argparse.HelpFormatter):
    """argparse's help, with the examples kept line by line (the description is still wrapped)."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if text.startswith("examples:"):
            return "\n".join(indent + line for line in text.splitlines())
        return super()._fill_text(text, width, indent)


def _examples(command) -> str:
    return "examples:\n" + "\n".join(f"  {line}" for line in command.EXAMPLES)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="textcnn",
        description="Convolutional networks for text: train (and resume), cross-validate, evaluate and predict "
        "with a Kim-style TextCNN or an LSTM baseline, on a hub dataset, a folder of split files or one file; "
        "bench them side by side; train word vectors. Run 'textcnn COMMAND --help' for each command's options.",
    )
    add_version_option(parser, f"textcnn {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    parser.command_parsers = {}  # kept: main() parses predict's and explain's arguments intermixed
    for command in COMMANDS:
        sub = commands.add_parser(
            command.NAME,
            help=command.HELP,
            description=command.__doc__,
            epilog=_examples(command),
            formatter_class=_Formatter,
        )
        for options in command.OPTIONS:
            add_options(sub, options)
        sub.set_defaults(command_module=command)
        parser.command_parsers[command.NAME] = sub
    return parser


def run(args: argparse.Namespace) -> int:
    """The command's ``run`` with its options dataclasses filled from the parsed flags."""
    command = args.command_module
    return command.run(*(options_from(options, args) for options in command.OPTIONS))


def main(argv: Sequence[str] | None = None) -> int:
    limit_kernel_cache()  # before torch is imported
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] and argv[0] in INTERMIXED:
        args = parser.command_parsers[argv[0]].parse_intermixed_args(argv[1:])
        args.command = argv[0]
    else:
        args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    show_logs()  # the package's log lines, on standard error
    try:
        if args.command != "train" and launched_by_torchrun():
            raise UserError(
                f"only 'textcnn train' runs on several processes; run 'textcnn {args.command}' without torchrun"
            )
        return run(args)
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away ('| head'): stop quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit's flush
        return 0


if __name__ == "__main__":
    sys.exit(main())
