"""Benchmarks: run with ``python -m bench``. They print figures; the worker run also checks them."""
