"""Tables the simulator draws from: fault-code mixes, the part each subsystem's repair replaces, part prices,
and readable labels. Estimates [E] unless marked; kept as data so they can be changed without touching logic."""

from __future__ import annotations

__all__ = ["ELEVATOR_FAULTS", "ESCALATOR_FAULTS", "FAULT_LABELS", "PART_FOR", "PART_PRICE_YUAN", "WEAR_SUBSYSTEM"]

# GB/T 24476 fault codes (ledger.core.gbt24476) and their share of IoT-detected faults: door faults dominate [E].
ELEVATOR_FAULTS = {2: 0.24, 3: 0.24, 1: 0.08, 4: 0.07, 6: 0.05, 7: 0.08, 8: 0.04, 5: 0.01, 103: 0.06, 104: 0.04,
                   108: 0.05, 101: 0.02, 102: 0.02}
ESCALATOR_FAULTS = {61: 0.3, 62: 0.1, 63: 0.05, 64: 0.05, 65: 0.5}
PART_FOR = {"door": "door_lock", "brake": "brake", "traction": "ropes", "control": "controller",
            "governor": "governor", "safety_circuit": "door_lock", "escalator": "other", "buffer": "buffer"}
# Price bands of parts in yuan [E]; repair-fund fraud claims well above them.
PART_PRICE_YUAN = {"door_lock": (800, 3_000), "door_operator": (8_000, 25_000), "brake": (5_000, 20_000),
                   "ropes": (10_000, 40_000), "traction_machine": (40_000, 120_000), "controller": (30_000, 80_000),
                   "governor": (3_000, 10_000), "safety_gear": (5_000, 15_000), "buffer": (2_000, 8_000),
                   "other": (1_000, 10_000)}
# The subsystem whose maintenance items find a worn part of each kind.
WEAR_SUBSYSTEM = {"door_lock": "door", "door_operator": "door", "brake": "brake", "ropes": "traction",
                  "controller": "control", "governor": "governor", "buffer": "buffer"}
FAULT_LABELS = {"door": "门系统", "brake": "制动系统", "traction": "曳引系统", "control": "控制系统",
                "safety_circuit": "安全回路", "governor": "限速器", "escalator": "扶梯", "buffer": "缓冲器"}
