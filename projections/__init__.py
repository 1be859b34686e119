"""Read models rebuilt from the ledger's notification log: 问题可查、责任可追 made concrete.

Six stored views — ``parties``, ``dossier`` (一梯一档), ``alerts``, ``fleet`` (KPI facts), ``insurance``, ``fraud`` —
each with its position tracked in the same transaction as its rows, and the reports computed from them:
responsibility, KPIs, quality, credit and the blacklist, premiums, fleet-wide fraud signals. Start with
:class:`projections.service.Projections`; docs/PROJECTIONS.md documents every view, rule, formula and JSON shape.
"""

from projections.config import DEFAULT_THRESHOLDS, Thresholds, thresholds_from_json
from projections.framework.runner import ElevatorFoldView, GlobalView, ProjectionRunner, RunReport, View
from projections.framework.storage import ProjectionConflictError
from projections.service import VIEW_NAMES, Projections, default_views, parse_at

__all__ = [
    "DEFAULT_THRESHOLDS",
    "VIEW_NAMES",
    "ElevatorFoldView",
    "GlobalView",
    "ProjectionConflictError",
    "ProjectionRunner",
    "Projections",
    "RunReport",
    "Thresholds",
    "View",
    "default_views",
    "parse_at",
    "thresholds_from_json",
]
