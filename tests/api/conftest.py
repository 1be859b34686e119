"""Fixtures of the HTTP tests: the scenario served on every backend.

``api`` is a fresh served ledger per test (on the shared ``store_url`` fixture: SQLite and PostgreSQL), for tests
that write. ``served`` is one per module and backend, for the many read-only checks (scopes, reports, proofs),
which keeps the suite quick on PostgreSQL.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.api.city import CityWorld, build_city
from tests.api.live import LiveServer, live_server
from tests.api.world import ApiWorld
from tests.conftest import _PG_PROBLEM, PG_URL


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Starlette's TestClient still drives httpx and says so; the tests are not the place to act on it."""
    if not config.pluginmanager.hasplugin("warnings"):
        return  # -p no:warnings: nothing to quiet (and the marker is not registered)
    quiet = pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")
    for item in items:
        if "tests/api/" in str(item.path).replace("\\", "/"):
            item.add_marker(quiet)


@pytest.fixture
def api(store_url: str, tmp_path: Path) -> Iterator[ApiWorld]:
    """The scenario served by an in-process app, on SQLite and on PostgreSQL (one per test: it may write)."""
    world = ApiWorld(store_url, tmp_path)
    try:
        yield world
    finally:
        world.close()


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiWorld]:
    """The scenario served once per module and backend: for tests that only read."""
    tmp = tmp_path_factory.mktemp("served")
    schema = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp}/ledger.sqlite"
    else:
        if _PG_PROBLEM:
            pytest.skip(_PG_PROBLEM)
        schema = f"t_{uuid.uuid4().hex[:16]}"
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        url = f"{PG_URL}?schema={schema}"
    world = ApiWorld(url, tmp)
    try:
        yield world
    finally:
        world.close()
        if schema is not None:
            with psycopg.connect(PG_URL, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The scenario behind a real uvicorn server started by ``liftledger serve`` on a free port (SQLite)."""
    with live_server(tmp_path_factory.mktemp("live")) as server:
        yield server


@pytest.fixture(scope="session")
def city(tmp_path_factory: pytest.TempPathFactory) -> CityWorld:
    """A small simulated city (tests/api/city.py), built once; tests that write use copy_city."""
    return build_city(tmp_path_factory.mktemp("city"))
