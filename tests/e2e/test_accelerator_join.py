"""The accelerator experiment joins the Δe of a real composer run (configs/smoke/composer.toml
under 2 ranks): grid rows take the composer's sweep Δe at the same (w, u) (q = 0: exact
activations, when the composer has no q = 64 point), sharing rows the composer's shared-table Δe
(/composer/<model>/sharing), and the analysis report renders Figure 12 and Table 4 from it."""
import subprocess
import sys

import h5py
import numpy as np
import pytest

from conftest import SOURCE_DIR, run

ACCEL = """experiment = "accelerator"
seed = 1
[accelerator]
models = ["mnist_mlp", "alexnet"]
w = [4, 16]
u = [4, 16]
q = [64]
chips = [1]
sharing = [0.0, 0.1, 0.3]
sharing_models = ["mnist_mlp", "alexnet"]
sharing_codebooks = [16, 64]
composer_results = "composer.h5"
cpu_models = ["mnist_mlp"]
cpu_repeats = 1
"""


@pytest.fixture(scope="module")
def joined(tmp_path_factory):
    d = tmp_path_factory.mktemp("join")
    r = run(["run", SOURCE_DIR / "configs/smoke/composer.toml", "-o", d / "composer.h5"], ranks=2, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    (d / "accel.toml").write_text(ACCEL)
    r = run(["run", d / "accel.toml", "-o", d / "accel.h5"], ranks=2, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    return d


def test_grid_rows_take_the_composer_sweep(joined):
    with h5py.File(joined / "composer.h5") as c, h5py.File(joined / "accel.h5") as a:
        sw = c["composer/mlp_smoke/sweep"]
        want = {(int(w), int(u)): de for w, u, q, de in zip(sw["w"][:], sw["u"][:], sw["q"][:], sw["delta_e"][:])
                if q == 0}
        cfg = a["accelerator/configs"]
        assert "mnist_mlp <- mlp_smoke" in a["accelerator"].attrs["delta_e_source"]
        n = 0
        for i in range(len(cfg["w"])):
            if cfg["study"][i] != 0:
                continue
            key = (int(cfg["w"][i]), int(cfg["u"][i]))
            if cfg["model_index"][i] == 0:
                assert cfg["delta_e"][i] == want[key]
                assert cfg["delta_e_q"][i] == 0  # no q = 64 point in the smoke sweep: exact activations
                n += 1
            else:
                assert np.isnan(cfg["delta_e"][i])  # no composed AlexNet
        assert n == 4


def test_sharing_rows_take_the_shared_table_delta_e(joined):
    with h5py.File(joined / "composer.h5") as c, h5py.File(joined / "accel.h5") as a:
        sh = c["composer/mlp_smoke/sharing"]
        assert (sh.attrs["w"], sh.attrs["u"]) == (16, 16)
        want = dict(zip(np.round(sh["sharing"][:], 6), sh["delta_e"][:]))
        cfg = a["accelerator/configs"]
        rows = [i for i in range(len(cfg["w"])) if cfg["study"][i] == 1 and cfg["model_index"][i] == 0]
        assert len(rows) == 3
        for i in rows:
            assert cfg["delta_e"][i] == want[round(float(cfg["sharing"][i]), 6)]
        # Sharing 0 is the final point itself: the same Δe as its sweep entry.
        sw = c["composer/mlp_smoke/sweep"]
        final = [k for k in range(len(sw["w"])) if (sw["w"][k], sw["u"][k], sw["q"][k]) == (16, 16, 0)][0]
        assert want[0.0] == sw["delta_e"][final]


def test_report_renders_figure12_and_table4_from_the_join(joined, tmp_path):
    r = subprocess.run([sys.executable, str(SOURCE_DIR / "analysis/report.py"), str(joined / "accel.h5"), "-o",
                        str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    text = (tmp_path / "report.md").read_text()
    assert "Figure 12" in text and "Table 4" in text
    assert "Δe is not available" not in text
    assert list(tmp_path.glob("*.png"))
