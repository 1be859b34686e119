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
    p.add_argument("--workdir", default=None,
                   help="put the demo's files here and keep them (default: a temporary directory, removed at the "
                        "end unless --keep)")
    p.add_argument("--keep", action="store_true",
                   help="keep the temporary directory (the store, the city, the keys) to explore it afterwards, "
                        "e.g. with the dashboard")
    p.add_argument("--end", default=None, metavar="YYYY-MM-DD",
                   help="the simulated city's last day is the day before this (default: today in China, so the "
                        "city ends at the demo's today)")
    p.add_argument("--elevators", type=int, default=2000, help="the simulated city's size")
    p.add_argument("--years", type=int, default=3, help="the simulated window in years")
    p.add_argument("--seed", type=int, default=1, help="the simulation's seed (same seed, same city)")
    p.add_argument("--scripted", action="store_true",
                   help="instead of a city, the scripted two-elevator story with its refused submissions (seconds)")
    p.set_defaults(run=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    import shutil
    import sys
    import time

    from api.demo import run_demo
    from api.demo.city_section import simulated_city
    from api.demo.dashboard_section import dashboard, files_report, offer_dashboard
    from api.demo.ledger_section import scripted_lifecycle
    from api.demo.maintainer_section import maintainer_over_http
    from api.demo.transparency_section import transparency
    from ledger.core.identifiers import local_date
    from producers.simulator.config import CityConfig

    temporary = args.workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="liftledger-demo-")) if temporary else Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    kept = args.keep or not temporary
    url = parse_store_url(args.store or f"sqlite:///{workdir / 'demo.sqlite'}")
    sections: list[Section]
    if args.scripted:
        sections = [scripted_lifecycle, transparency]
    else:
        end = args.end or local_date(int(time.time())).isoformat()
        config = CityConfig(elevators=args.elevators, years=args.years, seed=args.seed, end=end)
        sections = [simulated_city(config), transparency, maintainer_over_http(config)]
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    ok = run_demo(workdir, url, [*sections, dashboard(kept=kept, interactive=interactive)], console())
    files_report(console(), workdir, url.display(), kept=kept)
    if not kept:
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        offer_dashboard(console(), url.display(), ask=interactive)
    return EXIT_OK if ok else EXIT_FAILED
