"""The rapidnn executable end to end: list, validate, run under mpiexec -n 2 and as a single
process, bad input (one message for the whole job), and the trained models in the result file
reloaded and evaluated independently with numpy."""
import gzip
import pathlib
import subprocess
import sys

import h5py
import numpy as np
import pytest

from conftest import SOURCE_DIR, run

FASHION_MNIST = pathlib.Path("/usr/share/datasets/fashion-mnist")
SMOKE = SOURCE_DIR / "configs/smoke/baselines.toml"


def test_list_names_every_experiment(rapidnn):
    r = rapidnn(["list"])
    assert r.returncode == 0, r.stderr
    assert "baselines" in r.stdout


def test_validate_prints_effective_config_with_defaults(rapidnn, source_dir):
    r = rapidnn(["validate", source_dir / "configs/smoke/baselines.toml"])
    assert r.returncode == 0, r.stderr
    assert "valid configuration for experiment 'baselines'" in r.stdout
    assert "momentum = 0.9" in r.stdout  # a default the smoke config does not set


def experiment_configs():
    """Every configuration in configs/ and configs/smoke/; a sweep file (base + [grid], for
    slurm/sweep.py) is expanded and its first and last points stand for it."""
    for path in sorted((SOURCE_DIR / "configs").glob("*.toml")) + sorted((SOURCE_DIR / "configs/smoke").glob("*.toml")):
        yield pytest.param(path, id=str(path.relative_to(SOURCE_DIR / "configs")))


@pytest.mark.parametrize("config", experiment_configs())
def test_every_shipped_config_validates(rapidnn, config, tmp_path):
    import tomllib
    doc = tomllib.loads(config.read_text())
    configs = [config]
    if "grid" in doc and "experiment" not in doc:
        subprocess.run([sys.executable, SOURCE_DIR / "slurm/sweep.py", "expand", config, tmp_path],
                       check=True, capture_output=True)
        points = sorted((tmp_path / "points").glob("point_*.toml"))
        assert points, f"{config}: the sweep expands to no point"
        configs = [points[0], points[-1]]
    for c in configs:
        r = rapidnn(["validate", c])
        assert r.returncode == 0, f"{c}:\n{r.stderr}"
        assert "valid configuration for experiment" in r.stdout


def test_validate_effective_and_layout(rapidnn):
    r = rapidnn(["validate", SMOKE, "--effective"])
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("experiment = 'baselines'")
    assert "valid configuration" not in r.stdout
    # Two training runs: at most 2 ranks have work; the cores are shared out among them.
    for cores, want in ((1, "1 1"), (2, "2 1"), (16, "2 8"), (7, "2 3")):
        r = rapidnn(["validate", SMOKE, "--layout", cores])
        assert r.returncode == 0, r.stderr
        assert r.stdout.strip() == want, (cores, r.stdout)


def test_unknown_key_is_rejected_once_on_two_ranks(rapidnn, tmp_path):
    cfg = tmp_path / "bad.toml"
    cfg.write_text('experiment = "baselines"\n[[baselines.runs]]\nname = "a"\nepochz = 3\n')
    out = tmp_path / "out.h5"
    r = rapidnn(["run", cfg, "-o", out], ranks=2)
    assert r.returncode != 0
    msg = f"{cfg}:4:10: unknown key 'baselines.runs[0].epochz'; allowed keys in [baselines.runs[0]]:"
    assert r.stderr.count(msg) == 1, r.stderr
    assert r.stderr.count("rapidnn: error:") == 1, r.stderr
    assert not out.exists() and not (tmp_path / "out.h5.partial").exists()


def isolet_cnn_config(tmp_path):
    cfg = tmp_path / "iso.toml"
    cfg.write_text('experiment = "baselines"\n[[baselines.runs]]\nname = "iso"\ndataset = "isolet"\n'
                   'topology = "cifar_cnn"\ntrain_files = ["isolet1+2+3+4.data"]\ntest_files = ["isolet5.data"]\n')
    return cfg


def test_validate_rejects_a_topology_the_data_cannot_feed(rapidnn, tmp_path):
    # ISOLET samples are 617 features, not images: the CNN's first 3x3 conv cannot take them.
    # Rejected at configure time (validate reads no data: the files do not even exist).
    cfg = isolet_cnn_config(tmp_path)
    r = rapidnn(["validate", cfg])
    assert r.returncode != 0
    assert (f"rapidnn: error: {cfg}:5:12: key 'baselines.runs[0].topology': topology \"cifar_cnn\" cannot take "
            "data set \"isolet\" (samples 1x1x617, 26 classes): Conv2D 'conv1': kernel 3x3 (pad 0) does not fit "
            "input 1x1x617; its samples are 1-D feature vectors: use topology \"mlp\"") in r.stderr, r.stderr
    har = tmp_path / "har.toml"
    har.write_text('experiment = "baselines"\n[[baselines.runs]]\nname = "h"\ndataset = "har"\n'
                   'dir = "UCI HAR Dataset"\ntopology = "cifar_cnn"\n')
    r = rapidnn(["validate", har])
    assert r.returncode != 0
    assert f"{har}:6:12: key 'baselines.runs[0].topology': topology \"cifar_cnn\" cannot take data set \"har\"" in r.stderr


