"""Fallback section: lists the groups, datasets and attributes of files of an experiment that
has no section module yet."""

from __future__ import annotations

from pathlib import Path

import h5py

from analysis import h5util
from analysis import markdown as md

MAX_ENTRIES = 200
MAX_ATTR_CHARS = 80


def _short(value) -> str:
    text = str(value)
    return text if len(text) <= MAX_ATTR_CHARS else text[:MAX_ATTR_CHARS - 1] + "…"


def render(files: list[h5py.File], outdir: Path) -> str:
    out = []
    for f in files:
        rows = []

        def visit(name, obj):
            if name == h5util.METADATA_GROUP or name.startswith(h5util.METADATA_GROUP + "/"):
                return
            if len(rows) >= MAX_ENTRIES:
                return
            attrs = ", ".join(f"{k}={_short(h5util.decode(v))}" for k, v in obj.attrs.items())
            if isinstance(obj, h5py.Dataset):
                rows.append([f"`/{name}`", "dataset", f"{obj.dtype} {obj.shape}", attrs or None])
            else:
                rows.append([f"`/{name}`", "group", None, attrs or None])

        f.visititems(visit)
        out.append(f"#### `{Path(f.filename).name}`\n\n")
        if rows:
            out.append(md.table(["path", "kind", "type / shape", "attributes"], rows))
            if len(rows) >= MAX_ENTRIES:
                out.append(f"\n(listing stopped after {MAX_ENTRIES} entries)\n")
        else:
            out.append("(no data besides the metadata)\n")
        out.append("\n")
    return "".join(out)
