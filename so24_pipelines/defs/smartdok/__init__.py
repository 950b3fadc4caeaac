"""Smartdok's room in Dagster (group "smartdok"): S1 employees and S2 projects 24SO -> Smartdok, S3
approved hours Smartdok -> 24SO, S4 readiness."""
