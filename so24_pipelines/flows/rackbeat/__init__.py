"""Rackbeat flows (R1-R9): readiness, entity flows, orders. Each concept in its own module."""
