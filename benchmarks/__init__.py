"""Benchmarks: each reports its figures as ratios to a peer or a physical limit measured in the same run."""
