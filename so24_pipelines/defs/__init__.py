"""The thin Dagster layer: assets, resources, schedules, sensors, checks, jobs."""
