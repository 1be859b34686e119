"""The ``liftledger`` command line. Each command group lives in its own module and registers its parsers here.

Building the parser imports no heavy dependency: each command imports what it needs when it runs, so ``--help``
starts at once and the offline verifiers (``verify-passport``, ``verify-proof``) need only the core dependencies
(checked by tests/e2e/test_light_cli.py).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from api.cli import (
    demo,
    ledger_commands,
    producer_commands,
    projection_commands,
    serve_commands,
    transparency_commands,
)
from api.cli.common import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from api.cli.output import print_error
from ledger.core.errors import ConfigurationError, LedgerError

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="liftledger",
        description="LiftLedger: the signed, hash-chained, transparency-logged lifecycle ledger for elevators.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (ledger_commands, transparency_commands, projection_commands, producer_commands,
                   serve_commands, demo):
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except ConfigurationError as e:
        print_error(f"liftledger: {e.code}: {e.message}")
        return EXIT_USAGE
    except LedgerError as e:
        print_error(f"liftledger: {e.code}: {e.message}")
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader (head, less) went away: stop quietly
        sys.stderr.close()
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
