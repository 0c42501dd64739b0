"""The JSON Schemas alflint ships (``alflint/schemas/*.json``), loaded and checked once each.

jsonschema is imported on first use only: it costs more to import than a pre-commit run
should spend.
"""

from __future__ import annotations

import functools
import json
from typing import Any

__all__ = ["validator"]


@functools.lru_cache(maxsize=None)
def validator(name: str) -> Any:
    """A validator for the shipped schema ``name`` (its own draft), the schema itself checked."""
    import importlib.resources

    import jsonschema

    schema = json.loads(importlib.resources.files("alflint").joinpath("schemas", name).read_text("utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)
