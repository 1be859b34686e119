"""What every CLI command shares: exit codes and the --store option."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Literal

from ledger.store.url import DEFAULT_STORE

if TYPE_CHECKING:
    from ledger.store import Store
    from ledger.store.migrations import OpenMode

__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_USAGE", "JSON_HELP", "json_argument", "log_format", "log_format_argument",
           "open_store", "store_argument"]

EXIT_OK = 0
EXIT_FAILED = 1  # a verification failed, a submission was rejected, a lookup found nothing
EXIT_USAGE = 2  # bad arguments or configuration


def store_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--store", default=None, metavar="URL",
        help=f"sqlite:///PATH or postgresql://HOST:PORT/DB (default: $LIFTLEDGER_STORE or {DEFAULT_STORE})",
    )


JSON_HELP = "print JSON instead of text for people (docs/CLI.md: one object, or one per line for record streams)"


def json_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help=JSON_HELP)


def log_format_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--log-format", choices=("text", "json"), default=None,
                        help="log lines for people (text) or one JSON object per line (json); "
                             "default: $LIFTLEDGER_LOG_FORMAT or text")


def log_format(args: argparse.Namespace) -> Literal["text", "json"]:
    import os

    chosen = args.log_format or os.environ.get("LIFTLEDGER_LOG_FORMAT", "text")
    if chosen not in ("text", "json"):
        from ledger.core.errors import ConfigurationError

        raise ConfigurationError(f"LIFTLEDGER_LOG_FORMAT {chosen!r}: text or json", code="config.log_format")
    return "json" if chosen == "json" else "text"


def open_store(args: argparse.Namespace, mode: OpenMode = "open") -> Store:
    """The store named by ``--store``: an existing LiftLedger store of this version, unless ``mode`` says otherwise
    (only ``init`` creates, only ``migrate`` upgrades); anything else is refused with a typed error naming it."""
    from ledger.store import Store

    return Store(getattr(args, "store", None), mode=mode)
