"""The ``liftledger`` command line. Each command group lives in its own module and registers its parsers here.

Building the parser imports no heavy dependency: each command imports what it needs when it runs, so ``--help``
starts at once and the offline verifiers (``verify-passport``, ``verify-proof``) need only the core dependencies
(checked by tests/e2e/test_light_cli.py).

Every command takes ``--json`` (docs/CLI.md): text for people without it; with it one JSON document, or JSON lines
for the commands that stream records, and errors on stderr as ``{"error": {"code", "message", "details"}}``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from api import API_VERSION
from api.cli import (
    demo,
    ledger_commands,
    producer_commands,
    projection_commands,
    registry_commands,
    serve_commands,
    transparency_commands,
)
from api.cli.common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, json_argument
from api.cli.output import describe_error, error_json, print_error
from ledger.core.errors import ConfigurationError, LedgerError, StoreStateError

__all__ = ["build_parser", "leaf_parsers", "main", "version_line"]


class _Version(argparse.Action):
    """``--version``: the installed distribution's version, the API's and the record schema's (read when asked)."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, **kw: object) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS,
                         help="print the version of liftledger, its HTTP API and its record schema, and exit")

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        sys.stdout.write(version_line() + "\n")
        parser.exit()


def version_line() -> str:
    from importlib.metadata import PackageNotFoundError, version

    from ledger.core.schema import SCHEMA_VERSION

    try:
        installed = version("liftledger")
    except PackageNotFoundError:  # run from a source tree that was never installed
        installed = "unknown"
    return f"liftledger {installed} (HTTP API {API_VERSION}, record schema {SCHEMA_VERSION})"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="liftledger",
        description="LiftLedger: the signed, hash-chained, transparency-logged lifecycle ledger for elevators. "
                    "docs/TUTORIAL.md goes from `init` to a verified maintenance record; docs/CLI.md lists every "
                    "command.",
    )
    parser.add_argument("--version", action=_Version)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (ledger_commands, registry_commands, transparency_commands, projection_commands,
                   producer_commands, serve_commands, demo):
        module.register(sub)
    for command in leaf_parsers(parser):
        if not any("--json" in action.option_strings for action in command._actions):
            json_argument(command)
    return parser


def leaf_parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """Every parser of a command that runs (``liftledger keys new``, not ``liftledger keys``)."""
    found: list[argparse.ArgumentParser] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):
                found += leaf_parsers(child) if child.get_default("run") is None else [child]
    return found


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    as_json = bool(getattr(args, "json", False))
    try:
        return int(args.run(args))
    except (ConfigurationError, StoreStateError) as e:
        print_error(error_json(e) if as_json else f"liftledger: {describe_error(e)}")
        return EXIT_USAGE
    except LedgerError as e:
        print_error(error_json(e) if as_json else f"liftledger: {describe_error(e)}")
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader (head, less) went away: stop quietly
        sys.stderr.close()
        return EXIT_OK
    except Exception as e:  # a driver's or the operating system's failure: one typed line, never a traceback
        failure = io_failure(e, getattr(args, "store", None))
        if failure is None:
            raise
        print_error(error_json(failure) if as_json else f"liftledger: {describe_error(failure)}")
        return EXIT_USAGE if isinstance(failure, StoreStateError) else EXIT_FAILED


def io_failure(error: Exception, store: str | None) -> LedgerError | None:
    """``error`` as a typed error: a store driver's failure names the store's URL; any other ``OSError`` names its
    file. None for anything else (a bug, which keeps its traceback)."""
    if any(name in sys.modules for name in ("sqlite3", "psycopg", "eventsourcing")):
        from ledger.store.faults import store_failure

        if not isinstance(error, OSError) or error.filename is None:
            failure = store_failure(error, store)
            if failure is not None:
                return failure
    if isinstance(error, OSError):
        where = f"{error.filename}: " if error.filename is not None else ""
        return LedgerError(f"{where}{error.strerror or error}", code="io.failed")
    return None


if __name__ == "__main__":
    sys.exit(main())
