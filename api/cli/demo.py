"""``liftledger demo``: the product end to end on the embedded default, in readable, timed sections."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from api.cli.common import EXIT_FAILED, EXIT_OK, store_argument
from api.cli.output import console
from ledger.store.url import parse_store_url

if TYPE_CHECKING:
    from api.demo.run import Section

__all__ = ["register"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("demo", help="run the product end to end and show what the ledger does")
    store_argument(p)
    p.add_argument("--workdir", default=None, help="keep the demo's files here (default: a temporary directory)")
    p.add_argument("--elevators", type=int, default=2000, help="the simulated city's size")
    p.add_argument("--years", type=int, default=3, help="the simulated window in years")
    p.add_argument("--seed", type=int, default=1, help="the simulation's seed (same seed, same city)")
    p.add_argument("--scripted", action="store_true",
                   help="instead of a city, the scripted two-elevator story with its refused submissions (seconds)")
    p.set_defaults(run=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    from api.demo import run_demo
    from api.demo.city_section import simulated_city
    from api.demo.dashboard_section import dashboard
    from api.demo.ledger_section import scripted_lifecycle
    from api.demo.transparency_section import transparency

    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="liftledger-demo-"))
    workdir.mkdir(parents=True, exist_ok=True)
    url = parse_store_url(args.store or f"sqlite:///{workdir / 'demo.sqlite'}")
    first: Section = scripted_lifecycle if args.scripted else simulated_city(args.elevators, args.years, args.seed)
    ok = run_demo(workdir, url, [first, transparency, dashboard], console())
    return EXIT_OK if ok else EXIT_FAILED
