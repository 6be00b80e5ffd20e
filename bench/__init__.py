"""Benchmarks (`make bench`, `python -m bench`): page times, SQL query counts and throughput at scale, written to
bench/RESULTS.md; and the deadline-rush load test (bench/rush.py). Nothing here runs in the test suite."""
