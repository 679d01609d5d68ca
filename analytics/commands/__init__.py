"""The Analytics service's operational commands, run by hand or by the stack: `python -m analytics.commands.schema`."""
