"""The Bank's operational commands, run by hand or by the stack (python -m bank.commands.reconcile)."""
