"""Code generated from contracts/ by `make gen`; do not edit."""
