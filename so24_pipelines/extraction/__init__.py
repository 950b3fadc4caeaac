"""Extraction flows: a source system's records into DuckDB staging (E1-E7 for 24SO)."""
