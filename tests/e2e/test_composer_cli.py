"""End-to-end checks of the composer against a stored baseline (the real `rapidnn` binary):

* the composer applies the baseline run's own preprocessing: with the baseline's data keys
  (normalize = "standardize", per-pixel statistics of the training split) the stored model gives
  exactly the recorded test error; a different normalize, or a recorded error that the model does
  not reproduce, is an error naming the file, the run and both values;
* `composed_eval` reloads the stored composed model and reproduces its recorded LUT error exactly;
* both WCSS (tree and flat) are written for every codebook, the flat one never above the tree's.
"""
import shutil
import textwrap

import h5py
import numpy as np
import pytest

BASELINE = """
experiment = "baselines"
seed = 3
[[baselines.runs]]
name = "mlp_std"
topology = "mlp"
dataset = "fashion-mnist"
normalize = "standardize"
train_limit = 1500
test_limit = 300
epochs = 1
learning_rate = 0.02
"""


def composer_config(baseline, normalize="standardize"):
    return textwrap.dedent(f"""
        experiment = "composer"
        seed = 4
        [composer]
        w = [4, 16]
        u = [16]
        q = []
        final = [16, 16, 0]
        max_iterations = 1
        epsilon = -1.0
        validation_fraction = 0.2
        [[composer.models]]
        name = "m"
        topology = "mlp"
        dataset = "fashion-mnist"
        normalize = "{normalize}"
        train_limit = 1500
        test_limit = 300
        baseline_file = "{baseline}"
        baseline_run = "mlp_std"
        """)


@pytest.fixture(scope="module")
def composed(tmp_path_factory):
    from conftest import run
    if not __import__("pathlib").Path("/usr/share/datasets/fashion-mnist").exists():
        pytest.skip("Fashion-MNIST not installed")
    d = tmp_path_factory.mktemp("composer")
    (d / "base.toml").write_text(BASELINE)
    r = run(["run", d / "base.toml", "-o", d / "base.h5"])
    assert r.returncode == 0, r.stderr
    (d / "comp.toml").write_text(composer_config(d / "base.h5"))
    r = run(["run", d / "comp.toml", "-o", d / "comp.h5"])
    assert r.returncode == 0, r.stderr
    return d


def test_composer_reproduces_the_recorded_baseline_error(composed):
    with h5py.File(composed / "base.h5") as b, h5py.File(composed / "comp.h5") as c:
        recorded = b["/baselines/mlp_std"].attrs["test_error"]
        g = c["/composer/m"]
        assert g.attrs["baseline_error"] == recorded  # exactly: same preprocessing, same model
        assert g.attrs["normalize"] == "standardize"
        # 1500 rows, 20% held out (keyed draw): stopping and the best iteration use those rows
        assert g.attrs["validation_rows"] + g.attrs["retrain_rows"] == 1500
        assert 200 < g.attrs["validation_rows"] < 400
        de = g["sweep/delta_e_per_iteration"][()]
        vde = g["sweep/validation_delta_e_per_iteration"][()]
        assert de.shape == vde.shape == (2, 2)  # 2 points x (initial + 1 iteration); epsilon = -1 never met
        assert np.all(np.isfinite(de)) and np.all(np.isfinite(vde))
        np.testing.assert_array_equal(g["retrain/delta_e"][()], de[list(g["sweep/w"][()]).index(16)])


def test_both_wcss_are_written_for_every_codebook(composed):
    with h5py.File(composed / "comp.h5") as c:
        layers = c["/composer/m/layers"]
        seen = 0
        for layer in layers.values():
            for kind in ("weight_codebook", "input_codebook"):
                if kind not in layer:
                    continue
                for size in layer[kind].values():
                    tree, flat = size["wcss_tree"][()], size["wcss_flat"][()]
                    assert tree.shape == flat.shape
                    assert np.all(flat <= tree * (1 + 1e-12))  # exact flat optimum <= greedy tree
                    seen += 1
        assert seen >= 3 * 2 * 4  # 3 layers x 2 operand sets x tree levels 2, 4, 8, 16


def test_composed_eval_reproduces_the_recorded_lut_error(composed, rapidnn):
    cfg = composed / "eval.toml"
    cfg.write_text(textwrap.dedent(f"""
        experiment = "composed_eval"
        [composed_eval]
        composer_file = "{composed / 'comp.h5'}"
        models = ["m"]
        """))
    r = rapidnn(["run", cfg, "-o", composed / "eval.h5"])
    assert r.returncode == 0, r.stderr
    with h5py.File(composed / "comp.h5") as c, h5py.File(composed / "eval.h5") as e:
        g = e["/composed_eval/m"]
        assert g.attrs["error"] == c["/composer/m/composed"].attrs["error"]
        assert g.attrs["matches"] == 1
        assert (g.attrs["w"], g.attrs["u"], g.attrs["q"]) == (16, 16, 0)
    r = rapidnn(["list"])
    assert "composed_eval" in r.stdout


def test_other_normalization_than_the_baseline_is_rejected(composed, rapidnn):
    cfg = composed / "unit.toml"
    cfg.write_text(composer_config(composed / "base.h5", normalize="unit"))
    r = rapidnn(["run", cfg, "-o", composed / "unit.h5"])
    assert r.returncode != 0
    assert (f"composer model 'm': normalize = unit but {composed / 'base.h5'}: baseline run 'mlp_std' was "
            "trained with normalize = standardize") in r.stderr
    assert not (composed / "unit.h5").exists()


def test_a_recorded_error_the_model_does_not_reproduce_is_rejected(composed, rapidnn):
    shutil.copy(composed / "base.h5", composed / "tampered.h5")
    with h5py.File(composed / "tampered.h5", "r+") as f:
        real = f["/baselines/mlp_std"].attrs["test_error"]
        f["/baselines/mlp_std"].attrs["test_error"] = real + 0.5
    cfg = composed / "tampered.toml"
    cfg.write_text(composer_config(composed / "tampered.h5"))
    r = rapidnn(["run", cfg, "-o", composed / "tampered_out.h5"])
    assert r.returncode != 0
    assert (f"composer model 'm': the baseline from {composed / 'tampered.h5'} has test error {real!r} here "
            f"but {real + 0.5!r} recorded there") in r.stderr
