"""Declarative field mappings (YAML, one file per flow) and the engine that applies them."""
