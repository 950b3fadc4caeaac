"""X7 nightly reconciliation: every connected pair compared record by record, differences kept as data.

sides.py reads both sides fresh, entities.py says what each pair compares (lnb_stock.py: L1's
figures), compare.py pairs and compares records, pending.py tells which differences the next flow
run fixes and what it would write, run.py runs one pair and keeps its differences
(sync/differences.py), report.py says it in the UI's words.
"""
