"""A small simulated city on a real store, for the console's tests: enough elevators, alerts, signals and claims
that filtering, searching, sorting, paging and exporting have something to do.

Built once per test session and copied per user of it: 40 elevators over two years (seed 7), appended with the
replay clock (each record recorded at the newest ``occurred_at`` seen, as the demo loads history), the views caught
up, a checkpoint issued, and tokens for the regulator, the maintainer with the most elevators, the insurer with
the most policies and a user unit.
"""

from __future__ import annotations

import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from api.http.services import Services
from api.http.settings import Settings
from ledger.core.errors import LedgerError
from ledger.core.keys import SigningKey
from ledger.core.submission import parse_line
from ledger.store import Store
from ledger.store.transparency import TransparencyLog
from ledger.write.service import LedgerService
from producers.simulator.config import CityConfig
from producers.simulator.run import simulate_to_file
from projections.service import Projections

__all__ = ["CityWorld", "build_city", "copy_city"]

CONFIG = CityConfig(elevators=40, years=2, seed=7)


@dataclass(frozen=True)
class CityWorld:
    url: str
    folder: Path
    tokens: dict[str, str]
    orgs: dict[str, str]  # who → 统一社会信用代码
    truth: dict[str, Any]


def build_city(folder: Path) -> CityWorld:
    folder.mkdir(parents=True, exist_ok=True)
    lines = folder / "city.jsonl"
    truth = simulate_to_file(CONFIG, lines).to_dict()
    url = f"sqlite:///{folder}/city.sqlite"
    with Store(url, mode="create") as store:
        service = LedgerService(store, replay_clock=True)
        batch: list[Any] = []
        with open(lines, "rb") as source:
            for line in source:
                try:
                    batch.append(parse_line(line.rstrip(b"\n")))
                except LedgerError as e:  # the injected bad submissions: refused in place, as append does
                    batch.append(e)
                if len(batch) >= 2000:
                    service.append(batch)
                    batch = []
        service.append(batch)
        Projections(store).catch_up()
        log = TransparencyLog(store)
        log.issue(SigningKey.from_seed(b"c" * 32), origin="city.example/log")
        envelopes = [_envelope(line) for line in lines.read_bytes().splitlines()]
    orgs = _cast(envelopes)
    services = Services.open(Settings(store=url))
    try:
        tokens = {who: services.access.issue_token(org, who if who != "user" else "user_unit", f"city {who}").token
                  for who, org in orgs.items()}
    finally:
        services.close()
    return CityWorld(url, folder, tokens, orgs, truth)


def _cast(envelopes: list[dict[str, Any]]) -> dict[str, str]:
    """The regulator, the maintainer with the most contracts, the insurer with the most policies, a user unit."""
    regulator = next(e["payload"]["org"] for e in envelopes if e["type"] == "RegistryGenesis")
    contracts = Counter(e["payload"]["maintainer"] for e in envelopes if e["type"] == "MaintenanceContractSigned")
    policies = Counter(e["actor"]["org"] for e in envelopes if e["type"] == "PolicyIssued")
    users = Counter(e["payload"]["user_unit"] for e in envelopes if e["type"] == "Registered")
    return {"regulator": regulator, "maintainer": contracts.most_common(1)[0][0],
            "insurer": policies.most_common(1)[0][0], "user": users.most_common(1)[0][0]}


def _envelope(line: bytes) -> dict[str, Any]:
    try:
        found = orjson.loads(line)
    except orjson.JSONDecodeError:  # an injected truncated line
        return {"type": None}
    return found if isinstance(found, dict) and "payload" in found else {"type": None}


def copy_city(city: CityWorld, folder: Path) -> CityWorld:
    """The same city in another folder (a test that writes works on its own copy)."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(city.folder / "city.sqlite", folder / "city.sqlite")
    return CityWorld(f"sqlite:///{folder}/city.sqlite", folder, city.tokens, city.orgs, city.truth)
