"""The elevator's life: manufacture, components, installation, registration, changes, repairs, the end."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from ledger.core.schema.types import (
    USCC,
    Code,
    Day,
    EventRef,
    Fen,
    Name,
    Omittable,
    Payload,
    RegistrationCode,
    Strict,
    Text,
)
from ledger.core.vocabulary import SiteCategory

__all__ = [
    "MAJOR_COMPONENTS",
    "SAFETY_COMPONENTS",
    "ComponentAssociated",
    "ComponentReplaced",
    "Decommissioned",
    "InstallationNotified",
    "Installed",
    "MajorRepair",
    "Manufactured",
    "Modified",
    "PartUsed",
    "Reactivated",
    "Registered",
    "Repaired",
    "SafetyComponent",
    "Subsystem",
    "Suspended",
    "UserUnitChanged",
    "WarrantyIssued",
]

ComponentKind = Literal[
    "traction_machine",  # 曳引机
    "door_operator",  # 门机
    "safety_gear",  # 安全钳
    "governor",  # 限速器
    "controller",  # 控制柜
    "buffer",  # 缓冲器
    "door_lock",  # 门锁装置
    "ucmp_device",  # 轿厢意外移动保护装置
    "ascending_overspeed_device",  # 上行超速保护装置
    "ropes",  # 曳引钢丝绳
    "brake",  # 制动器
    "other",
]
# The five major parts of seed 002: ≥ 10-year warranty when the original manufacturer maintains the unit.
MAJOR_COMPONENTS: frozenset[str] = frozenset(
    {"traction_machine", "door_operator", "safety_gear", "governor", "controller"}
)
# 安全保护装置 that need a type-test certificate (型式试验证书).
SAFETY_COMPONENTS: frozenset[str] = frozenset(
    {"safety_gear", "governor", "buffer", "door_lock", "ucmp_device", "ascending_overspeed_device", "brake"}
)
Subsystem = Literal[
    "door", "traction", "brake", "safety_circuit", "control", "governor", "car", "buffer", "rescue",
    "environment", "escalator", "power",
]
FundingSource = Literal["owner", "maintenance_fund", "warranty", "insurance", "subsidy", "maintainer"]


class SafetyComponent(Strict):
    kind: ComponentKind
    serial: Code
    type_test_cert: Code


class Manufactured(Payload):
    """Creates the elevator's stream; the equipment code's digits 5-9 must be the maker's 制造单位代号."""

    model: Name
    factory_serial: Code
    certificate_no: Code  # 产品合格证编号
    rated_load_kg: Annotated[int, Field(gt=0, le=100_000)]
    rated_speed_mm_s: Annotated[int, Field(gt=0, le=20_000)]
    floors: Annotated[int, Field(ge=1, le=300)]
    stops: Annotated[int, Field(ge=1, le=300)]
    doors: Annotated[int, Field(ge=1, le=600)]
    design_life_years: Annotated[int, Field(ge=1, le=60)]
    safety_components: Sequence[SafetyComponent] = ()
    registration_code: Omittable[RegistrationCode] = None  # legacy 20-digit 注册代码, an alias only


class ComponentAssociated(Payload):
    kind: ComponentKind
    serial: Code
    maker: Name
    maker_org: Omittable[USCC] = None
    type_test_cert: Omittable[Code] = None
    warranty_until: Omittable[Day] = None


class ComponentReplaced(Payload):
    kind: ComponentKind
    serial: Code
    old_serial: Code
    maker: Name
    maker_org: Omittable[USCC] = None
    type_test_cert: Omittable[Code] = None
    warranty_until: Omittable[Day] = None
    funding: FundingSource
    fund_request_ref: Omittable[Code] = None  # 专项维修资金 request
    amount_fen: Omittable[Fen] = None
    fault_refs: Sequence[EventRef] = ()


class WarrantyIssued(Payload):
    scope: Literal["whole_unit", "component"]
    serial: Omittable[Code] = None
    warranty_until: Day
    basis: Literal["standard", "subsidised_renewal", "oem_maintained"]


class InstallationNotified(Payload):
    notice_no: Code  # 施工告知编号
    licence_no: Code
    planned_start: Day


class Installed(Payload):
    licence_no: Code
    self_inspection_report_no: Code
    address: Name
    district: Name


RescueCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$")]


class Registered(Payload):
    """使用登记 by the 登记机关; ``change`` marks a 变更登记 (after modification, relocation, new user unit)."""

    registration_no: Code  # 使用登记证编号, e.g. 梯11京A00001(17)
    user_unit: USCC
    site_category: SiteCategory
    district: Name
    address: Name
    area: Literal["city", "other"] = "city"  # sets the rescue arrival SLA
    repair_fund: bool = True  # 专项维修资金 available (三无电梯 when missing)
    rescue_code: Omittable[RescueCode] = None  # 96333 救援识别码
    registration_code: Omittable[RegistrationCode] = None
    change: bool = False


class UserUnitChanged(Payload):
    old_user_unit: USCC
    new_user_unit: USCC
    change_registration_no: Code


class Suspended(Payload):
    reason: Text
    planned_until: Omittable[Day] = None


class Reactivated(Payload):
    self_check_done: bool
    inspection_ref: Omittable[EventRef] = None


class PartUsed(Strict):
    kind: ComponentKind
    serial: Omittable[Code] = None
    quantity: Annotated[int, Field(ge=1, le=10_000)] = 1


class Modified(Payload):
    """改造: the unit must pass a supervisory inspection and a change registration before service."""

    licence_no: Code
    scope: Text
    parts: Sequence[PartUsed] = ()


class MajorRepair(Payload):
    """重大修理: the same return-to-service rule as a modification."""

    licence_no: Code
    scope: Text
    parts: Sequence[PartUsed] = ()
    fund_request_ref: Omittable[Code] = None
    amount_fen: Omittable[Fen] = None


class Repaired(Payload):
    subsystem: Subsystem
    description: Text
    parts: Sequence[PartUsed] = ()
    fault_refs: Sequence[EventRef] = ()
    fund_request_ref: Omittable[Code] = None
    amount_fen: Omittable[Fen] = None


class Decommissioned(Payload):
    reason: Text
    scrap_certificate_no: Code
    certificate_surrendered: bool
