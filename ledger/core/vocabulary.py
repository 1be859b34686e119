"""Controlled vocabularies of the domain: roles, licence kinds, tiers, conclusions, causes, categories.

Values in signed data are the ASCII identifiers on the left; the Chinese terms are what people read.
Items tagged [K] in docs/DOMAIN.md are unconfirmed against the originals and are kept as data so they can be changed.
"""

from __future__ import annotations

from typing import Literal

__all__ = [
    "CAUSE_LABELS",
    "LICENCE_LABELS",
    "ROLE_LABELS",
    "TIER_LABELS",
    "Cause",
    "Conclusion",
    "LicenceKind",
    "PersonRole",
    "Role",
    "Severity",
    "SiteCategory",
    "Tier",
]

Role = Literal[
    "regulator",
    "manufacturer",
    "installer",
    "maintainer",
    "user_unit",
    "inspection_body",
    "platform_96333",
    "iot_terminal",
    "insurer",
    "assessment_body",
]
ROLE_LABELS: dict[str, str] = {
    "regulator": "市场监管局/登记机关",
    "manufacturer": "制造单位",
    "installer": "安装/改造/修理单位",
    "maintainer": "维保单位",
    "user_unit": "使用单位",
    "inspection_body": "检验/检测机构",
    "platform_96333": "96333 应急处置平台",
    "iot_terminal": "物联网终端",
    "insurer": "保险公司",
    "assessment_body": "安全评估机构",
}

LicenceKind = Literal[
    "manufacture", "installation", "modification", "repair", "maintenance", "inspection", "testing", "assessment"
]
LICENCE_LABELS: dict[str, str] = {
    "manufacture": "制造许可",
    "installation": "安装许可",
    "modification": "改造许可",
    "repair": "修理许可",
    "maintenance": "维保(修理)许可",
    "inspection": "检验机构核准",
    "testing": "检测机构核准",
    "assessment": "评估机构资质",
}

PersonRole = Literal["worker", "inspector", "safety_manager", "assessor"]
# Certificate category each person role must hold (电梯修理 T for workers [K]; inspectors' and others' are opaque).
CERT_CATEGORY_FOR_ROLE: dict[str, str] = {
    "worker": "T",
    "inspector": "inspector",
    "safety_manager": "A",
    "assessor": "assessor",
}
CertCategory = Literal["T", "inspector", "A", "assessor"]

Tier = Literal["half_month", "quarterly", "half_year", "annual", "on_demand"]
TIER_LABELS: dict[str, str] = {
    "half_month": "半月",
    "quarterly": "季度",
    "half_year": "半年",
    "annual": "年度",
    "on_demand": "按需",
}

Conclusion = Literal["pass", "fail"]  # 合格 / 不合格
Severity = Literal["general", "serious"]  # 一般 / 严重
SiteCategory = Literal["residential", "commercial", "public"]  # 住宅 / 商用 / 公众聚集
Cause = Literal["equipment", "external", "human", "door_system"]
CAUSE_LABELS: dict[str, str] = {
    "equipment": "设备故障",
    "external": "外部原因(停电等)",
    "human": "人为原因",
    "door_system": "门系统",
}
