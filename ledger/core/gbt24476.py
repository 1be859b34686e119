"""GB/T 24476 (2017; 2023 split with GB/T 42616) terminal codes, as docs/DOMAIN.md §0 records them.

Codes 1–8, 40–47, 61–65 and 90 agree across three independent platform codebases; the standard's own table was not
read [K]. Platform extras that the standard does not number get project codes from 101 up; they are marked as
LiftLedger's own so nobody mistakes them for standard codes.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ALARM_CODES",
    "DOOR_OPEN_MOVEMENT_CODES",
    "EVENT_CODES",
    "FAULT_CODES",
    "INSPECTION_EVENT_CODE",
    "INSPECTION_SERVICE_MODE",
    "SAFETY_FAULT_CODES",
    "SERVICE_MODES",
    "FaultCode",
    "fault",
]


@dataclass(frozen=True, slots=True)
class FaultCode:
    code: int
    label: str
    subsystem: str
    standard: bool = True


_FAULTS = (
    FaultCode(1, "安全回路断路", "safety_circuit"),
    FaultCode(2, "关门故障", "door"),
    FaultCode(3, "开门故障", "door"),
    FaultCode(4, "门区外停梯", "control"),
    FaultCode(5, "轿厢意外移动/开门走车", "brake"),
    FaultCode(6, "电动机运转时间限制器动作", "traction"),
    FaultCode(7, "楼层位置丢失", "control"),
    FaultCode(8, "防止电梯再运行", "control"),
    FaultCode(61, "扶梯: 扶手带速度偏离", "escalator"),
    FaultCode(62, "扶梯: 梯级或踏板缺失", "escalator"),
    FaultCode(63, "扶梯: 非操纵逆转", "escalator"),
    FaultCode(64, "扶梯: 超速", "escalator"),
    FaultCode(65, "扶梯: 制动距离超限", "escalator"),
    FaultCode(101, "冲顶", "brake", standard=False),
    FaultCode(102, "蹲底", "brake", standard=False),
    FaultCode(103, "平层关人", "door", standard=False),
    FaultCode(104, "非平层关人", "control", standard=False),
    FaultCode(105, "超速", "governor", standard=False),
    FaultCode(106, "运行中开门", "safety_circuit", standard=False),
    FaultCode(107, "开门走梯", "safety_circuit", standard=False),
    FaultCode(108, "反复开关门", "door", standard=False),
)
FAULT_CODES: dict[int, FaultCode] = {f.code: f for f in _FAULTS}

# docs/DOMAIN.md (c) 8: a safety fault must be followed by a repair or inspection before normal service.
SAFETY_FAULT_CODES: frozenset[int] = frozenset({1, 4, 5, 8, 101, 102})
# Movement with the door circuit open: evidence of a bypassed safety circuit (docs/DOMAIN.md (f)).
DOOR_OPEN_MOVEMENT_CODES: frozenset[int] = frozenset({5, 106, 107})

EVENT_CODES: dict[int, str] = {
    40: "服务模式: 正常",
    41: "主电源断电",
    42: "服务模式: 停止服务",
    43: "检修运行",
    44: "消防返回",
    45: "消防员运行",
    46: "应急电源运行",
    47: "地震运行",
}
ALARM_CODES: dict[int, str] = {90: "轿内报警按钮"}

# Terminal status service_mode 0–7 [K]; 2 = 检修 is what maintenance visits leave behind.
SERVICE_MODES: dict[int, str] = {
    0: "停止服务",
    1: "正常运行",
    2: "检修",
    3: "消防返回",
    4: "消防员运行",
    5: "应急电源运行",
    6: "地震运行",
    7: "其它",
}
INSPECTION_SERVICE_MODE = 2
INSPECTION_EVENT_CODE = 43


def fault(code: int) -> FaultCode:
    """The fault definition for ``code``. Raises KeyError for unknown codes."""
    return FAULT_CODES[code]
