"""Analytics domain: history pages, filters and page tokens in plain Python, no framework or driver imports."""
