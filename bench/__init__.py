"""Benchmarks for smecredit: `make bench` (or `python -m bench [NAME ...]`)."""
