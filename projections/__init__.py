"""Read models rebuilt from the ledger's notification log: 问题可查、责任可追 made concrete.

Six stored views — ``parties``, ``dossier`` (一梯一档), ``alerts``, ``fleet`` (KPI facts), ``insurance``, ``fraud`` —
each with its position tracked in the same transaction as its rows, and the reports computed from them:
responsibility, KPIs, quality, credit and the blacklist, premiums, fleet-wide fraud signals.

- :mod:`projections.framework` — the runner that feeds views from the log (``runner``), their tables and the one
  transaction that moves them forward (``storage``), the decoded event (``events``), what every view knows about
  an elevator (``context``), findings that open and close (``findings``), distances (``geo``);
- :mod:`projections.views` — one module per view, each table defined next to it by its row type;
- :mod:`projections.reports` — pure functions from view rows to answers;
- :mod:`projections.service` — :class:`~projections.service.Projections`, the facade: catch up, rebuild, answer;
- :mod:`projections.config` — every threshold.

Start with :class:`projections.service.Projections`; docs/PROJECTIONS.md documents every view, rule, formula and
JSON shape.
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
