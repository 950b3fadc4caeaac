"""Local emulator of Visma Netvisor's XML-over-HTTP API (MAC-authenticated), prefix "netvisor".

See system.py for the map: API, credentials, control routes and the seeded companies.
"""
