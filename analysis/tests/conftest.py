"""Builders for small result files in the layout the rapidnn drivers write."""

from __future__ import annotations

import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def write_metadata(f: h5py.File, experiment: str, **extra) -> None:
    """The /rapidnn group of src/io/result_file.cpp."""
    g = f.require_group("rapidnn")
    meta = {"schema_version": 1, "experiment": experiment, "program_version": "0.1.0",
            "git_commit": "0123456789abcdef0123", "start_utc": "2026-11-22T05:00:00Z",
            "end_utc": "2026-11-22T05:10:00Z", "host": "node7", "ranks": 4, "seed": 1,
            "config": f'experiment = "{experiment}"\nseed = 1\n', "config_source": "x.toml"}
    meta.update(extra)
    for k, v in meta.items():
        g.attrs[k] = v


def write_baseline_run(f: h5py.File, name: str, *, dataset: str, topology: str, paper_dataset: str,
                       test_error: float, loss, train_error, test_error_curve,
                       train_time_s: float = 42.0) -> None:
    g = f.require_group(f"baselines/{name}")
    g.attrs["dataset"] = dataset
    g.attrs["topology"] = topology
    g.attrs["paper_dataset"] = paper_dataset
    g.attrs["test_error"] = test_error
    g.attrs["train_time_s"] = train_time_s
    g.attrs["epochs"] = np.int64(len(loss))
    g["epoch_loss"] = np.asarray(loss, dtype=np.float64)
    g["epoch_train_error"] = np.asarray(train_error, dtype=np.float64)
    g["epoch_test_error"] = np.asarray(test_error_curve, dtype=np.float64)
    g.require_group("model/layers")


@pytest.fixture
def baselines_file(tmp_path: Path) -> Path:
    path = tmp_path / "baselines.h5"
    with h5py.File(path, "w") as f:
        write_metadata(f, "baselines", slurm_job_id="777")
        write_baseline_run(f, "fmnist_mlp", dataset="fashion-mnist", topology="mlp",
                           paper_dataset="MNIST", test_error=0.1093,
                           loss=[0.62, 0.41, 0.35], train_error=[0.21, 0.14, 0.12],
                           test_error_curve=[0.16, 0.12, 0.1093])
        write_baseline_run(f, "fmnist_cnn", dataset="fashion-mnist", topology="cifar_cnn",
                           paper_dataset="CIFAR-10", test_error=0.0815, loss=[0.5, 0.3],
                           train_error=[0.18, 0.1], test_error_curve=[0.11, 0.0815],
                           train_time_s=300.0)
    return path
