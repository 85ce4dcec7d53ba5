"""Benchmarks: `python -m bench.NAME`. They print figures; they never fail a build."""
