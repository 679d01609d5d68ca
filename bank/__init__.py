"""Bank service: owns the balances in PostgreSQL and writes every movement to the outbox."""
