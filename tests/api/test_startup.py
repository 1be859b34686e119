"""Servers starting together on a freshly created store all come up: the projection and API-token tables are
created under the same PostgreSQL advisory lock as the ledger's (before, two of four crashed on
``pg_type_typname_nsp_index``)."""

from __future__ import annotations

import threading

from api.http.services import Services
from api.http.settings import Settings
from ledger.store import Store


def test_servers_starting_together_on_a_fresh_store_all_start(store_url: str) -> None:
    Store(store_url, mode="create").close()  # `liftledger init`: the projection and token tables do not exist yet
    starting = 4
    barrier = threading.Barrier(starting)
    failures: list[BaseException] = []

    def start() -> None:
        barrier.wait()
        try:
            services = Services.open(Settings(store=store_url))
            services.analytics.catch_up()
            services.access.list_tokens(None)
            services.close()
        except BaseException as e:
            failures.append(e)

    threads = [threading.Thread(target=start) for _ in range(starting)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
