"""Netvisor ⇄ Rackbeat in Dagster (group "netvisor"): N2 matching and N1 initial sync."""
