"""The Chinese words people read on the pages, for the ledger's ASCII identifiers.

Roles, tiers and causes come from :mod:`ledger.core.vocabulary`; event types and statuses are labelled here because
only the pages need them.
"""

from __future__ import annotations

from ledger.core.vocabulary import CAUSE_LABELS, ROLE_LABELS, TIER_LABELS

__all__ = [
    "CATEGORY_LABELS",
    "CAUSE_LABELS",
    "CLAIM_OUTCOME_LABELS",
    "EVENT_LABELS",
    "INSPECTION_STATUS_LABELS",
    "ROLE_LABELS",
    "SEVERITY_LABELS",
    "STATUS_LABELS",
    "TIER_LABELS",
    "factor_basis",
    "label",
]

EVENT_LABELS: dict[str, str] = {
    "Manufactured": "制造", "ComponentAssociated": "部件登记", "WarrantyIssued": "质保承诺",
    "InstallationNotified": "施工告知", "Installed": "安装完成", "Registered": "使用登记",
    "UserUnitChanged": "使用单位变更", "MaintenanceContractSigned": "签订维保合同",
    "MaintenanceContractTerminated": "终止维保合同", "MaintenancePerformed": "维保",
    "MaintenanceCountersigned": "维保签字确认",
    "ComponentReplaced": "部件更换", "Repaired": "修理", "MajorRepair": "重大修理", "Modified": "改造",
    "FaultReported": "故障", "TerminalEventReported": "终端事件", "RunStatisticsReported": "运行统计",
    "EntrapmentRescue": "困人救援", "HazardFound": "发现隐患", "HazardRectified": "隐患整改",
    "AccidentReported": "事故",
    "ComplaintFiled": "投诉/报告", "ComplaintResolved": "投诉办结", "InspectionApplied": "报检",
    "SupervisoryInspected": "监督检验", "PeriodicInspected": "定期检验", "SelfTested": "自行检测",
    "RiskAssessed": "安全评估",
    "Suspended": "停用", "Reactivated": "重新启用", "Decommissioned": "报废", "PolicyIssued": "保单出具",
    "PremiumAdjusted": "保费调整", "ClaimFiled": "理赔申请", "ClaimSettled": "理赔结案", "PenaltyImposed": "行政处罚",
}
STATUS_LABELS: dict[str, str] = {
    "in_service": "在用", "suspended": "停用", "decommissioned": "已报废", "installed": "已安装(未登记)",
    "manufactured": "已制造",
}
INSPECTION_STATUS_LABELS: dict[str, str] = {
    "valid": "在有效期内", "expired": "已超期", "failed": "检验不合格", "none": "无检验记录",
}
CATEGORY_LABELS: dict[str, str] = {
    "fault": "电梯故障", "entrapment": "困人", "maintenance": "维保问题", "safety": "安全隐患", "service": "服务问题",
    "other": "其他",
}


def label(table: dict[str, str], key: str | None) -> str:
    """``table[key]``, or the key itself when it has no label (never an error on a page)."""
    if key is None:
        return "—"
    return table.get(key, key)


SEVERITY_LABELS: dict[str, str] = {"high": "高", "medium": "中", "low": "低"}
CLAIM_OUTCOME_LABELS: dict[str, str] = {"paid": "已赔付", "denied": "拒赔", "withdrawn": "撤回", "open": "处理中"}
_GRADE_SOURCES = {"published": "监管公布", "computed": "按指标测算", "none": "无评级"}


def factor_basis(factor: dict[str, object]) -> str:
    """What a premium factor rests on, as a sentence (never ``age_years=26.68``)."""
    basis = factor.get("basis")
    b: dict[str, object] = basis if isinstance(basis, dict) else {}
    name = factor.get("factor")
    if name == "age":
        age = b.get("age_years")
        if age is None:
            return "梯龄未知"
        return f"梯龄 {float(str(age)):.1f} 年 (超过 {b.get('threshold_years')} 年上浮)"
    if name == "maintainer":
        who = b.get("name") or b.get("maintainer") or "无在保维保单位"
        grade = b.get("grade")
        source = _GRADE_SOURCES.get(str(b.get("grade_source")), "")
        return f"{who}: 信用等级 {grade} ({source})" if grade else f"{who}: 无信用等级"
    if name == "claims":
        return f"近 {b.get('window_years')} 年理赔 {b.get('claims_in_window')} 次"
    if name == "iot_fault_rate":
        rate, fleet, ratio = b.get("faults_per_unit_year"), b.get("fleet_faults_per_unit_year"), b.get("ratio")
        if rate is None:
            return "无物联网故障数据"
        return f"年均故障 {rate} 次, 全市平均 {fleet} 次" + (f" (为平均的 {ratio} 倍)" if ratio is not None else "")
    return ""
