"""Analytics use cases over the operations repository port."""
