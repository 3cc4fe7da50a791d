"""The composer section on a small file in experiments/composer.cpp's layout."""

from pathlib import Path

import h5py
import numpy as np

from analysis import report
from analysis.sections import composer as section

from conftest import write_metadata

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def write_composer(path: Path) -> None:
    ws, us = [4, 16], [4, 16]
    pts = [(w, u, 0) for w in ws for u in us] + [(16, 16, 32)]
    de0 = [0.05, 0.03, 0.02, 0.004, 0.006]
    de = [0.02, 0.01, 0.005, 0.001, 0.002]
    with h5py.File(path, "w") as f:
        write_metadata(f, "composer")
        g = f.create_group("composer/fmnist_mlp")
        g.attrs["topology"] = "mlp"
        g.attrs["dataset"] = "fashion-mnist"
        g.attrs["paper_dataset"] = "MNIST"
        g.attrs["baseline_error"] = 0.11
        g.attrs["codebook"] = "tree"
        g.attrs["accumulation"] = "counting"
        g.attrs["composer_epochs"] = np.int64(5)
        g.attrs["composer_seconds"] = 42.5
        g.attrs["final_w"], g.attrs["final_u"], g.attrs["final_q"] = np.int64(16), np.int64(16), np.int64(0)
        s = g.create_group("sweep")
        s["w"] = np.array([p[0] for p in pts], dtype=np.int64)
        s["u"] = np.array([p[1] for p in pts], dtype=np.int64)
        s["q"] = np.array([p[2] for p in pts], dtype=np.int64)
        s["delta_e"] = np.array(de)
        s["delta_e_initial"] = np.array(de0)
        s["error"] = 0.11 + np.array(de)
        s["epochs"] = np.array([2, 2, 2, 2, 2], dtype=np.int64)
        s["seconds"] = np.array([10.0, 11.0, 12.0, 13.0, 14.0])
        r = g.create_group("retrain")
        r["iteration"] = np.array([0, 1, 2], dtype=np.int64)
        r["epochs"] = np.array([0, 1, 2], dtype=np.int64)
        r["delta_e"] = np.array([0.004, 0.002, 0.001])
        r["validation_delta_e"] = np.array([0.005, 0.001, 0.0])
        r["error"] = 0.11 + r["delta_e"][()]
        r["seconds"] = np.array([3.0, 20.0, 42.5])
        lay = g.create_group("layers/dense_0")
        lay["weight_codebook/size_16/wcss_tree"] = np.array([12.0])
        lay["weight_codebook/size_16/wcss_flat"] = np.array([10.0])
        lay["input_codebook/size_16/wcss_tree"] = np.array([3.0])
        lay["input_codebook/size_16/wcss_flat"] = np.array([3.0])
        conv = g.create_group("layers/conv_0")  # per-channel WCSS are summed: 1 + 2, 0.5 + 1.5
        conv["weight_codebook/size_16/wcss_tree"] = np.array([1.0, 2.0])
        conv["weight_codebook/size_16/wcss_flat"] = np.array([0.5, 1.5])


def test_render_grid_q_points_table3_and_figure(tmp_path):
    path = tmp_path / "composer.h5"
    write_composer(path)
    with h5py.File(path, "r") as f:
        text = section.render([f], tmp_path)
    # w = 16, u = 4: initial 2.00 pp -> 0.50 pp after retraining (values written above).
    assert "| w = 16 | +2.00 → **+0.50** | +0.40 → **+0.10** |" in text
    # The q point is listed separately.
    assert "| 16 | 16 | 32 | +0.60 | +0.20 |" in text
    # Table 3 row beside the paper's MNIST row (5 epochs, 51 s).
    assert "| fmnist_mlp | w=16, u=16, q=0 | 5 | 42.5 s | MNIST | 5 | 51s |" in text
    # Retraining history of the final point: test and validation delta_e per iteration.
    assert "| 1 | 1 | +0.20 | +0.10 | 20.0 s |" in text
    # Both WCSS per codebook at the final sizes, conv channels summed.
    assert "| dense_0 | weight | 16 | 12 | 10 | 1.2000 |" in text
    assert "| conv_0 | weight | 16 | 3 | 2 | 1.5000 |" in text
    # Targets: MLP at w = u = 16 after retraining 0.10 pp <= 0.3 %; (64, 16) was not run.
    assert "| fmnist_mlp | w=16, u=16 | ≤ 0.3 % | +0.10 % | yes |" in text
    assert "| fmnist_mlp | w=64, u=16 | ≤ 0.1 % | not run |" in text
    png = tmp_path / section.FIGURE10_PNG
    assert png.read_bytes()[:8] == PNG_MAGIC


def test_report_dispatches_to_the_composer_section(tmp_path):
    path = tmp_path / "composer.h5"
    write_composer(path)
    text = report.build_report([path], tmp_path / "out")
    assert "Figure 10" in text and "Table 3" in text
    assert (tmp_path / "out" / section.FIGURE10_PNG).exists()


def test_no_composer_group(tmp_path):
    path = tmp_path / "empty.h5"
    with h5py.File(path, "w") as f:
        write_metadata(f, "composer")
    with h5py.File(path, "r") as f:
        assert section.render([f], tmp_path) == "No `/composer/<model>` groups found in these files.\n"
