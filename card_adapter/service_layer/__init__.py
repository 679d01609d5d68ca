"""Card Adapter use cases: accept a top-up, settle it (charge, deposit, refund), resume the unfinished."""
