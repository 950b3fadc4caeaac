"""DuckDB staging: schemas staging.*, mapping.*, sync.*; upserts, high-water marks, id map."""
