"""One module per experiment: ``analysis/sections/<experiment>.py`` exposing

    render(files: list[h5py.File], outdir: pathlib.Path) -> str   # markdown

``report.py`` groups the input files by their ``/rapidnn`` attribute ``experiment`` and calls
the matching module; experiments without a module get ``generic.render``.
"""

from __future__ import annotations

import importlib
import re
from types import ModuleType

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def find(experiment: str) -> ModuleType | None:
    """The section module for `experiment`, or None when there is none (or the name is not a
    valid module name, so a file cannot make us import arbitrary modules)."""
    if not _NAME.match(experiment) or experiment == "generic":
        return None
    try:
        return importlib.import_module(f"{__name__}.{experiment}")
    except ModuleNotFoundError as err:
        if err.name == f"{__name__}.{experiment}":
            return None
        raise