def test_topology_mismatch_prints_once_on_two_ranks(rapidnn, tmp_path):
    cfg = isolet_cnn_config(tmp_path)
    r = rapidnn(["run", cfg, "-o", tmp_path / "o.h5"], ranks=2)
    assert r.returncode != 0
    assert r.stderr.count("cannot take data set \"isolet\"") == 1, r.stderr
    assert r.stderr.count("rapidnn: error:") == 1, r.stderr
    assert "MPI_ABORT" not in r.stderr


def test_missing_config_file_is_named(rapidnn, tmp_path):
    r = rapidnn(["run", tmp_path / "nope.toml"], ranks=2)
    assert r.returncode != 0
    assert r.stderr.count(f"rapidnn: error: {tmp_path / 'nope.toml'}: cannot open configuration file") == 1, r.stderr


def test_unknown_experiment_lists_known_ones(rapidnn, tmp_path):
    cfg = tmp_path / "x.toml"
    cfg.write_text('experiment = "basline"\n')
    r = rapidnn(["validate", cfg])
    assert r.returncode != 0
    assert f'{cfg}: key \'experiment\': unknown experiment "basline"; known: baselines' in r.stderr


def test_missing_dataset_fails_all_ranks_without_result(rapidnn, tmp_path):
    # One run, trained on one rank: the other rank has no work and must not hang.
    cfg = tmp_path / "nodata.toml"
    cfg.write_text('experiment = "baselines"\n[[baselines.runs]]\nname = "a"\ndir = "absent"\nepochs = 1\n')
    out = tmp_path / "o.h5"
    r = rapidnn(["run", cfg, "-o", out], ranks=2, timeout=120)
    assert r.returncode != 0
    assert r.stderr.count(f"rapidnn: error: {tmp_path / 'absent' / 'train-images-idx3-ubyte.gz'}: cannot open") == 1, r.stderr
    assert r.stderr.count("rapidnn: error:") == 1, r.stderr
    assert not out.exists() and not (tmp_path / "o.h5.partial").exists()


@pytest.fixture(scope="module")
def smoke_result(tmp_path_factory):
    out = tmp_path_factory.mktemp("smoke") / "baselines.h5"
    r = run(["run", SMOKE, "-o", out], ranks=2, timeout=600, env={"RAPIDNN_PROGRESS_S": "0.5"})
    assert r.returncode == 0, r.stdout + r.stderr
    return out, r


@pytest.fixture(scope="module")
def single_process_result(tmp_path_factory):
    out = tmp_path_factory.mktemp("single") / "baselines.h5"
    r = run(["run", SMOKE, "-o", out], timeout=600)  # no mpiexec at all
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
        names = list(f["baselines/mlp_smoke/model"].attrs["tensor_names"])
        w = f["baselines/mlp_smoke/model/tensors"]
        assert sorted(tuple(w[n].shape) for n in names) == sorted([(512, 784), (512,), (512, 512), (512,), (10, 512), (10,)])


def test_git_commit_is_recorded(smoke_result):
    out, _ = smoke_result
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=SOURCE_DIR, capture_output=True, text=True)
    with h5py.File(out, "r") as f:
        commit = f["rapidnn"].attrs["git_commit"]
    if head.returncode != 0:
        assert commit == "unknown"
    else:
        # The commit the binary was built from (-dirty when the tree had uncommitted changes).
        assert commit in (head.stdout.strip(), head.stdout.strip() + "-dirty"), commit


def test_rank_zero_reports_the_progress_of_every_rank(smoke_result):
    out, r = smoke_result
    with h5py.File(out, "r") as f:
        mlp_rank = int(f["baselines/mlp_smoke"].attrs["trained_on_rank"])
    # Only rank 0 prints, yet the run trained on the other rank shows its plan, epochs and end.
    assert r.stderr.count(f"[train] mlp_smoke (rank {mlp_rank}) done: 4000 images in ") == 1, r.stderr
    assert r.stderr.count(f"[train] cnn_smoke (rank {1 - mlp_rank}) done: 300 images in ") == 1, r.stderr
    assert r.stderr.count("[mlp_smoke] training mlp on fashion-mnist (2000 train / 500 test samples, 2 epochs)") == 1
    assert r.stderr.count("[mlp_smoke] epoch 2/2: loss ") == 1, r.stderr
    assert "baselines: 2 run(s) on 2 rank(s)" in r.stderr


# --- the trained models, reloaded from the file with h5py and evaluated with numpy --------------

def read_idx_images(path, limit):
    with gzip.open(path, "rb") as f:
        data = f.read()
    n, h, w = (int.from_bytes(data[i:i + 4], "big") for i in (4, 8, 12))
    n = min(n, limit)
    return np.frombuffer(data, np.uint8, n * h * w, 16).reshape(n, h * w)


