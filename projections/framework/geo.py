"""Distances between WGS-84 points given in micro-degrees (signed data carries no floats)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from statistics import median_low

__all__ = ["distance_km", "median_point"]


def distance_km(lat1: int, lon1: int, lat2: int, lon2: int) -> float:
    """Great-circle distance between two points."""
    p1, p2 = math.radians(lat1 / 1e6), math.radians(lat2 / 1e6)
    dp, dl = p2 - p1, math.radians((lon2 - lon1) / 1e6)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(a))


def median_point(points: Iterable[tuple[int, int]]) -> tuple[int, int]:
    """The coordinate-wise median: where most of the points are, whatever a few outliers say."""
    lats, lons = zip(*points, strict=True)
    return median_low(lats), median_low(lons)
