"""imslint: find what keeps an Adobe Campaign organisation from moving to Adobe IMS.

The public API for rule and reader plugins.
"""

from __future__ import annotations

__version__ = "0.1.0"

from .hookspecs import hookimpl
from .model import (
    Fact,
    FileError,
    Finding,
    Fix,
    Location,
    OperatorRecord,
    Problem,
    Related,
    Replacement,
    Severity,
    SourceText,
    Subject,
)
from .readers import InputFile, Reader, ReadError
from .rule import Rule, RunContext

__all__ = [
    "__version__",
    "hookimpl",
    "Fact",
    "FileError",
    "Finding",
    "Fix",
    "InputFile",
    "Location",
    "OperatorRecord",
    "Problem",
    "ReadError",
    "Reader",
    "Related",
    "Replacement",
    "Rule",
    "RunContext",
    "Severity",
    "SourceText",
    "Subject",
]
