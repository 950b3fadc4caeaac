"""Netvisor ⇄ Rackbeat (seed 003): N2 matching, N1 initial sync of registers and N3 going live.

Netvisor is paired with a Rackbeat account, not with 24SO: every table here carries the Netvisor
company's business ID (Organisation ID) as its `identity`, and both sides' registers are staged
under it. See docs/flows/netvisor.md.
"""
