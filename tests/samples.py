"""One valid payload per event type, for schema tests: the producers' examples (producers/examples.py)."""

from producers.examples import DAY, KEY_B64, KEY_ID, ORG, OTHER, REF, SAMPLES, T0, T1

__all__ = ["DAY", "KEY_B64", "KEY_ID", "ORG", "OTHER", "REF", "SAMPLES", "T0", "T1"]
