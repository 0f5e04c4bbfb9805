"""The ``qgeo`` command line: one sub-command per module in :mod:`sim.cli.commands`.

Each command module defines ``register(subparsers)``, which adds its parser and
sets ``handler`` (a function of the parsed arguments returning an exit code).
Errors a user can fix (bad files, keys, values) are raised as
:class:`sim.base.errors.UserError` subclasses and printed without a traceback, with
exit code 2, as are usage errors. SIGTERM stops a command as Ctrl-C does (finished results
are kept, the manifest says "interrupted"), with exit code 143 (128 + 15) instead of 130.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import FrameType

from sim.base.errors import DISK_ERRORS, Terminated, UserError, WorkerLost

COMMAND_MODULES: tuple[str, ...] = (
    "run", "validate", "list", "show", "plot", "compare", "hindcast", "calibrate", "experiment", "analyze",
    "ui",
)
"""Modules of sim.cli.commands, in the order their commands are listed in --help."""


def package_version() -> str:
    """Installed version of qgeo.

    Returns:
        The version string, or ``"unknown"`` when running from an uninstalled tree.
    """
    from importlib.metadata import PackageNotFoundError, version  # slow to import: only for --version

    try:
        return version("qgeo")
    except PackageNotFoundError:
        return "unknown"


class VersionAction(argparse.Action):
    """``--version``: print the installed version and exit, looking it up only when asked."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS) -> None:
        """Take no value, like argparse's own ``version`` action."""
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS,
                         help="show program's version number and exit")

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: object,
                 option_string: str | None = None) -> None:
        """Print ``qgeo VERSION`` on standard output and exit with code 0."""
        print(f"qgeo {package_version()}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every registered command.

    Returns:
        The parser.
    """
    parser = argparse.ArgumentParser(
        prog="qgeo",
        description="Agent-based simulator of international quantum-technology partnerships.",
        epilog="Example: qgeo run scenarios/baseline.toml --replications 10 --out runs/baseline",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action=VersionAction)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"sim.cli.commands.{name}").register(subparsers)
    return parser


_received: list[int] = []
"""The SIGTERMs this command received (told apart from Ctrl-C by this, not by the exception, which
may be re-raised on its way, see :func:`sim.engine.runner.interrupted`)."""


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    """Stop as on Ctrl-C; a further SIGTERM while stopping is ignored (SIGKILL still ends the process)."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _received.append(signum)
    raise Terminated("SIGTERM")


@contextmanager
def sigterm_as_ctrl_c() -> Iterator[None]:
    """Inside the block, SIGTERM raises ``KeyboardInterrupt`` where Ctrl-C would (main thread only).

    Yields:
        Nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _received.clear()
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Args:
        argv: Arguments (default ``sys.argv[1:]``).

    Returns:
        Exit code: 0 on success, 2 on a usage or input error (or when the output is closed
        early, or a disk is full, read-only or not writable: :data:`DISK_ERRORS`), 1 when a
        worker process died, 130 when interrupted (Ctrl-C), 143 when terminated (SIGTERM, here
        or in a worker). Results finished before a disk
        error are kept (every file is written atomically).
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    prefix = f"qgeo {args.command}" if args.command else "qgeo"
    with sigterm_as_ctrl_c():
        return _run(parser, args, prefix)


def _run(parser: argparse.ArgumentParser, args: argparse.Namespace, prefix: str) -> int:
    """Run the parsed command and turn its errors and interruptions into exit codes (see :func:`main`)."""
    try:
        if getattr(args, "handler", None) is None:
            parser.print_help()
            code = 2
        else:
            code = int(args.handler(args) or 0)
        sys.stdout.flush()  # a reader that stopped early shows here, not as an error at interpreter exit
        return code
    except UserError as error:
        print(f"{prefix}: error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `qgeo list | head -2`: the reader stopped early
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # no second error when Python flushes stdout at exit
        print(f"{prefix}: error: the output was closed early (broken pipe)", file=sys.stderr)
        return 2
    except OSError as error:
        if error.errno not in DISK_ERRORS:
            raise
        where = f"{error.filename}: " if error.filename else ""
        print(f"{prefix}: error: {where}cannot write: {DISK_ERRORS[error.errno]}; finished results are kept",
              file=sys.stderr)
        return 2
    except WorkerLost as error:
        print(f"{prefix}: {error}; finished results are kept (re-run with --resume to continue)",
              file=sys.stderr)
        return 1
    except KeyboardInterrupt as error:
        terminated = bool(_received) or isinstance(error, Terminated)
        print(f"{prefix}: {'terminated (SIGTERM)' if terminated else 'interrupted'}; finished results are "
              "kept (re-run with --resume to continue)", file=sys.stderr)
        return 128 + signal.SIGTERM if terminated else 130

