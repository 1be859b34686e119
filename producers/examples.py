"""One valid payload per event type: the starting point of ``liftledger template`` (producers/templates.py), the
examples of the OpenAPI event models, and the schema tests' samples. A new event type without one fails a test.

``ORG`` stands for the recording organization and ``OTHER`` for a second party; the times are 2024-01-01.
"""

from __future__ import annotations

from typing import Any

from producers.world import make_uscc

ORG = make_uscc("310000", 1)
OTHER = make_uscc("310000", 2)
REF = "01900000-0000-7000-8000-000000000001"
KEY_B64 = "O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik="
KEY_ID = "56475aa75463474c0285df5dbf2bcab7"
DAY = "2024-01-01"
T0 = "2024-01-01T00:00:00Z"
T1 = "2024-01-01T01:00:00Z"

SAMPLES: dict[str, dict[str, Any]] = {
    "RegistryGenesis": {"org": ORG, "name": "市场监督管理局", "key_id": KEY_ID, "public_key": KEY_B64,
                        "valid_from": T0},
    "OrganizationRegistered": {"org": ORG, "name": "迅达", "roles": ["manufacturer"], "maker_code": "31001"},
    "LicenceGranted": {"org": ORG, "licence_no": "TS-1", "kind": "maintenance", "valid_from": DAY,
                       "valid_until": "2028-01-01"},
    "LicenceRevoked": {"org": ORG, "licence_no": "TS-1", "revoked_at": T0, "reason": "吊销"},
    "KeyAdded": {"org": ORG, "key_id": KEY_ID, "public_key": KEY_B64, "valid_from": T0},
    "KeyRevoked": {"org": ORG, "key_id": KEY_ID, "revoked_at": T0, "reason": "泄露"},
    "WorkerCertified": {"org": ORG, "cert_no": "T-1", "category": "T", "valid_from": DAY,
                        "valid_until": "2028-01-01"},
    "WorkerCertificateRevoked": {"org": ORG, "cert_no": "T-1", "revoked_at": T0, "reason": "离职"},
    "DeviceRegistered": {"org": ORG, "terminal_id": "IOT-1", "equipment_code": "311031001201800001"},
    "CreditRated": {"org": ORG, "grade": "B", "period": "2024", "rule_set": "anshan-2025"},
    "Manufactured": {"model": "M", "factory_serial": "F", "certificate_no": "C", "rated_load_kg": 1000,
                     "rated_speed_mm_s": 1750, "floors": 10, "stops": 10, "doors": 10, "design_life_years": 20},
    "ComponentAssociated": {"kind": "governor", "serial": "G-1", "maker": "迅达", "type_test_cert": "TX-1"},
    "ComponentReplaced": {"kind": "governor", "serial": "G-2", "old_serial": "G-1", "maker": "某厂",
                          "funding": "maintenance_fund"},
    "WarrantyIssued": {"scope": "whole_unit", "warranty_until": "2030-01-01", "basis": "subsidised_renewal"},
    "InstallationNotified": {"notice_no": "SG-1", "licence_no": "TS-1", "planned_start": DAY},
    "Installed": {"licence_no": "TS-1", "self_inspection_report_no": "ZJ-1", "address": "世纪大道1号",
                  "district": "浦东新区"},
    "Registered": {"registration_no": "梯31沪A00001(18)", "user_unit": ORG, "site_category": "residential",
                   "district": "浦东新区", "address": "世纪大道1号"},
    "UserUnitChanged": {"old_user_unit": ORG, "new_user_unit": OTHER, "change_registration_no": "BG-1"},
    "MaintenanceContractSigned": {"contract_no": "WB-1", "maintainer": ORG, "user_unit": OTHER, "mode": "regular",
                                  "start_date": DAY, "end_date": "2025-01-01"},
    "MaintenanceContractTerminated": {"contract_no": "WB-1", "effective_date": DAY, "reason": "到期"},
    "MaintenancePerformed": {"contract_no": "WB-1", "tier": "half_month", "started_at": T0, "ended_at": T1,
                             "results": {"A-1-01": "pass"}},
    "MaintenanceCountersigned": {"maintenance_ref": REF},
    "FaultReported": {"source": "iot", "code": 1},
    "TerminalEventReported": {"code": 43},
    "RunStatisticsReported": {"period_start": T0, "period_end": T1, "run_count": 10, "run_seconds": 600},
    "EntrapmentRescue": {"ticket_no": "96333-1", "alarm_at": T0, "closed_at": T1, "persons_trapped": 1, "level": 1,
                         "cause": "equipment"},
    "Repaired": {"subsystem": "door", "description": "修门"},
    "MajorRepair": {"licence_no": "TS-1", "scope": "更换曳引机"},
    "Modified": {"licence_no": "TS-1", "scope": "加装能量回馈"},
    "HazardFound": {"hazard_no": "YH-1", "source": "inspection", "severity": "general", "subsystem": "brake",
                    "description": "制动衬磨损", "deadline": DAY},
    "HazardRectified": {"hazard_no": "YH-1", "description": "已更换"},
    "AccidentReported": {"grade": "general", "deaths": 0, "injuries": 1, "description": "剪切"},
    "ComplaintFiled": {"complaint_no": "TS-1", "channel": "12345", "category": "fault", "summary": "经常停梯"},
    "ComplaintResolved": {"complaint_no": "TS-1", "finding": "已维修", "substantiated": True},
    "InspectionApplied": {"kind": "periodic", "due_date": DAY},
    "SupervisoryInspected": {"report_no": "JJ-1", "conclusion": "pass", "trigger": "installation",
                             "next_due_date": "2025-01-01"},
    "PeriodicInspected": {"report_no": "DJ-1", "conclusion": "fail", "items_failed": ["8.6"]},
    "SelfTested": {"report_no": "ZC-1", "conclusion": "pass", "next_due_date": "2025-01-01"},
    "RiskAssessed": {"report_no": "PG-1", "score": 60, "grade": 3, "conclusion": "repair"},
    "Suspended": {"reason": "装修"},
    "Reactivated": {"self_check_done": True},
    "Decommissioned": {"reason": "报废", "scrap_certificate_no": "BF-1", "certificate_surrendered": True},
    "PolicyIssued": {"policy_no": "P-1", "product": "liability", "insured": ORG, "period_start": DAY,
                     "period_end": "2025-01-01", "premium_fen": 9300, "limit_per_person_fen": 1,
                     "limit_aggregate_fen": 1},
    "PremiumAdjusted": {"policy_no": "P-1", "premium_fen": 9000, "reason": "无赔款优待"},
    "ClaimFiled": {"claim_no": "CL-1", "policy_no": "P-1", "incident_refs": [REF], "loss_type": "property",
                   "reserve_fen": 100},
    "ClaimSettled": {"claim_no": "CL-1", "outcome": "paid", "paid_fen": 100, "liability_finding": "维保责任"},
    "PenaltyImposed": {"decision_no": "罚-1", "party": ORG, "law_article": "88", "category": "other",
                       "violation": "维保记录不全", "amount_fen": 1000000},
}
