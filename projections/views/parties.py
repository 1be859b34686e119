"""Parties: organizations, licences, certified workers, revocations, published credit ratings and penalties.

Every row follows from one event alone, so this view keeps no state: the registry events of the organization
streams, plus every ``PenaltyImposed`` (on an organization's or an elevator's stream). Credit grades, the blacklist
(黑名单) and the names shown in every report are computed from these rows (:mod:`projections.reports.credit`).
"""

from __future__ import annotations

from typing import Any, ClassVar, NamedTuple

import orjson

from projections.framework.events import LedgerEvent, instant, ref
from projections.framework.runner import GlobalView
from projections.framework.storage import Json, Table

__all__ = [
    "DEVICES",
    "LICENCES",
    "ORGS",
    "PENALTIES",
    "RATINGS",
    "REVOCATIONS",
    "WORKERS",
    "DeviceRow",
    "LicenceRow",
    "OrgRow",
    "PartiesView",
    "PenaltyRow",
    "RatingRow",
    "RevocationRow",
    "WorkerRow",
]


class OrgRow(NamedTuple):
    org: str
    name: str
    roles: Json  # sorted list of role names
    district: str | None
    maker_code: str | None
    event_id: str
    hash: str


class LicenceRow(NamedTuple):
    org: str
    licence_no: str
    kind: str
    valid_from: str  # YYYY-MM-DD
    valid_until: str
    event_id: str
    hash: str


class WorkerRow(NamedTuple):
    cert_no: str
    org: str
    category: str
    valid_from: str  # YYYY-MM-DD
    valid_until: str
    event_id: str


class RevocationRow(NamedTuple):
    event_id: str
    kind: str  # licence | certificate | key
    org: str
    number: str  # the licence, certificate or key revoked
    revoked_at: int
    reason: str
    hash: str


class RatingRow(NamedTuple):
    event_id: str
    org: str
    grade: str
    period: str
    rule_set: str
    score: int | None
    occurred_at: int
    hash: str


class PenaltyRow(NamedTuple):
    event_id: str
    party: str
    code: str | None  # the elevator, when the penalty is on its stream
    law_article: str
    category: str
    amount_fen: int
    decision_no: str
    violation: str
    occurred_at: int
    hash: str


class DeviceRow(NamedTuple):
    terminal_id: str
    org: str
    code: str
    event_id: str


ORGS = Table("pj_orgs", OrgRow, key=("org",), by_code=False)
LICENCES = Table("pj_licences", LicenceRow, key=("org", "licence_no"), by_code=False)
WORKERS = Table("pj_workers", WorkerRow, key=("cert_no",), indexes=(("org",),), by_code=False)
REVOCATIONS = Table("pj_revocations", RevocationRow, key=("event_id",), indexes=(("org",),), by_code=False)
RATINGS = Table("pj_ratings", RatingRow, key=("event_id",), indexes=(("org",),), by_code=False)
PENALTIES = Table("pj_penalties", PenaltyRow, key=("event_id",), indexes=(("party",),), by_code=False)
DEVICES = Table("pj_devices", DeviceRow, key=("terminal_id",), by_code=False)

_EVENT_KEYED = (REVOCATIONS, RATINGS, PENALTIES)
_REVOKED = {  # revocation event → (kind, the payload field naming what was revoked)
    "LicenceRevoked": ("licence", "licence_no"),
    "WorkerCertificateRevoked": ("certificate", "cert_no"),
    "KeyRevoked": ("key", "key_id"),
}


class PartiesView(GlobalView):
    name: ClassVar[str] = "parties"
    version: ClassVar[str] = "1"
    tables: ClassVar[tuple[Table[Any], ...]] = (ORGS, LICENCES, WORKERS, REVOCATIONS, RATINGS, PENALTIES, DEVICES)
    types: ClassVar[frozenset[str]] = frozenset({
        "RegistryGenesis", "OrganizationRegistered", "LicenceGranted", "LicenceRevoked", "WorkerCertified",
        "WorkerCertificateRevoked", "KeyRevoked", "DeviceRegistered", "CreditRated", "PenaltyImposed",
    })

    def apply(self, ev: LedgerEvent) -> None:
        if ev.corrects is not None:
            for table in _EVENT_KEYED:
                self.delete(table, (ev.corrects,))
        row = _row(ev)
        if row is not None:
            self.put(*row)


def _row(ev: LedgerEvent) -> tuple[Table[Any], NamedTuple] | None:
    p, t, h = ev.payload, ev.type, ref(ev).hash
    if t == "RegistryGenesis":
        return ORGS, OrgRow(org=p["org"], name=p["name"], roles='["regulator"]', district=None, maker_code=None,
                            event_id=ev.event_id, hash=h)
    if t == "OrganizationRegistered":
        return ORGS, OrgRow(org=p["org"], name=p["name"], roles=orjson.dumps(sorted(p["roles"])).decode(),
                            district=p.get("district"), maker_code=p.get("maker_code"), event_id=ev.event_id, hash=h)
    if t == "LicenceGranted":
        return LICENCES, LicenceRow(org=p["org"], licence_no=p["licence_no"], kind=p["kind"],
                                    valid_from=p["valid_from"], valid_until=p["valid_until"], event_id=ev.event_id,
                                    hash=h)
    if t == "WorkerCertified":
        return WORKERS, WorkerRow(cert_no=p["cert_no"], org=p["org"], category=p["category"],
                                  valid_from=p["valid_from"], valid_until=p["valid_until"], event_id=ev.event_id)
    if t in _REVOKED:
        kind, number_field = _REVOKED[t]
        return REVOCATIONS, RevocationRow(event_id=ev.event_id, kind=kind, org=p["org"], number=p[number_field],
                                          revoked_at=instant(p["revoked_at"]), reason=p["reason"], hash=h)
    if t == "DeviceRegistered":
        return DEVICES, DeviceRow(terminal_id=p["terminal_id"], org=p["org"], code=p["equipment_code"],
                                  event_id=ev.event_id)
    if t == "CreditRated":
        return RATINGS, RatingRow(event_id=ev.event_id, org=p["org"], grade=p["grade"], period=p["period"],
                                  rule_set=p["rule_set"], score=p.get("score"), occurred_at=ev.occurred_at, hash=h)
    if t == "PenaltyImposed":
        return PENALTIES, PenaltyRow(event_id=ev.event_id, party=p["party"], code=ev.code,
                                     law_article=p["law_article"], category=p["category"],
                                     amount_fen=p["amount_fen"], decision_no=p["decision_no"],
                                     violation=p["violation"], occurred_at=ev.occurred_at, hash=h)
    return None
