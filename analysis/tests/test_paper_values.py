"""The reference numbers agree with the arithmetic the paper itself implies."""

import pytest

from analysis import paper_values as pv


def test_table1_rna_components_sum_to_rna_total():
    # Table 1: 3136 + 538.6 + 83.2 + 83.2 = 3841 um2 and 3.7 + 0.7 + 0.2 + 0.2 = 4.8 mW.
    area = sum(pv.TABLE1_RNA_BLOCKS[c]["area_um2"] for c in pv.RNA_COMPONENTS)
    power = sum(pv.TABLE1_RNA_BLOCKS[c]["power_mw"] for c in pv.RNA_COMPONENTS)
    assert area == pytest.approx(pv.TABLE1_RNA_TOTAL["area_um2"], abs=1e-9)
    assert power == pytest.approx(pv.TABLE1_RNA_TOTAL["power_mw"], abs=1e-9)


def test_table1_tile_and_chip_scale_from_rna():
    # 1k RNAs per tile: 1000 x 3841 um2 = 3.841 mm2 (printed 3.84), 1000 x 4.8 mW = 4.8 W.
    assert pv.RNAS_PER_TILE * pv.TABLE1_RNA_TOTAL["area_um2"] * 1e-6 == pytest.approx(
        pv.TABLE1_TILE["rnas"]["area_mm2"], abs=0.005)
    assert pv.RNAS_PER_TILE * pv.TABLE1_RNA_TOTAL["power_mw"] * 1e-3 == pytest.approx(
        pv.TABLE1_TILE["rnas"]["power_w"])
    # 32 tiles: 32 x 3.88 mm2 = 124.16 (printed 124.1), 32 x 4.8 W = 153.6 W.
    chip = pv.TABLE1_CHIP
    assert chip["tiles"] * pv.TABLE1_TILE["total"]["area_mm2"] == pytest.approx(chip["area_mm2"], abs=0.1)
    assert chip["tiles"] * pv.TABLE1_TILE["total"]["power_w"] == pytest.approx(chip["power_w"])


def test_table2_has_the_nine_models_with_printed_errors():
    rows = pv.TABLE2["rows"]
    assert [r["error_pct"] for r in rows] == [1.5, 3.6, 1.7, 14.4, 42.3, 43.0, 28.5, 21.6, 17.1]
    assert pv.table2_row("MNIST")["topology"] == "IN:784, FC:512, FC:512, FC:10"
    assert pv.table2_row("cifar-100")["topology"].endswith("FC:100")
    assert pv.table2_row("VGGNet")["error_pct"] == 28.5
    assert pv.table2_row("ResNet")["network"] == "ResNet-152"
    assert pv.table2_row("ImageNet") is None  # ambiguous: name the network
    assert pv.table2_row("Fashion-MNIST") is None


def test_table3_times_in_seconds():
    times = {r["model"]: r["time_s"] for r in pv.TABLE3["rows"]}
    assert times["MNIST"] == 51.0
    assert times["ResNet"] == pytest.approx(37.1 * 60)
    assert sum(r["epochs"] for r in pv.TABLE3["rows"]) == 4 * 5 + 4 * 1


def test_table4_shapes_and_monotone_loss():
    n = len(pv.TABLE4["sharing_pct"])
    assert n == 7 and len(pv.TABLE4["gops_per_s_mm2"]) == n
    for row in pv.TABLE4["rows"]:
        assert len(row["loss_pct"]) == n
        assert row["loss_pct"] == sorted(row["loss_pct"])  # more sharing never helps accuracy
    # Table 4's 0% column is Section 5.5's 1,904.6 GOPS/s/mm2 rounded.
    assert pv.TABLE4["gops_per_s_mm2"][0] == round(pv.SECTION55_EFFICIENCY["gops_per_s_mm2"]["RAPIDNN"])


def test_area_and_energy_breakdowns_sum_to_100():
    # Figure 14: RNA 56.7 + memory 38.2 + buffer/controller 5.1 = 100%.
    a = pv.FIG14_AREA
    assert a["rna_pct"] + a["memory_pct"] + a["buffer_and_controller_pct"] == pytest.approx(100.0)
    # NDCAM: 4 stages of 8 bits cover a 32-bit word (Section 4.2.2).
    nd = pv.SECTION422_NDCAM
    assert nd["stages"] * nd["bits_per_stage"] == nd["word_bits"]
