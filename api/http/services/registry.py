"""The registry as people read it, and the registry acts recorded through the one write path.

Reading: every registered organization with its roles, licences, keys and certificates as of the latest registry
event (``liftledger orgs list|show``, ``GET /v1/orgs``). Writing: a :class:`~producers.registry.RegistryDesk`
signs the acts with a regulator's key and :meth:`RegistryService.record` appends them — the same decisions as any
submission (the key must be a registered regulator key, active at the act's time). The CLI signs with the key file
it is given; the server signs only when it was started with a registry desk key (``serve --registry-key``), and only
for a regulator token of that key's organization.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from api.http.errors import ServiceUnavailable
from api.http.services.context import LedgerContext
from ledger.core.errors import AuthorizationError, ConfigurationError, LedgerError, NotFoundError
from ledger.core.identifiers import format_instant, local_date
from ledger.core.keys import SigningKey
from ledger.core.registry import KeyRecord, Organization, Registry, Validity
from ledger.core.submission import parse_submission
from ledger.write.service import Outcome
from producers.client import Producer
from producers.registry import RegistryDesk

__all__ = ["RegistryService", "key_view", "organization_view"]


def _validity(validity: Validity, now: int) -> dict[str, Any]:
    out: dict[str, Any] = {"valid_from": validity.valid_from.isoformat(),
                           "valid_until": validity.valid_until.isoformat(),
                           "valid_now": validity.valid_at(now, local_date(now))}
    if validity.revoked_at is not None:
        out["revoked_at"] = format_instant(validity.revoked_at)
    return out


def key_view(key: KeyRecord, now: int) -> dict[str, Any]:
    """A registered key: its ids, validity and whether it can sign now (``state``)."""
    problem = key.problem_at(now)
    out: dict[str, Any] = {"key_id": key.key_id, "org": key.org, "public_key": key.public.base64,
                           "valid_from": format_instant(key.valid_from),
                           "state": "active" if problem is None else problem.code.removeprefix("key.")}
    if key.valid_until is not None:
        out["valid_until"] = format_instant(key.valid_until)
    if key.revoked_at is not None:
        out["revoked_at"] = format_instant(key.revoked_at)
    if key.device is not None:
        out["device"] = key.device
    return out


def organization_view(found: Organization, registry: Registry, now: int) -> dict[str, Any]:
    """An organization as registered: roles, district, licences, keys and certificates (numbers only)."""
    keys = [key_view(k, now) for k in registry.keys.values() if k.org == found.org]
    certificates = [{"cert_no": c.cert_no, "category": c.category, **_validity(c.validity, now)}
                    for c in registry.certs.values() if c.org == found.org]
    out: dict[str, Any] = {
        "org": found.org, "name": found.name, "roles": sorted(found.roles),
        "licences": [{"licence_no": lic.licence_no, "kind": lic.kind, **_validity(lic.validity, now)}
                     for lic in found.licences.values()],
        "keys": keys, "certificates": certificates,
        "active_keys": sum(k["state"] == "active" for k in keys),
    }
    if found.district:
        out["district"] = found.district
    if found.maker_code:
        out["maker_code"] = found.maker_code
    return out


class RegistryService:
    def __init__(self, ctx: LedgerContext, desk_key: SigningKey | None = None) -> None:
        self.ctx = ctx
        self.desk_key = desk_key

    # --- reading ---------------------------------------------------------------------------------------------

    def organizations(self, role: str | None = None) -> list[dict[str, Any]]:
        """Every registered organization (in 统一社会信用代码 order), or those registered in ``role``."""
        registry, now = self.ctx.registry(), self.ctx.now()
        return [organization_view(found, registry, now) for org, found in sorted(registry.orgs.items())
                if role is None or role in found.roles]

    def organization(self, org: str) -> dict[str, Any]:
        registry = self.ctx.registry()
        found = registry.orgs.get(org)
        if found is None:
            raise NotFoundError(f"no organization {org} in the registry", code="org.unknown")
        return organization_view(found, registry, self.ctx.now())

    def key(self, key_id: str) -> dict[str, Any]:
        found = self.ctx.registry().keys.get(key_id)
        if found is None:
            raise NotFoundError(f"no key {key_id} in the registry", code="key.unknown")
        return key_view(found, self.ctx.now())

    # --- writing ---------------------------------------------------------------------------------------------

    def desk(self, key: SigningKey | None = None, *, org: str | None = None) -> RegistryDesk:
        """The registry desk signing with ``key`` (default: the server's desk key), which must be a registered
        regulator key — of ``org`` when given (a regulator token may act only for its own organization)."""
        key = key or self.desk_key
        if key is None:
            raise ServiceUnavailable("this server records no registry acts: start it with --registry-key (a "
                                     "regulator key added with `liftledger keys add`), or sign them with "
                                     "`liftledger orgs …` and POST /v1/events", code="registry.no_key")
        registry = self.ctx.registry()
        record = registry.keys.get(key.key_id)
        if record is None:
            raise ConfigurationError(f"key {key.key_id} is not registered: a registry act is signed with a "
                                     "registered regulator key (the one `liftledger init` wrote, or one added to "
                                     "the regulator)", code="registry.key_unknown")
        owner = registry.orgs.get(record.org)
        if owner is None or "regulator" not in owner.roles:
            raise AuthorizationError(f"key {key.key_id} belongs to {record.org}, which is not a regulator",
                                     code="role.forbidden")
        if org is not None and record.org != org:
            raise AuthorizationError(f"the registry desk key belongs to {record.org}, not {org}",
                                     code="auth.actor_mismatch")
        return RegistryDesk(Producer(record.org, "regulator", key))

    def record(self, envelopes: Sequence[dict[str, Any]]) -> list[Outcome]:
        """Append the act's envelopes in one batch (each decided against those before it)."""
        items: list[Any] = []
        for envelope in envelopes:
            try:
                items.append(parse_submission(envelope))
            except LedgerError as e:
                items.append(e.as_data())
        return self.ctx.append(items)
