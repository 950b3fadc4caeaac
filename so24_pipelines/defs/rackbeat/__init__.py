"""Rackbeat in Dagster: R1-R9 assets, jobs, sensors, resource."""
