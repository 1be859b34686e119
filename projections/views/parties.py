"""Parties: organizations, licences, certified workers, revocations, published credit ratings and penalties.

Every row follows from one event alone, so this view keeps no state: the registry events of the organization
streams, plus every ``PenaltyImposed`` (on an organization's or an elevator's stream). Credit grades, the blacklist
(黑名单) and the names shown in every report are computed from these rows (:mod:`projections.reports.credit`).
"""

from __future__ import annotations

from typing import Any, ClassVar

import orjson

from projections.framework.events import LedgerEvent, instant, ref
from projections.framework.runner import GlobalView
from projections.framework.storage import Table

__all__ = ["DEVICES", "LICENCES", "ORGS", "PENALTIES", "RATINGS", "REVOCATIONS", "WORKERS", "PartiesView"]

ORGS = Table("pj_orgs", (("org", "text"), ("name", "text"), ("roles", "json"), ("district", "text"),
                         ("maker_code", "text"), ("event_id", "text"), ("hash", "text")), key=("org",), by_code=False)
LICENCES = Table("pj_licences", (("org", "text"), ("licence_no", "text"), ("kind", "text"), ("valid_from", "text"),
                                 ("valid_until", "text"), ("event_id", "text"), ("hash", "text")),
                 key=("org", "licence_no"), by_code=False)
WORKERS = Table("pj_workers", (("cert_no", "text"), ("org", "text"), ("category", "text"), ("valid_from", "text"),
                               ("valid_until", "text"), ("event_id", "text")), key=("cert_no",),
                indexes=(("org",),), by_code=False)
REVOCATIONS = Table("pj_revocations", (("event_id", "text"), ("kind", "text"), ("org", "text"), ("number", "text"),
                                       ("revoked_at", "int"), ("reason", "text"), ("hash", "text")),
                    key=("event_id",), indexes=(("org",),), by_code=False)
RATINGS = Table("pj_ratings", (("event_id", "text"), ("org", "text"), ("grade", "text"), ("period", "text"),
                               ("rule_set", "text"), ("score", "int"), ("occurred_at", "int"), ("hash", "text")),
                key=("event_id",), indexes=(("org",),), by_code=False)
PENALTIES = Table("pj_penalties", (("event_id", "text"), ("party", "text"), ("code", "text"),
                                   ("law_article", "text"), ("category", "text"), ("amount_fen", "int"),
                                   ("decision_no", "text"), ("violation", "text"), ("occurred_at", "int"),
                                   ("hash", "text")), key=("event_id",), indexes=(("party",),), by_code=False)
DEVICES = Table("pj_devices", (("terminal_id", "text"), ("org", "text"), ("code", "text"), ("event_id", "text")),
                key=("terminal_id",), by_code=False)

_EVENT_KEYED = (REVOCATIONS, RATINGS, PENALTIES)


class PartiesView(GlobalView):
    name: ClassVar[str] = "parties"
    version: ClassVar[str] = "1"
    tables: ClassVar[tuple[Table, ...]] = (ORGS, LICENCES, WORKERS, REVOCATIONS, RATINGS, PENALTIES, DEVICES)
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


def _row(ev: LedgerEvent) -> tuple[Table, tuple[Any, ...]] | None:
    p, t, h = ev.payload, ev.type, ref(ev)[2]
    if t == "RegistryGenesis":
        return ORGS, (p["org"], p["name"], '["regulator"]', None, None, ev.event_id, h)
    if t == "OrganizationRegistered":
        return ORGS, (p["org"], p["name"], orjson.dumps(sorted(p["roles"])).decode(), p.get("district"),
                      p.get("maker_code"), ev.event_id, h)
    if t == "LicenceGranted":
        return LICENCES, (p["org"], p["licence_no"], p["kind"], p["valid_from"], p["valid_until"], ev.event_id, h)
    if t == "WorkerCertified":
        return WORKERS, (p["cert_no"], p["org"], p["category"], p["valid_from"], p["valid_until"], ev.event_id)
    if t in ("LicenceRevoked", "WorkerCertificateRevoked", "KeyRevoked"):
        kind = {"LicenceRevoked": "licence", "WorkerCertificateRevoked": "certificate", "KeyRevoked": "key"}[t]
        number = p.get("licence_no") or p.get("cert_no") or p.get("key_id")
        return REVOCATIONS, (ev.event_id, kind, p["org"], number, instant(p["revoked_at"]), p["reason"], h)
    if t == "DeviceRegistered":
        return DEVICES, (p["terminal_id"], p["org"], p["equipment_code"], ev.event_id)
    if t == "CreditRated":
        return RATINGS, (ev.event_id, p["org"], p["grade"], p["period"], p["rule_set"], p.get("score"),
                         ev.occurred_at, h)
    if t == "PenaltyImposed":
        return PENALTIES, (ev.event_id, p["party"], ev.code, p["law_article"], p["category"], p["amount_fen"],
                           p["decision_no"], p["violation"], ev.occurred_at, h)
    return None
