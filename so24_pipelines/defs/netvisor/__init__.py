"""Netvisor ⇄ Rackbeat in Dagster (group "netvisor"): N2 matching, N1 initial sync, N3 going live."""
