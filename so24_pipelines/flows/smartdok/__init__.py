"""Smartdok <-> 24SO (seed 004): S1 employees and S2 projects, 24SO -> Smartdok, on the one template."""
