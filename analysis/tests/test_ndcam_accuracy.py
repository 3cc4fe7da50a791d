"""The ndcam_accuracy section on a small file in experiments/ndcam_accuracy.cpp's layout."""

import h5py
import numpy as np

from analysis import report
from analysis.sections import ndcam_accuracy as section

from conftest import write_metadata

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def write_file(path):
    with h5py.File(path, "w") as f:
        write_metadata(f, "ndcam_accuracy")
        g = f.create_group("ndcam_accuracy")
        g.attrs.update(composer_file="c.h5", trials_per_table=100, value_bits=32, bits_per_stage=8,
                       sense_resolution_s=0.0, variation_scaling="uniform")
        g["sigma"] = np.array([0.0, 0.1])
        m = g.create_group("fmnist_mlp")
        m.attrs.update(baseline_error=0.10, composed_error=0.11, composed_error_recorded=0.11, test_samples=1000,
                       w=16, u=16, q=0)
        m["error"] = np.array([0.12, 0.15])
        m["delta_e"] = m["error"][()] - 0.10
        m["delta_e_search"] = m["error"][()] - 0.11
        m["table_kind"] = np.array([0, 0], dtype=np.int64)
        m["table_index"] = np.array([0, 1], dtype=np.int64)
        m["table_rows"] = np.array([16, 16], dtype=np.int64)
        h = np.zeros((2, 2, 67), dtype=np.uint64)
        h[:, :, 32] = [[90, 80], [60, 50]]  # exact
        h[:, :, 31] = [[5, 10], [20, 25]]   # -1
        h[:, :, 35] = [[5, 10], [20, 25]]   # +3
        m["rank_offset_hist"] = h
        m["lookup_error_rate"] = 1 - h[:, :, 32] / 100.0


def test_delta_e_table_and_plot(tmp_path):
    path = tmp_path / "acc.h5"
    write_file(path)
    with h5py.File(path) as f:
        text = section.render([f], tmp_path)
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in text.splitlines()
            if line.startswith("| fmnist_mlp")]
    assert len(rows) == 2
    # sigma 10%: error 15%, delta_e 5 points vs baseline, 4 from search errors, rates 40-50%;
    # wrong -> adjacent: (20 + 25) of the 90 wrong searches are at -1, none at +1: 50%.
    assert rows[1] == ["fmnist_mlp", "10%", "15.00%", "5.00%", "4.00%", "40.0%–50.0%", "50%"]
    assert rows[0][1:5] == ["0%", "12.00%", "2.00%", "1.00%"]
    assert "encoding 0 (16 rows), encoding 1 (16 rows)" in text
    assert (tmp_path / section.PNG).read_bytes()[:8] == PNG_MAGIC


def test_report_dispatches_to_the_section(tmp_path):
    path = tmp_path / "acc.h5"
    write_file(path)
    out = tmp_path / "rep"
    assert report.main([str(path), "-o", str(out)]) == 0
    text = (out / "report.md").read_text()
    assert "Accuracy under NDCAM search errors" in text
