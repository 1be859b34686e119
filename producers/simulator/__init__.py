"""The fleet simulator: a synthetic city's elevators and their signed lifecycle events, deterministic per seed.

See docs/SIMULATOR.md for the parameters, the rates and their sources, and the ground-truth file.
"""

from producers.simulator.config import BadSubmissionRates, CityConfig, FraudRates, Rates
from producers.simulator.context import SimRecord
from producers.simulator.engine import Simulation, window
from producers.simulator.run import simulate_to_file, simulate_to_kafka, truth_path_for
from producers.simulator.truth import TRUTH_FORMAT, GroundTruth

__all__ = [
    "TRUTH_FORMAT",
    "BadSubmissionRates",
    "CityConfig",
    "FraudRates",
    "GroundTruth",
    "Rates",
    "SimRecord",
    "Simulation",
    "simulate_to_file",
    "simulate_to_kafka",
    "truth_path_for",
    "window",
]
