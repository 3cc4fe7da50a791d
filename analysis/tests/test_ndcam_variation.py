"""The ndcam_variation section on small files in experiments/ndcam_variation.cpp's layout."""

from pathlib import Path

import h5py
import numpy as np

from analysis import report
from analysis.sections import ndcam_variation as section

from conftest import write_metadata

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
ERR_BINS, RANK_BINS, MARGIN_BINS = 33, 67, 82


def table_rows(text: str, first_cell: str) -> list[list[str]]:
    rows = []
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells[0] == first_cell:
            rows.append(cells)
    return rows


def write_study(path: Path, agree_at_8_10: float) -> None:
    """2 workloads x sigma {0, 0.1} x bits {4, 8}, 1000 trials, resolution 0."""
    pts = [(w, s, b) for w in (0, 1) for s in (0.0, 0.1) for b in (4, 8)]
    n, trials = len(pts), 1000
    with h5py.File(path, "w") as f:
        write_metadata(f, "ndcam_variation")
        g = f.create_group("ndcam_variation")
        g.attrs["trials_per_point"] = trials
        g.attrs["trials_per_s"] = 1234.0
        g.attrs["ranks"] = 2
        g.attrs["workload_names"] = np.array(["uniform_r16", "gaussian_r64"], dtype=h5py.string_dtype())
        p = g.create_group("points")
        p["workload"] = np.array([w for w, _, _ in pts], dtype=np.int64)
        p["rows"] = np.array([16 if w == 0 else 64 for w, _, _ in pts], dtype=np.int64)
        p["bits_per_stage"] = np.array([b for _, _, b in pts], dtype=np.int64)
        p["sigma"] = np.array([s for _, s, _ in pts])
        p["sense_resolution_s"] = np.zeros(n)
        p["trials"] = np.full(n, trials, dtype=np.uint64)
        # Nominal = min-XOR = 0.7 everywhere; with variation the rate drops to 0.5 and the
        # agreement to `agree_at_8_10` (workload 0) or 0.999 (workload 1).
        agree = np.array([1.0 if s == 0 else (agree_at_8_10 if w == 0 else 0.999) for w, s, _ in pts])
        correct = np.array([0.7 if s == 0 else 0.5 for _, s, _ in pts])
        p["correct_rate"] = correct
        p["nominal_correct_rate"] = np.full(n, 0.7)
        p["min_xor_correct_rate"] = np.full(n, 0.7)
        p["agrees_with_nominal_rate"] = agree
        p["hamming_correct_rate"] = np.full(n, 0.15)
        p["mean_latency_s"] = np.full(n, 0.5e-9)
        p["mean_energy_j"] = np.full(n, 920e-15)
        rank = np.zeros((n, RANK_BINS), dtype=np.uint64)
        rank[:, 32] = (correct * trials).astype(np.uint64)   # offset 0
        rank[:, 33] = ((1 - correct) * trials * 0.75).astype(np.uint64)  # +1
        rank[:, 66] = ((1 - correct) * trials * 0.25).astype(np.uint64)  # > +32
        p["rank_offset_hist"] = rank
        margin = np.zeros((n, MARGIN_BINS), dtype=np.uint64)
        margin[:, 35] = 100   # upper edge 10^(-6 + 35/10) = 10^-2.5 < 1%
        margin[:, 61] = 300   # [1, 1.26): above 1%
        p["margin_rel_hist"] = margin
        p["error_hist"] = np.zeros((n, ERR_BINS), dtype=np.uint64)
        edges = [0.0] + [10.0 ** (-6 + i / 10) for i in range(MARGIN_BINS - 1)] + [np.inf]
        g["margin_bin_edges"] = np.array(edges)
        c = g.create_group("calibration")
        for k, v in {"paper_latency_s": 0.5e-9, "paper_energy_j": 920e-15, "model_latency_s": 0.5004e-9,
                     "model_energy_j": 920.38e-15, "k_a_per_valpha": 5.21e-6, "c_ml_per_unit_width_f": 0.175e-15,
                     "unit_cell_current_a": 5.36e-6, "c_ml_8bit_f": 46.6e-15}.items():
            c.attrs[k] = v
        c.attrs["workload"] = "16 rows"


def test_claim_fails_when_variation_flips_searches(tmp_path):
    path = tmp_path / "ndcam.h5"
    write_study(path, agree_at_8_10=0.9)
    out = tmp_path / "rep"
    text = report.build_report([path], out)
    # Worst flip rate at 8 bits / 10%: 1 - 0.9 = 10.0%; best: 1 - 0.999 = 0.1%.
    assert "**Does the paper's 8-bit claim hold under this model?** No." in text
    assert "in 0.1%–10.0% of searches" in text
    assert "misses the nearest value in up to 30.0%" in text  # 1 - 0.7
    tolerance, *rows = table_rows(text, "uniform_r16")
    assert len(rows) == 2  # only the 8-bit points
    # Variation tolerance: workload 0 flips 10% at sigma 10% for both stage widths; workload 1 0.1%.
    assert tolerance[1:] == ["0", "none swept", "none swept"]
    assert table_rows(text, "gaussian_r64")[0][1:] == ["0", "10%", "8"]
    # sigma 10%: correct 50%, nominal 70%, min-XOR 70%, agreement 90%, Hamming 15%; wrong searches:
    # 75% adjacent; margin: 100 of 400 below 1% = 25.0%.
    assert rows[1][2:11] == ["10%", "50.0%", "70.0%", "70.0%", "90.0%", "15.0%", "75%", "25.0%", "0.500"]
    assert table_rows(text, "latency")[0][1:] == ["0.5 ns", "0.500 ns"]
    assert table_rows(text, "energy")[0][1:] == ["920 fJ", "920.4 fJ"]
    for png in (section.CORRECT_PNG, section.AGREE_PNG):
        assert (out / png).read_bytes()[:8] == PNG_MAGIC
        assert f"({png})" in text


def test_claim_holds_when_variation_rarely_flips(tmp_path):
    path = tmp_path / "ndcam.h5"
    write_study(path, agree_at_8_10=0.995)
    text = report.build_report([path], tmp_path / "rep")
    assert "**Does the paper's 8-bit claim hold under this model?** Yes." in text
    assert "in 0.1%–0.5% of searches" in text
