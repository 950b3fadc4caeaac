"""Smartdok <-> 24SO (seed 004) on the one template: S1 employees and S2 projects 24SO -> Smartdok,
S3 approved hours Smartdok -> 24SO, S4 the readiness report."""
