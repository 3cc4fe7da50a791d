"""The NDCAM accuracy loop end to end: the smoke composer run stores a composed model, the
ndcam_accuracy driver (configs/smoke/ndcam_accuracy.toml) reloads it, measures the search errors
of its tables per sigma (queries: the values the network looks up on 100 training images) and
re-evaluates the test set with them. Checked: the file is
bit-identical on 1, 2 and 4 ranks; without search errors the reloaded model reproduces the
error the composer recorded; delta_e is error - baseline; the histograms hold `trials` searches
and give the recorded lookup error rates; a missing composed model is one clear error."""
import pathlib

import h5py
import numpy as np
import pytest

from conftest import SOURCE_DIR, run

FASHION_MNIST = pathlib.Path("/usr/share/datasets/fashion-mnist")
pytestmark = pytest.mark.skipif(not FASHION_MNIST.exists(), reason="Fashion-MNIST not installed")


@pytest.fixture(scope="module")
def composer_file(tmp_path_factory):
    out = tmp_path_factory.mktemp("composer") / "smoke_composer.h5"
    r = run(["run", SOURCE_DIR / "configs/smoke/composer.toml", "-o", out], timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    return out


def accuracy_config(tmp_path, composer_file):
    text = (SOURCE_DIR / "configs/smoke/ndcam_accuracy.toml").read_text()
    text = text.replace('"../../results/smoke_composer.h5"', f'"{composer_file}"')
    assert str(composer_file) in text
    cfg = tmp_path / "ndcam_accuracy.toml"
    cfg.write_text(text)
    return cfg


@pytest.fixture(scope="module")
def accuracy_results(tmp_path_factory, composer_file):
    d = tmp_path_factory.mktemp("accuracy")
    cfg = accuracy_config(d, composer_file)
    outs = {}
    for ranks in (1, 2, 4):
        out = d / f"acc_{ranks}.h5"
        r = run(["run", cfg, "-o", out], ranks=ranks, timeout=600)
        assert r.returncode == 0, r.stdout + r.stderr
        outs[ranks] = out
    return outs


def datasets(group):
    found = {}
    group.visititems(lambda name, obj: found.__setitem__(name, obj[()]) if isinstance(obj, h5py.Dataset) else None)
    return found


def test_results_are_bit_identical_on_1_2_4_ranks(accuracy_results):
    with h5py.File(accuracy_results[1]) as f1:
        ref = datasets(f1["ndcam_accuracy"])
        ref_attrs = dict(f1["ndcam_accuracy/mlp_smoke"].attrs)
    assert "mlp_smoke/rank_offset_hist" in ref and "mlp_smoke/error" in ref
    for ranks in (2, 4):
        with h5py.File(accuracy_results[ranks]) as f:
            got = datasets(f["ndcam_accuracy"])
            assert got.keys() == ref.keys()
            for k in ref:
                np.testing.assert_array_equal(got[k], ref[k], err_msg=f"{k} on {ranks} ranks")
            assert dict(f["ndcam_accuracy/mlp_smoke"].attrs) == ref_attrs


def test_errors_histograms_and_delta_e_are_consistent(accuracy_results, composer_file):
    with h5py.File(accuracy_results[2]) as f, h5py.File(composer_file) as c:
        g = f["ndcam_accuracy/mlp_smoke"]
        comp = c["composer/mlp_smoke"]
        # No search errors: the reloaded composed model reproduces the composer's own error.
        assert g.attrs["composed_error"] == comp["composed"].attrs["error"]
        assert g.attrs["baseline_error"] == comp.attrs["baseline_error"]
        assert g.attrs["test_samples"] == 300
        err = g["error"][()]
        np.testing.assert_array_equal(g["delta_e"][()], err - g.attrs["baseline_error"])
        np.testing.assert_array_equal(g["delta_e_search"][()], err - g.attrs["composed_error"])
        # Errors are counts of 300 images.
        np.testing.assert_allclose(err * 300, np.round(err * 300), atol=1e-9)
        # Tables: the input codebook of every compute stage (q = 0: no activation tables).
        stages = int(c["composer/mlp_smoke/composed/stage_count"][0])
        np.testing.assert_array_equal(g["table_kind"][()], np.zeros(stages))
        np.testing.assert_array_equal(g["table_index"][()], np.arange(stages))
        np.testing.assert_array_equal(g["table_rows"][()],
                                      [len(c[f"composer/mlp_smoke/composed/stage_{i}/input_centroids"]) for i in range(stages)])
        h = g["rank_offset_hist"][()]
        sigma = f["ndcam_accuracy/sigma"][()]
        assert h.shape == (len(sigma), stages, 67)
        assert (h.sum(axis=2) == f["ndcam_accuracy"].attrs["trials_per_table"]).all()
        np.testing.assert_allclose(g["lookup_error_rate"][()], 1 - h[:, :, 32] / h.sum(axis=2), rtol=0, atol=1e-15)
        # Per-nearest-row histograms sum to the pooled one.
        for k in range(stages):
            rh = g[f"row_rank_offset_hist_{k}"][()]
            assert rh.shape == (len(sigma), g["table_rows"][k], 67)
            np.testing.assert_array_equal(rh.sum(axis=1), h[:, k, :])
        # Queries were recorded on 100 training images: 784 pixels each for the input encoding.
        assert g.attrs["recorded_images"] == 100
        assert g["query_count"][0] == 100 * 784
        # More variation, more search errors (paired: the same tables, queries and deviates).
        rates = g["lookup_error_rate"][()].mean(axis=1)
        assert (np.diff(rates) > 0).all(), rates


def test_missing_composed_model_is_one_error(tmp_path, composer_file):
    cfg = accuracy_config(tmp_path, composer_file)
    cfg.write_text(cfg.read_text().replace('name = "mlp_smoke"', 'name = "absent"'))
    out = tmp_path / "o.h5"
    r = run(["run", cfg, "-o", out], ranks=2, timeout=300)
    assert r.returncode != 0
    msg = f"rapidnn: error: {composer_file}: no composed model at /composer/absent/composed"
    assert r.stderr.count(msg) == 1, r.stderr
    assert r.stderr.count("rapidnn: error:") == 1, r.stderr
    assert not out.exists()


def test_variation_study_searches_a_composed_codebook(tmp_path, composer_file):
    """ndcam_variation with the activation codebook of a composed model (stage 1's input
    codebook, as fixed point): the table has that codebook's size and order, and 1 and 2 ranks
    agree bit for bit."""
    cfg = tmp_path / "var.toml"
    cfg.write_text(f"""experiment = "ndcam_variation"
seed = 3
[ndcam_variation]
trials = 120
bits_per_stage = [8]
sigma = [0.0, 0.1]
rows = []
max_pool_rows = []
sense_resolution_s = [0.0]
[[ndcam_variation.codebooks]]
name = "act1"
composer_file = "{composer_file}"
model = "mlp_smoke"
stage = 1
""")
    outs = []
    for ranks in (1, 2):
        out = tmp_path / f"var_{ranks}.h5"
        r = run(["run", cfg, "-o", out], ranks=ranks, timeout=300)
        assert r.returncode == 0, r.stdout + r.stderr
        outs.append(out)
    with h5py.File(outs[0]) as a, h5py.File(outs[1]) as b, h5py.File(composer_file) as c:
        u = len(c["composer/mlp_smoke/composed/stage_1/input_centroids"])
        assert list(a["ndcam_variation"].attrs["workload_names"]) == ["codebook_act1"]
        np.testing.assert_array_equal(a["ndcam_variation/points/rows"][()], [u, u])
        np.testing.assert_array_equal(a["ndcam_variation/points/counters"][()], b["ndcam_variation/points/counters"][()])
        # Ideal circuit (sigma 0, perfect SA) returns the min-XOR row: its correct count is the min-XOR one.
        assert a["ndcam_variation/points/correct"][0] == a["ndcam_variation/points/min_xor_correct"][0]
    bad = tmp_path / "bad.toml"
    bad.write_text(cfg.read_text().replace("stage = 1", "stage = 9"))
    r = run(["run", bad, "-o", tmp_path / "bad.h5"], ranks=2, timeout=300)
    assert r.returncode != 0
    assert r.stderr.count(f"{composer_file}: no composed codebook /composer/mlp_smoke/composed/stage_9/input_centroids") == 1, r.stderr
