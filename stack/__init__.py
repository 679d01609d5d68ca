"""Native run of the whole Wallet system: infrastructure processes and services, no Docker."""
