"""Benchmarks and load generators (`make bench`); they print numbers, they assert nothing."""
