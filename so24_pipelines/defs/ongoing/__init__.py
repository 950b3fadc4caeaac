"""Ongoing WMS in Dagster: O1-O6 flow assets, job, schedule, resource."""
