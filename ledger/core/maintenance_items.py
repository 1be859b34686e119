"""TSG T5002-2017 附件 A maintenance items for traction elevators, cumulative by tier.

半月 31 items (A-1-xx) → 季度 +13 (A-2-xx, 44) → 半年 +15 (A-3-xx, 59) → 年度 +17 (A-4-xx, 76) [S1]. Item names are
paraphrased from a public transcription and are [K] — the codes, counts, cumulative structure, the bypass item
A-1-09 and the tested annual items A-4-04…08 are what the rules rely on. Each item names the subsystem it
covers, which ties maintenance evidence to faults (responsibility rule M1, fraud signals).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ITEMS", "TESTED_ITEMS", "TIER_ITEMS", "MaintenanceItem", "items_for_tier"]


@dataclass(frozen=True, slots=True)
class MaintenanceItem:
    code: str
    name: str
    subsystem: str
    requires_test: bool = False


def _tier(prefix: str, rows: list[tuple[str, str]], tested: frozenset[int] = frozenset()) -> list[MaintenanceItem]:
    return [
        MaintenanceItem(f"{prefix}-{n:02d}", name, subsystem, n in tested)
        for n, (name, subsystem) in enumerate(rows, start=1)
    ]


_HALF_MONTH = _tier("A-1", [
    ("机房、滑轮间环境", "environment"), ("手动紧急操作装置", "rescue"), ("驱动主机", "traction"),
    ("制动器各销轴部位", "brake"), ("制动器间隙", "brake"), ("编码器", "control"), ("限速器各销轴部位", "governor"),
    ("层站召唤、层楼显示", "control"), ("层门和轿门旁路装置", "safety_circuit"), ("紧急电动运行", "control"),
    ("轿顶", "car"), ("轿顶检修开关、停止装置", "safety_circuit"), ("导靴上油杯", "car"),
    ("对重/平衡重块及其压板", "traction"), ("井道照明", "environment"), ("轿厢照明、风扇、应急照明", "car"),
    ("轿厢检修开关、停止装置", "safety_circuit"), ("轿内报警装置、对讲系统", "rescue"),
    ("轿内显示、指令按钮", "control"), ("轿门防撞击保护装置", "door"), ("轿门门锁电气触点", "door"),
    ("轿门运行", "door"), ("轿厢平层准确度", "control"), ("层门地坎", "door"), ("层门自动关门装置", "door"),
    ("层门门锁自动复位", "door"), ("层门门锁电气触点", "door"), ("层门锁紧元件啮合长度", "door"),
    ("底坑环境", "environment"), ("底坑停止装置", "safety_circuit"), ("制动器动作状态监测", "brake"),
])
_QUARTERLY = _tier("A-2", [
    ("减速机润滑油", "traction"), ("制动衬", "brake"), ("编码器清洁", "control"), ("选层器动静触点", "control"),
    ("曳引轮槽、悬挂装置", "traction"), ("限速器轮槽、限速器钢丝绳", "governor"),
    ("验证轿门关闭的电气安全装置", "door"), ("层门、轿门系合装置", "door"), ("层门门导靴", "door"),
    ("消防开关", "control"), ("耗能缓冲器", "buffer"), ("限速器张紧轮装置和电气安全装置", "governor"),
    ("轿厢称重装置", "control"),
])
_HALF_YEAR = _tier("A-3", [
    ("电动机与减速机联轴器", "traction"), ("驱动轮、导向轮轴承部", "traction"), ("曳引轮槽、曳引钢丝绳", "traction"),
    ("限速器钢丝绳", "governor"), ("制动器动作状态监测装置", "brake"), ("控制柜内各接线端子", "control"),
    ("控制柜各仪表", "control"), ("反绳轮轴承部", "traction"), ("悬挂装置、补偿绳", "traction"),
    ("绳头组合", "traction"), ("层门、轿门门扇", "door"), ("轿门开门限制装置", "door"), ("对重缓冲距", "buffer"),
    ("补偿链(绳)与轿厢、对重接合处", "traction"), ("上、下极限开关", "safety_circuit"),
])
_ANNUAL = _tier("A-4", [
    ("控制柜接触器、继电器触点", "control"), ("制动器铁芯(柱塞)", "brake"), ("制动器制动弹簧压缩量", "brake"),
    ("导电回路绝缘性能测试", "control"), ("限速器安全钳联动试验", "governor"),
    ("上行超速保护装置动作试验", "governor"),
    ("轿厢意外移动保护装置动作试验", "brake"), ("制动能力试验(125%载荷)", "brake"),
    ("轿顶、轿厢架、轿门及其附件安装螺栓", "car"), ("导轨支架", "car"), ("导轨", "car"), ("随行电缆", "control"),
    ("层门装置和地坎", "door"), ("轿厢称重装置", "control"), ("安全钳钳座", "governor"), ("轿底各安装螺栓", "car"),
    ("缓冲器", "buffer"),
], tested=frozenset({4, 5, 6, 7, 8}))

ITEMS: dict[str, MaintenanceItem] = {i.code: i for i in (*_HALF_MONTH, *_QUARTERLY, *_HALF_YEAR, *_ANNUAL)}
TESTED_ITEMS: frozenset[str] = frozenset(code for code, item in ITEMS.items() if item.requires_test)
TIER_ITEMS: dict[str, tuple[str, ...]] = {
    "half_month": tuple(i.code for i in _HALF_MONTH),
    "quarterly": tuple(i.code for i in (*_HALF_MONTH, *_QUARTERLY)),
    "half_year": tuple(i.code for i in (*_HALF_MONTH, *_QUARTERLY, *_HALF_YEAR)),
    "annual": tuple(ITEMS),
    "on_demand": (),
}


def items_for_tier(tier: str) -> tuple[str, ...]:
    """The cumulative item codes a visit of ``tier`` must cover (on-demand visits choose their own)."""
    return TIER_ITEMS[tier]
