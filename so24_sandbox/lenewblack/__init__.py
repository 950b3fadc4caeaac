"""Emulator of Le New Black's Wholesale API v2 (the brand side), mounted by the sandbox at /lnb.

See `system.py` for the credentials, paths and control API. The behaviour follows the emulator
contract of reference/lenewblack/API.md §6; the reference has medium confidence (three SDKs that
disagree), so every choice it is unsure of is a switch in `behaviour.py`, not a constant.
"""
