"""Flow logic per target system (no Dagster): mapping, targets, runs. The defs/ layer orchestrates them."""
