"""Developer scripts: contract code generation and export."""
