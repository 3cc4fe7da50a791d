#!/usr/bin/python3
"""Merge step of a sweep: gathers every point's result file into SWEEP_DIR/merged.h5.

    merge.py SWEEP_DIR

merged.h5:
  /sweep            attrs: keys (the grid keys), sweep (the sweep file), points (count)
  /sweep/<key>      one dataset per grid key: the value of every point (numbers or strings)
  /points/point_NNNN  a full copy of point NNNN's result file (groups, datasets, attributes,
                    including its /rapidnn provenance), attrs: index, source file
Written as merged.h5.partial and renamed, so a complete merged.h5 is never half written.
Fails (non-zero exit) naming the missing files if a point has no result.
"""
import json
import os
import sys

import h5py
import numpy as np


def main(out_dir):
    with open(os.path.join(out_dir, "points.json")) as f:
        manifest = json.load(f)
    missing = [p["output"] for p in manifest["points"] if not os.path.exists(p["output"])]
    if missing:
        sys.exit("merge: missing point results: " + ", ".join(missing))
    final = os.path.join(out_dir, "merged.h5")
    partial = final + ".partial"
    with h5py.File(partial, "w") as out:
        sw = out.create_group("sweep")
        sw.attrs["keys"] = manifest["keys"]
        sw.attrs["sweep"] = manifest["sweep"]
        sw.attrs["points"] = len(manifest["points"])
        for j, key in enumerate(manifest["keys"]):
            values = [p["values"][j] for p in manifest["points"]]
            if all(isinstance(v, str) for v in values):
                sw.create_dataset(key, data=np.array(values, dtype=h5py.string_dtype()))
            else:
                sw.create_dataset(key, data=np.array(values))
        pts = out.create_group("points")
        for p in manifest["points"]:
            name = f"point_{p['index']:04d}"
            with h5py.File(p["output"], "r") as src:
                g = pts.create_group(name)
                for k, v in src.attrs.items():
                    g.attrs[k] = v
                for member in src:
                    src.copy(src[member], g, name=member)
                g.attrs["index"] = p["index"]
                g.attrs["source"] = p["output"]
    os.replace(partial, final)
    print(f"merge: {len(manifest['points'])} points -> {final}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: merge.py SWEEP_DIR")
    main(sys.argv[1])
