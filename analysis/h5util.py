"""Reading the self-describing result files the rapidnn drivers write (src/io/result_file.hpp).

The metadata lives in the group ``/rapidnn`` as attributes: schema_version, experiment,
program_version, git_commit, start_utc, end_utc, host, ranks, seed, config (effective TOML),
config_source and, under SLURM, slurm_job_id / slurm_array_job_id / slurm_array_task_id.
"""

from __future__ import annotations

import numpy as np

METADATA_GROUP = "rapidnn"
METADATA_KEYS = ("schema_version", "experiment", "program_version", "git_commit", "start_utc",
                 "end_utc", "host", "ranks", "seed", "config_source", "slurm_job_id",
                 "slurm_array_job_id", "slurm_array_task_id")


def decode(value):
    """An HDF5 attribute as a plain Python value (bytes -> str, numpy scalars and 0-d arrays ->
    Python scalars, other arrays -> lists)."""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return decode(value[()])
        return [decode(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return value.item()
    return value


def attr(obj, name: str, default=None):
    """Attribute `name` of an h5py group/dataset, decoded, or `default` when absent."""
    if name not in obj.attrs:
        return default
    return decode(obj.attrs[name])


def metadata(f) -> dict:
    """The /rapidnn attributes of a result file (root attributes as fallback), decoded."""
    src = f[METADATA_GROUP] if METADATA_GROUP in f else f
    return {k: decode(v) for k, v in src.attrs.items()}


def experiment_of(f) -> str | None:
    """The experiment name recorded in the file, or None."""
    value = metadata(f).get("experiment")
    return str(value) if value not in (None, "") else None


def read_1d(group, name: str) -> np.ndarray | None:
    """A 1-D dataset as float64 array, or None when the group has no such dataset."""
    if name not in group:
        return None
    return np.asarray(group[name][()], dtype=np.float64).reshape(-1)
