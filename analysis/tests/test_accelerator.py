"""The accelerator section on a small file in the exact layout of experiments/accelerator.cpp."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest

from analysis import report
from analysis.tests.conftest import write_metadata

COLUMNS = [
    "model_index", "study", "w", "u", "q", "sharing", "chips", "latency_s", "throughput_per_s", "energy_j",
    "edp_js", "power_w", "chip_area_mm2", "used_area_mm2", "memory_bytes", "ops", "rnas_allocated", "tiles_used",
    "gops_per_s", "gops_per_s_per_mm2", "gops_per_s_per_mm2_chip", "gops_per_s_per_w",
    "energy_weighted_accumulation_j", "energy_activation_j", "energy_encoding_pooling_j", "energy_other_j",
    "time_weighted_accumulation_s", "time_activation_s", "time_encoding_pooling_s", "time_other_s",
    "area_crossbar_mm2", "area_counter_mm2", "area_activation_am_mm2", "area_encoder_am_mm2",
    "area_rna_other_mm2", "area_buffer_mm2", "gpu_time_s", "gpu_energy_j", "speedup_vs_gpu",
    "energy_improvement_vs_gpu", "delta_e"]


def _row(model, study, w, u, chips, sharing=0.0, delta_e=float("nan")):
    # Made-up but self-consistent numbers: GPU 1 ms / 0.1 J; RAPIDNN 10 us per inference at
    # w=u=64 on one chip (100x speedup), 1 mJ (100x energy); 4x faster and cheaper at w=u=4.
    scale = 4.0 if w == 4 else 1.0
    period = 1e-5 / scale / chips
    energy = 1e-3 / scale
    r = dict.fromkeys(COLUMNS, 0.0)
    r.update(model_index=model, study=study, w=w, u=u, q=64, sharing=sharing, chips=chips, latency_s=period,
             throughput_per_s=1 / period, energy_j=energy, edp_js=energy * period, power_w=energy / period,
             chip_area_mm2=124.1 * chips, used_area_mm2=100.0 * (1 - sharing), memory_bytes=1e6 * w * u,
             ops=2e9, gops_per_s=2e9 / period / 1e9, gops_per_s_per_mm2=1904.6 / (1 - sharing),
             gops_per_s_per_mm2_chip=1904.6, gops_per_s_per_w=839.1,
             energy_weighted_accumulation_j=0.771 * energy, energy_activation_j=0.1 * energy,
             energy_encoding_pooling_j=0.017 * energy, energy_other_j=0.112 * energy,
             time_weighted_accumulation_s=0.814, time_activation_s=0.019, time_encoding_pooling_s=0.019,
             time_other_s=0.148, area_crossbar_mm2=80.0, area_counter_mm2=10.0, area_activation_am_mm2=1.0,
             area_encoder_am_mm2=1.0, area_buffer_mm2=8.0, gpu_time_s=1e-3, gpu_energy_j=0.1,
             speedup_vs_gpu=1e-3 / period, energy_improvement_vs_gpu=0.1 / energy, delta_e=delta_e)
    return r


@pytest.fixture
def accelerator_file(tmp_path: Path) -> Path:
    path = tmp_path / "accelerator.h5"
    rows = []
    for m in (0, 1):
        for w in (4, 64):
            for chips in (1, 8):
                rows.append(_row(m, 0, w, w, chips, delta_e=0.001 if w == 64 else 0.03))
    for s in (0.0, 0.1, 0.3):
        rows.append(_row(1, 1, 64, 64, 1, sharing=s))
    with h5py.File(path, "w") as f:
        write_metadata(f, "accelerator")
        g = f.create_group("accelerator")
        g.attrs["models"] = ["mnist_mlp", "alexnet"]
        g.attrs["headline_w_u_q"] = np.array([64.0, 64.0, 64.0])
        g.attrs["delta_e_source"] = "test file"
        c = g.create_group("configs")
        for col in COLUMNS:
            c[col] = np.array([r[col] for r in rows], dtype=np.float64)
        m = g.create_group("models")
        for k, v in {"ops": [2e9, 2e9], "gpu_time_s": [1e-3, 1e-3], "gpu_energy_j": [0.1, 0.1],
                     "cpu_time_s": [5e-3, float("nan")]}.items():
            m[k] = np.array(v)
        p = g.create_group("published")
        p.attrs["names"] = ["ISAAC", "PipeLayer"]
        p.attrs["sources"] = ["s1", "s2"]
        p["gops_per_s_per_mm2"] = np.array([479.0, 1485.1])
        p["gops_per_s_per_w"] = np.array([380.7, 142.9])
        p["area_mm2"] = np.array([85.4, 85.4])
        p["time_s"] = np.full((2, 2), 1e-4)
        p["energy_j"] = np.full((2, 2), 1e-2)
        g.create_group("hardware").attrs["clock_hz"] = 1e9
        for name, (w, u) in {"totals_table1": (16, 64), "totals_headline": (64, 64)}.items():
            t = g.create_group(name)
            for k, v in dict(w=w, u=u, q=64, rna_area_um2=3841.0, rna_power_w=4.8e-3, tile_area_mm2=3.88,
                             tile_power_w=4.8, chip_area_mm2=124.1, chip_power_w=153.6).items():
                t.attrs[k] = v
    return path


def test_accelerator_section(accelerator_file: Path, tmp_path: Path):
    out = tmp_path / "report"
    text = report.build_report([accelerator_file], out)
    assert "### Table 1: RAPIDNN parameters" in text
    assert "| RNA area (um2) | 3841 | 3841 | 1 | — |" in text
    # Headline efficiency equals the paper's: ratio 1, no assumption named.
    assert "| RAPIDNN GOPS/s/mm2 | 1905 | 1905 | 1 | — |" in text
    assert "| RAPIDNN / ISAAC GOPS/s/W | 2.204 | 2.204 | 1 | — |" in text
    # Figure 11 at w=u=64: 100x speedup vs 386.25x in the paper -> flagged with the GPU assumption.
    assert "| speedup w=64 u=64 | 100 | 386.2 | 0.259 | the GPU is a GTX 1080" in text
    # Figure 12: the minimal-EDP choice within 4% loss is w=u=4 (EDP 1/16, memory 1/256).
    assert "| ≤ 4% | 0.0625 | 0.85 | 0.00391 | 0.13 |" in text
    # Figure 13 Type 2 shares as written.
    assert "| weighted accumulation, energy % | 77.1 | 77.1 | 1 | — |" in text
    # Table 4: used-area efficiency grows as 1/(1 - sharing).
    assert "| efficiency gain at 30% sharing | 1.43 | 1.4 | 1.02 | — |" in text
    for png in ("accelerator_fig11_vs_gpu.png", "accelerator_fig12_edp_memory_vs_loss.png",
                "accelerator_fig13_breakdown.png", "accelerator_fig14_area.png", "accelerator_fig15_vs_pim.png",
                "accelerator_table4_sharing.png"):
        assert (out / png).exists(), png
