"""Declarative field mappings (YAML, one file per flow) and the engine that applies them."""

from so24_pipelines.mapping.describe import spec_markdown
from so24_pipelines.mapping.engine import is_empty, map_records
from so24_pipelines.mapping.query import MappingError
from so24_pipelines.mapping.spec import SPEC_DIR, Spec, SpecError, load_spec, parse_spec
from so24_pipelines.mapping.transforms import TransformError

__all__ = [
    "SPEC_DIR",
    "MappingError",
    "Spec",
    "SpecError",
    "TransformError",
    "is_empty",
    "load_spec",
    "map_records",
    "parse_spec",
    "spec_markdown",
]
