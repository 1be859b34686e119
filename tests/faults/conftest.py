"""Fixtures of the fault suite: the life of tests/faults/life.py on a real store, with or without poison.

``poisoned`` is the life and every extreme-date case of tests/faults/extremes.py appended to one store, once per
module and backend (appending ~800 signed records takes a second or two; the questions asked of them take longer).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import orjson
import psycopg
import pytest

from ledger.store import Store
from ledger.write.service import LedgerService, Outcome
from tests.conftest import _PG_PROBLEM, PG_URL
from tests.faults.extremes import Case, cases
from tests.faults.life import NOW, Life, build_life

__all__ = ["Poisoned", "fresh_schema", "load_life"]


@dataclass
class Poisoned:
    url: str
    tmp: Path
    life: Life
    cases: list[Case]
    outcomes: dict[str, list[Outcome]] = field(default_factory=dict)  # case name → one outcome per envelope

    @property
    def accepted_codes(self) -> list[str]:
        """The copies whose poisoned record was accepted (the others hold only the unpoisoned prefix)."""
        return [c.code for c in self.cases if self.outcomes[c.name][-1].accepted]


def load_life(url: str) -> tuple[Life, LedgerService]:
    """A new store at ``url`` holding the registry and the life; the service that wrote them (clock at NOW)."""
    life = build_life()
    service = LedgerService(Store(url, mode="create"), clock=lambda: NOW)
    outcomes = service.append_lines([orjson.dumps(e) for e in [*life.registry, *life.events]])
    assert all(o.accepted for o in outcomes), [o.error for o in outcomes if o.error]
    return life, service


@pytest.fixture(scope="module")
def fresh_schema() -> Iterator[str]:
    """A PostgreSQL store URL in a new schema for the whole module, dropped afterwards."""
    if _PG_PROBLEM:
        pytest.skip(_PG_PROBLEM)
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{PG_URL}?schema={schema}"
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def poisoned(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Poisoned]:
    tmp = tmp_path_factory.mktemp("poisoned")
    url = f"sqlite:///{tmp}/ledger.sqlite" if request.param == "sqlite" else request.getfixturevalue("fresh_schema")
    life, service = load_life(url)
    world = Poisoned(url, tmp, life, list(cases(life)))
    try:
        for case in world.cases:
            world.outcomes[case.name] = service.append_lines([orjson.dumps(e) for e in case.envelopes])
        yield world
    finally:
        service.store.close()
