"""Card Adapter domain: card rules and the top-up state machine, no framework or driver imports."""
