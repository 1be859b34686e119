"""Maintenance contracts (维保单位与电梯一一绑定) and maintenance records (TSG T5002-2017)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, model_validator

from ledger.core.maintenance_items import ITEMS
from ledger.core.schema.types import USCC, Code, Day, DecimalText, EventRef, Instant, Omittable, Payload, Strict, Text
from ledger.core.vocabulary import Tier

__all__ = [
    "GeoPoint",
    "MaintenanceContractSigned",
    "MaintenanceContractTerminated",
    "MaintenanceCountersigned",
    "MaintenancePerformed",
    "Measurement",
]


class MaintenanceContractSigned(Payload):
    contract_no: Code
    maintainer: USCC
    user_unit: USCC
    mode: Literal["regular", "on_demand"]  # 常规15日 / 按需维保
    on_demand_interval_days: Omittable[Annotated[int, Field(ge=1, le=90)]] = None
    iot_terminal_id: Omittable[Code] = None
    start_date: Day
    end_date: Day

    @model_validator(mode="after")
    def _consistent(self) -> MaintenanceContractSigned:
        if self.end_date <= self.start_date:
            raise ValueError("end_date must be after start_date")
        if self.mode == "on_demand" and (self.on_demand_interval_days is None or self.iot_terminal_id is None):
            raise ValueError("按需维保 needs on_demand_interval_days and iot_terminal_id")
        if self.mode == "regular" and self.on_demand_interval_days is not None:
            raise ValueError("on_demand_interval_days is only for mode on_demand")
        return self


class MaintenanceContractTerminated(Payload):
    contract_no: Code
    effective_date: Day
    reason: Text


MeasuredUnit = Literal["mm", "N", "percent", "s", "mm_s", "kg", "MOhm", "degC", "A", "V"]
if TYPE_CHECKING:  # the Literal is built from the item table, which a type checker cannot evaluate
    ItemCode = str
else:
    ItemCode = Literal.__getitem__(tuple(ITEMS))
ItemOutcome = Literal["pass", "adjusted", "replaced", "fail", "not_applicable"]


class Measurement(Strict):
    value: DecimalText
    unit: MeasuredUnit


class GeoPoint(Strict):
    """WGS-84 micro-degrees (no floats in signed data)."""

    lat_e6: Annotated[int, Field(ge=-90_000_000, le=90_000_000)]
    lon_e6: Annotated[int, Field(ge=-180_000_000, le=180_000_000)]


class MaintenancePerformed(Payload):
    """One visit: the result of each TSG T5002 item done, keyed by item code (ledger.core.maintenance_items).

    The workers are the envelope's ``actor.persons`` with role ``worker``. ``tested`` lists the items whose
    试验/测试 was actually performed; ``measurements`` carries readings such as 层门锁紧元件啮合长度 in mm.
    """

    contract_no: Code
    tier: Tier
    started_at: Instant
    ended_at: Instant
    results: Annotated[dict[ItemCode, ItemOutcome], Field(min_length=1)]
    measurements: dict[ItemCode, Measurement] = {}  # noqa: RUF012  (pydantic copies field defaults)
    tested: Sequence[ItemCode] = ()
    checkin: Omittable[GeoPoint] = None

    @model_validator(mode="after")
    def _consistent(self) -> MaintenancePerformed:
        if self.ended_at <= self.started_at:
            raise ValueError("ended_at must be after started_at")
        for code in (*self.measurements, *self.tested):
            if code not in self.results:
                raise ValueError(f"item {code} is measured or tested but has no result")
        return self


class MaintenanceCountersigned(Payload):
    """The user unit's 安全管理人员 countersigns a maintenance record."""

    maintenance_ref: EventRef
    accepted: bool = True
    remark: Omittable[Text] = None
