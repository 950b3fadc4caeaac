"""Running the hub past one machine: one Dagster code location per 24SO company (X9)."""
