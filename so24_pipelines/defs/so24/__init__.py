"""24SO in Dagster: extraction assets, backfill, schedule, resources."""
