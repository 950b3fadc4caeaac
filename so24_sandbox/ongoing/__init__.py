"""Emulator of Ongoing WMS's Goods Owner REST API (v1), mounted by the sandbox at /ongoing.

See `system.py` for the credentials, paths and control API; the behaviour follows
reference/ongoing/API.md, with every choice the vendor does not document marked as an assumption.
"""
