"""Bank adapters: PostgreSQL tables and the unit of work over them."""
