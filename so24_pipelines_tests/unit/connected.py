"""Settings with every system connected: the widest asset graph, for tests that look at all of it."""

ALL_CONNECTED = {
    system: {"enabled": True} for system in ("rackbeat", "ongoing", "lnb", "smartdok", "netvisor")
}
