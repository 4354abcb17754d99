"""Benchmarks: `bench/run` runs them all; see bench/README.md."""
