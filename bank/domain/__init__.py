"""Bank domain: money rules in plain Python, no framework or driver imports."""
