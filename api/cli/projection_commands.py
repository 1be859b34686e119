"""CLI commands: projection (registered by api.cli.build_parser)."""

from __future__ import annotations

import argparse

__all__ = ["register"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """No commands yet."""
