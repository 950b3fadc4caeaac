"""Protocol clients, one per external system. No Dagster imports here: these are plain libraries."""
