"""Declarative field mappings (YAML, one file per flow) and the engine that applies them."""

from so24_pipelines.mapping.describe import spec_markdown
from so24_pipelines.mapping.engine import MappedBatch, is_empty, map_changed, map_records, source_digest
from so24_pipelines.mapping.query import MappingError
from so24_pipelines.mapping.spec import SPEC_DIR, Spec, SpecError, load_spec, parse_spec
from so24_pipelines.mapping.transforms import TransformError

__all__ = [
    "SPEC_DIR",
    "MappedBatch",
    "MappingError",
    "Spec",
    "SpecError",
    "TransformError",
    "is_empty",
    "load_spec",
    "map_changed",
    "map_records",
    "parse_spec",
    "source_digest",
    "spec_markdown",
]
