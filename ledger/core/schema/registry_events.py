"""Registry events: organizations, licences, keys, workers' certificates and devices, recorded by the regulator.

They live on the organization's own stream (keyed by its 统一社会信用代码), so the registry at any position of
the log is the fold of the registry events before it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator

from ledger.core.schema.types import USCC, Code, Day, EquipmentCode, Instant, KeyId, Name, Omittable, Payload, Text
from ledger.core.vocabulary import CertCategory, LicenceKind, Role

__all__ = [
    "CreditRated",
    "DeviceRegistered",
    "KeyAdded",
    "KeyRevoked",
    "LicenceGranted",
    "LicenceRevoked",
    "OrganizationRegistered",
    "RegistryGenesis",
    "WorkerCertificateRevoked",
    "WorkerCertified",
]

PublicKeyB64 = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9+/]{43}=$")]
MakerCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{5}$")]


class RegistryGenesis(Payload):
    """The first event of a ledger: the regulator introduces itself and its first key, self-signed."""

    org: USCC
    name: Name
    key_id: KeyId
    public_key: PublicKeyB64
    valid_from: Instant


class OrganizationRegistered(Payload):
    org: USCC
    name: Name
    roles: Annotated[Sequence[Role], Field(min_length=1, max_length=10)]
    district: Omittable[Name] = None
    # 制造单位代号 (licensing region 2 + sequence 3): digits 5-9 of the equipment codes this maker assigns.
    maker_code: Omittable[MakerCode] = None

    @field_validator("roles")
    @classmethod
    def _unique(cls, roles: Sequence[str]) -> Sequence[str]:
        if len(set(roles)) != len(roles):
            raise ValueError("roles must not repeat")
        return roles


class LicenceGranted(Payload):
    org: USCC
    licence_no: Code
    kind: LicenceKind
    valid_from: Day
    valid_until: Day
    scope: Omittable[Text] = None


class LicenceRevoked(Payload):
    org: USCC
    licence_no: Code
    revoked_at: Instant
    reason: Text


class KeyAdded(Payload):
    org: USCC
    key_id: KeyId
    public_key: PublicKeyB64
    valid_from: Instant
    valid_until: Omittable[Instant] = None
    # Set for an IoT terminal's own key: the key may only sign as that device.
    device: Omittable[Code] = None


class KeyRevoked(Payload):
    org: USCC
    key_id: KeyId
    revoked_at: Instant
    reason: Text


class WorkerCertified(Payload):
    """A person's certificate (作业人员证), held as an opaque number: no personal data enters the ledger."""

    org: USCC
    cert_no: Code
    category: CertCategory
    valid_from: Day
    valid_until: Day


class WorkerCertificateRevoked(Payload):
    org: USCC
    cert_no: Code
    revoked_at: Instant
    reason: Text


class DeviceRegistered(Payload):
    """An IoT terminal (GB/T 24476) owned by ``org`` and fitted to one elevator."""

    org: USCC
    terminal_id: Code
    equipment_code: EquipmentCode


class CreditRated(Payload):
    """The regulator's published credit grade for an organization (维保单位信用等级)."""

    org: USCC
    grade: Literal["A", "B", "C", "D"]
    period: Code
    rule_set: Code
    score: Omittable[Annotated[int, Field(ge=0, le=1000)]] = None
