"""The rapidnn executable end to end: list, validate, run under mpiexec -n 2, bad input."""
import h5py
import numpy as np
import pytest


def test_list_names_every_experiment(rapidnn):
    r = rapidnn(["list"])
    assert r.returncode == 0, r.stderr
    assert "baselines" in r.stdout


def test_validate_prints_effective_config_with_defaults(rapidnn, source_dir):
    r = rapidnn(["validate", source_dir / "configs/smoke/baselines.toml"])
    assert r.returncode == 0, r.stderr
    assert "valid configuration for experiment 'baselines'" in r.stdout
    assert "momentum = 0.9" in r.stdout  # a default the smoke config does not set


def test_unknown_key_is_rejected_once_on_two_ranks(rapidnn, tmp_path):
    cfg = tmp_path / "bad.toml"
    cfg.write_text('experiment = "baselines"\n[[baselines.runs]]\nname = "a"\nepochz = 3\n')
    out = tmp_path / "out.h5"
    r = rapidnn(["run", cfg, "-o", out], ranks=2)
    assert r.returncode != 0
    msg = f"{cfg}:4:10: unknown key 'baselines.runs[0].epochz'; allowed keys in [baselines.runs[0]]:"
    assert r.stderr.count(msg) == 1, r.stderr
    assert not out.exists() and not (tmp_path / "out.h5.partial").exists()


def test_missing_config_file_is_named(rapidnn, tmp_path):
    r = rapidnn(["run", tmp_path / "nope.toml"], ranks=2)
    assert r.returncode != 0
    assert f"rapidnn: error: {tmp_path / 'nope.toml'}: cannot open configuration file" in r.stderr


def test_unknown_experiment_lists_known_ones(rapidnn, tmp_path):
    cfg = tmp_path / "x.toml"
    cfg.write_text('experiment = "basline"\n')
    r = rapidnn(["validate", cfg])
    assert r.returncode != 0
    assert f'{cfg}: key \'experiment\': unknown experiment "basline"; known: baselines' in r.stderr


def test_missing_dataset_fails_all_ranks_without_result(rapidnn, tmp_path):
    cfg = tmp_path / "nodata.toml"
    cfg.write_text('experiment = "baselines"\n[[baselines.runs]]\nname = "a"\ndir = "absent"\nepochs = 1\n')
    out = tmp_path / "o.h5"
    r = rapidnn(["run", cfg, "-o", out], ranks=2, timeout=120)
    assert r.returncode != 0
    assert str(tmp_path / "absent") in r.stderr
    assert not out.exists()


@pytest.fixture(scope="module")
def smoke_result(tmp_path_factory):
    from conftest import SOURCE_DIR, run
    out = tmp_path_factory.mktemp("smoke") / "baselines.h5"
    r = run(["run", SOURCE_DIR / "configs/smoke/baselines.toml", "-o", out], ranks=2, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    return out, r


def test_smoke_baselines_under_two_ranks_is_self_describing(smoke_result):
    out, r = smoke_result
    assert "mlp_smoke" in r.stdout and "wrote" in r.stdout
    with h5py.File(out, "r") as f:
        meta = f["rapidnn"].attrs
        assert meta["experiment"] == "baselines"
        assert meta["ranks"] == 2
        assert meta["schema_version"] == 1
        assert 'name = "mlp_smoke"' in meta["config"] or "name = 'mlp_smoke'" in meta["config"]
        assert meta["end_utc"] >= meta["start_utc"]
        for run_name, epochs in (("mlp_smoke", 2), ("cnn_smoke", 1)):
            g = f["baselines"][run_name]
            assert g.attrs["epochs"] == epochs
            assert g["epoch_loss"].shape == (epochs,)
            assert 0.0 <= g.attrs["test_error"] < 0.9  # better than chance (10 classes)
            assert np.isclose(g["epoch_test_error"][-1], g.attrs["test_error"])
        # The two runs were trained on different ranks (balanced), and both models were written.
        assert {f["baselines/mlp_smoke"].attrs["trained_on_rank"], f["baselines/cnn_smoke"].attrs["trained_on_rank"]} == {0, 1}
        w = f["baselines/mlp_smoke/model/tensors"]
        names = list(f["baselines/mlp_smoke/model"].attrs["tensor_names"])
        assert len(names) == 6  # 3 dense layers x (weights, bias)
        shapes = sorted(tuple(w[n].shape) for n in names)
        assert shapes == sorted([(512, 784), (512,), (512, 512), (512,), (10, 512), (10,)])
        assert all(np.abs(w[n][()]).sum() > 0 for n in names if w[n].ndim == 2)


def test_existing_result_needs_overwrite(rapidnn, smoke_result, source_dir):
    out, _ = smoke_result
    r = rapidnn(["run", source_dir / "configs/smoke/baselines.toml", "-o", out], ranks=2)
    assert r.returncode != 0
    assert f"{out}: result file exists; pass --overwrite to replace it" in r.stderr
