"""A served ledger for the HTTP tests: the demo scenario on a real store, with tokens for every audience.

The scenario (producers.scenario) gives elevator A — maintained, trapped a passenger, failed and passed its
inspection, insured and claimed on — and elevator B, decommissioned. On top: a second insurer that insures
nothing, a checkpoint by the operator, the platform's key for public reports, and a witness.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from api.http.app import create_app
from api.http.services import Services
from api.http.settings import Settings
from ledger.adapters.keyfile import write_signing_key
from ledger.core.identifiers import instant_from_text
from ledger.core.keys import SigningKey
from ledger.core.submission import parse_submission
from ledger.store import Store
from ledger.tlog.checkpoint import WitnessSigner
from producers.scenario import ELEVATOR_A, ELEVATOR_B, Scenario, build_scenario
from producers.world import Org

__all__ = ["ELEVATOR_A", "ELEVATOR_B", "NOW", "ApiWorld"]

NOW = instant_from_text("2025-03-01T00:00:00Z")
WITNESS_NAME = "witness.example/w1"


@dataclass
class ApiWorld:
    url: str
    tmp: Path
    scenario: Scenario = field(init=False)
    services: Services = field(init=False)
    tokens: dict[str, str] = field(default_factory=dict)
    token_ids: dict[str, str] = field(default_factory=dict)
    orgs: dict[str, Org] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.scenario = build_scenario()
        world, cast = self.scenario.world, self.scenario.cast
        self.orgs = {**cast, "regulator": world.regulator,
                     "other_insurer": world.organization("中国人民财产保险股份有限公司", ("insurer",))}
        self.operator = SigningKey.from_seed(b"o" * 32)
        self.witness_key = SigningKey.from_seed(b"w" * 32)
        write_signing_key(cast["platform"].key, self.tmp / "platform.key")
        write_signing_key(self.witness_key, self.tmp / "witness.key")
        self.settings = Settings(
            store=self.url, platform_key=self.tmp / "platform.key", platform_org=cast["platform"].org,
            witness_key=self.tmp / "witness.key", witness_name=WITNESS_NAME, witness_state=self.tmp / "witness",
            report_limit=3, report_window_s=3600,
        )
        Store(self.url, mode="create").close()  # a server opens a store; it never creates one
        self.services = Services.open(self.settings, clock=lambda: NOW)
        self.outcomes = self.services.ctx.append([parse_submission(e) for e in self.scenario.submissions])
        self.checkpoint = self.services.ctx.log.issue(self.operator, now=NOW)
        for name, role in (("regulator", "regulator"), ("insurer", "insurer"), ("other_insurer", "insurer"),
                           ("maintainer", "maintainer"), ("stranger", "maintainer"), ("maker", "manufacturer"),
                           ("user", "user_unit"), ("platform", "platform_96333")):
            issued = self.services.access.issue_token(self.orgs[name].org, role, f"test {name}")
            self.tokens[name], self.token_ids[name] = issued.token, issued.record.token_id
        self.app = create_app(self.settings, services=self.services)
        self.client = TestClient(self.app)

    @property
    def witness_signer(self) -> WitnessSigner:
        return WitnessSigner(WITNESS_NAME, self.witness_key.private)

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def get(self, path: str, who: str | None = None, **kw: Any) -> Any:
        return self.client.get(path, headers=self.auth(who) if who else {}, **kw)

    def post(self, path: str, who: str | None = None, **kw: Any) -> Any:
        headers = {**(self.auth(who) if who else {}), **kw.pop("headers", {})}
        return self.client.post(path, headers=headers, **kw)

    def close(self) -> None:
        self.client.close()
        self.services.close()