def read_idx_labels(path, limit):
    with gzip.open(path, "rb") as f:
        data = f.read()
    n = min(int.from_bytes(data[4:8], "big"), limit)
    return np.frombuffer(data, np.uint8, n, 8).astype(np.int64)


def tensors(group):
    return {name: group["tensors"][name][()].astype(np.float64) for name in group.attrs["tensor_names"]}


def mlp_logits(t, x):
    # 784-512-512-10, ReLU; dropout is the identity at inference (inverted dropout).
    h = np.maximum(x @ t["fc1/weights"].T + t["fc1/bias"], 0)
    h = np.maximum(h @ t["fc2/weights"].T + t["fc2/bias"], 0)
    return h @ t["fc3/weights"].T + t["fc3/bias"]


def conv_valid(x, w, b):
    # x (n, c, h, w), w (out, c, kh, kw) (torch layout, as written): 'valid' cross-correlation.
    # im2col: one row per output position, columns (c, ky, kx) like the weights; one GEMM.
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    oh, ow = h - kh + 1, wd - kw + 1
    win = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(2, 3))  # n, c, oh, ow, kh, kw
    cols = win.transpose(0, 2, 3, 1, 4, 5).reshape(n * oh * ow, c * kh * kw)
    y = cols @ w.reshape(o, -1).T + b
    return y.reshape(n, oh, ow, o).transpose(0, 3, 1, 2)


def cnn_logits(t, x):
    # CV 32x3x3, PL 2x2, CV 64x3x3, CV 64x3x3, FC 512, FC 10 (src/nn/zoo.cpp, cifar_cnn).
    a = np.maximum(conv_valid(x.reshape(-1, 1, 28, 28), t["conv1/weights"], t["conv1/bias"]), 0)
    n, c, h, w = a.shape
    a = a.reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))
    a = np.maximum(conv_valid(a, t["conv2/weights"], t["conv2/bias"]), 0)
    a = np.maximum(conv_valid(a, t["conv3/weights"], t["conv3/bias"]), 0)
    a = np.maximum(a.reshape(n, -1) @ t["fc1/weights"].T + t["fc1/bias"], 0)
    return a @ t["fc2/weights"].T + t["fc2/bias"]


@pytest.mark.parametrize("run_name,forward", [("mlp_smoke", mlp_logits), ("cnn_smoke", cnn_logits)])
def test_stored_model_reproduces_the_recorded_test_error(smoke_result, run_name, forward):
    out, _ = smoke_result
    with h5py.File(out, "r") as f:
        g = f["baselines"][run_name]
        recorded = float(g.attrs["test_error"])
        t = tensors(g["model"])
        assert list(g["model"].attrs["input_shape"]) == [1, 28, 28]
    limit = {"mlp_smoke": 500, "cnn_smoke": 200}[run_name]  # test_limit in the smoke config
    x = read_idx_images(FASHION_MNIST / "t10k-images-idx3-ubyte.gz", limit) / 255.0  # normalize = "unit"
    y = read_idx_labels(FASHION_MNIST / "t10k-labels-idx1-ubyte.gz", limit)
    logits = forward(t, x)
    errors = int((logits.argmax(axis=1) != y).sum())
    # rapidnn computes in float32, this in float64: only a near-tie between the top two classes
    # can change a prediction.
    top2 = np.sort(logits, axis=1)[:, -2:]
    near_ties = int((top2[:, 1] - top2[:, 0] < 1e-3).sum())
    assert abs(errors - round(recorded * limit)) <= near_ties, (errors, recorded * limit, near_ties)
    assert errors / limit < 0.9  # trained, not the initial weights (chance is 0.9)


def test_single_process_run_equals_the_two_rank_run(smoke_result, single_process_result):
    # The same config without mpiexec: rank count (and oneTBB thread count) changes no result.
    (two, _), (one, r) = smoke_result, single_process_result
    assert "wrote" in r.stdout
    assert "[train] mlp_smoke (rank 0) done" in r.stderr
    with h5py.File(one, "r") as a, h5py.File(two, "r") as b:
        assert a["rapidnn"].attrs["ranks"] == 1
        for run_name in ("mlp_smoke", "cnn_smoke"):
            ga, gb = a["baselines"][run_name], b["baselines"][run_name]
            assert ga.attrs["trained_on_rank"] == 0
            assert ga.attrs["test_error"] == gb.attrs["test_error"]
            assert np.array_equal(ga["epoch_loss"][()], gb["epoch_loss"][()])
            for name in ga["model"].attrs["tensor_names"]:
                assert np.array_equal(ga["model/tensors"][name][()], gb["model/tensors"][name][()]), name


def test_existing_result_needs_overwrite(rapidnn, smoke_result):
    out, _ = smoke_result
    r = rapidnn(["run", SMOKE, "-o", out], ranks=2)
    assert r.returncode != 0
    assert r.stderr.count(f"rapidnn: error: {out}: result file exists; pass --overwrite to replace it") == 1, r.stderr
    assert r.stderr.count("rapidnn: error:") == 1, r.stderr
    assert "MPI_ABORT" not in r.stderr
