#!/usr/bin/python3
"""Expands a sweep file into one rapidnn configuration per grid point.

    sweep.py expand SWEEP.toml SWEEP_DIR

SWEEP.toml:
    base = "codebooks.toml"          # the configuration every point starts from (relative to SWEEP.toml)
    [grid]
    "codebooks.k" = [16, 32, 64]     # dotted key -> values; the grid is the Cartesian product
    "codebooks.tree_levels" = [4, 6]

Writes SWEEP_DIR/points/point_NNNN.toml (NNNN = point index, the last grid key varying fastest)
and SWEEP_DIR/points.json (the grid and each point's values), and prints the comma-separated
indices of the points whose result file SWEEP_DIR/points/point_NNNN.h5 does not exist yet.
Relative paths in the base configuration (keys ending in _file, _dir or _path, and "output")
are made absolute, since the point files live elsewhere. Each point's "output" is its .h5.
"""
import itertools
import json
import os
import sys
import tomllib


def toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)  # a TOML basic string is a JSON string for these characters
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    raise ValueError(f"unsupported TOML value {v!r}")


def toml_dump(d, prefix=""):
    lines = [f"{k} = {toml_value(v)}" for k, v in d.items() if not isinstance(v, dict)]
    for k, v in d.items():
        if isinstance(v, dict):
            name = f"{prefix}.{k}" if prefix else k
            lines.append(f"\n[{name}]")
            lines.append(toml_dump(v, name))
    return "\n".join(lines)


def absolutise(d, base_dir):
    for k, v in d.items():
        if isinstance(v, dict):
            absolutise(v, base_dir)
        elif isinstance(v, str) and (k.endswith(("_file", "_dir", "_path")) or k == "output") and v and not os.path.isabs(v):
            d[k] = os.path.normpath(os.path.join(base_dir, v))


def set_dotted(d, key, value, source):
    parts = key.split(".")
    for p in parts[:-1]:
        d = d.setdefault(p, {})
        if not isinstance(d, dict):
            sys.exit(f"{source}: grid key '{key}': '{p}' is not a table in the base configuration")
    d[parts[-1]] = value


def expand(sweep_path, out_dir):
    with open(sweep_path, "rb") as f:
        sweep = tomllib.load(f)
    sweep_dir = os.path.dirname(os.path.abspath(sweep_path))
    if "base" not in sweep or "grid" not in sweep:
        sys.exit(f"{sweep_path}: a sweep needs 'base' and a [grid] table")
    base_path = os.path.join(sweep_dir, sweep["base"])
    with open(base_path, "rb") as f:
        base = tomllib.load(f)
    absolutise(base, os.path.dirname(base_path))
    keys = list(sweep["grid"].keys())
    for k in keys:
        if not isinstance(sweep["grid"][k], list) or not sweep["grid"][k]:
            sys.exit(f"{sweep_path}: grid key '{k}' must be a non-empty list")
    points = list(itertools.product(*(sweep["grid"][k] for k in keys)))
    os.makedirs(os.path.join(out_dir, "points"), exist_ok=True)
    todo = []
    manifest = {"sweep": os.path.abspath(sweep_path), "base": base_path, "keys": keys, "points": []}
    for i, values in enumerate(points):
        cfg = json.loads(json.dumps(base))  # deep copy
        for k, v in zip(keys, values):
            set_dotted(cfg, k, v, sweep_path)
        stem = os.path.join(out_dir, "points", f"point_{i:04d}")
        cfg["output"] = stem + ".h5"
        text = f"# point {i} of sweep {os.path.abspath(sweep_path)}: " + ", ".join(
            f"{k} = {toml_value(v)}" for k, v in zip(keys, values)) + "\n" + toml_dump(cfg) + "\n"
        with open(stem + ".toml.tmp", "w") as f:
            f.write(text)
        os.replace(stem + ".toml.tmp", stem + ".toml")
        manifest["points"].append({"index": i, "values": list(values), "config": stem + ".toml", "output": stem + ".h5"})
        if not os.path.exists(stem + ".h5"):
            todo.append(str(i))
    with open(os.path.join(out_dir, "points.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    print(",".join(todo))


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] != "expand":
        sys.exit("usage: sweep.py expand SWEEP.toml SWEEP_DIR")
    expand(sys.argv[2], sys.argv[3])
