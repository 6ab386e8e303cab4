"""Benchmarks: run with ``python -m bench``. They print figures and assert nothing."""
