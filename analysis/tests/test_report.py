"""report.py end to end on small files in the drivers' layout."""

import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np

from analysis import report
from analysis.sections import baselines

from conftest import write_baseline_run, write_metadata

ROOT = Path(__file__).resolve().parents[2]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def table_row(text: str, first_cell: str) -> list[str]:
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells[0] == first_cell:
            return cells
    raise AssertionError(f"no table row starting with {first_cell!r} in:\n{text}")


def test_baselines_tables_put_our_error_beside_table2(baselines_file, tmp_path):
    out = tmp_path / "reports"
    text = report.build_report([baselines_file], out)
    assert (out / "report.md").read_text() == text
    # Table 2 as printed, our runs beside their rows.
    mnist = table_row(text, "MNIST")
    assert mnist[1:] == ["IN:784, FC:512, FC:512, FC:10", "1.5%", "fmnist_mlp: 10.93%"]
    cifar = table_row(text, "CIFAR-10")
    assert cifar[2:] == ["14.4%", "fmnist_cnn: 8.15%"]
    assert table_row(text, "ImageNet (VGG-16)")[2:] == ["28.5%", "—"]
    # Per-run table: 10.93% - 1.5% = +9.43 pp; 8.15% - 14.4% = -6.25 pp.
    mlp = table_row(text, "fmnist_mlp")
    assert mlp == ["fmnist_mlp", "fashion-mnist", "mlp", "MNIST", "1.5%", "10.93%", "+9.43 pp", "3",
                   "0.3500", "42.0 s"]
    cnn = table_row(text, "fmnist_cnn")
    assert cnn[5:7] == ["8.15%", "-6.25 pp"]
    assert cnn[9] == "5.0 min"
    assert "not directly comparable" in text


def test_print_shows_table2_without_the_provenance(baselines_file, tmp_path, capsys):
    # What experiments/run-default.sh shows after a run (or a re-run that reuses the result).
    assert report.main([str(baselines_file), "-o", str(tmp_path / "r"), "--print"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("## Experiment `baselines`")
    assert table_row(printed, "MNIST")[2:] == ["1.5%", "fmnist_mlp: 10.93%"]
    assert table_row(printed, "fmnist_cnn")[5:7] == ["8.15%", "-6.25 pp"]
    assert "## Provenance" not in printed
    assert printed.rstrip().endswith(f"wrote {tmp_path / 'r' / 'report.md'}")


def test_training_curve_png_is_written_and_linked(baselines_file, tmp_path):
    out = tmp_path / "r"
    text = report.build_report([baselines_file], out)
    png = out / baselines.CURVES_PNG
    assert png.read_bytes()[:8] == PNG_MAGIC
    assert f"]({baselines.CURVES_PNG})" in text


def test_provenance_lists_metadata_and_config(baselines_file, tmp_path):
    text = report.build_report([baselines_file], tmp_path / "r")
    row = table_row(text, "`baselines.h5`")
    assert row[1:] == ["baselines", "0.1.0", "0123456789ab", "2026-11-22T05:00:00Z",
                       "2026-11-22T05:10:00Z", "4", "1", "node7", "777"]
    assert 'experiment = "baselines"' in text


def test_two_files_label_runs_by_file(baselines_file, tmp_path):
    second = tmp_path / "again.h5"
    with h5py.File(second, "w") as f:
        write_metadata(f, "baselines")
        write_baseline_run(f, "isolet_mlp", dataset="isolet", topology="mlp", paper_dataset="ISOLET",
                           test_error=0.04, loss=[1.0], train_error=[0.1], test_error_curve=[0.04])
    text = report.build_report([baselines_file, second], tmp_path / "r")
    assert table_row(text, "ISOLET")[3] == "again:isolet_mlp: 4.00%"
    assert table_row(text, "baselines:fmnist_mlp")[6] == "+9.43 pp"
    # isolet for ISOLET is the real data set: not listed as a substitute.
    assert "again:isolet_mlp: isolet" not in text


def test_unknown_experiment_gets_generic_listing(tmp_path):
    path = tmp_path / "other.h5"
    with h5py.File(path, "w") as f:
        write_metadata(f, "no_such_experiment")
        f["sweep/energy_j"] = np.arange(6.0).reshape(2, 3)
        f["sweep"].attrs["w"] = 64
    text = report.build_report([path], tmp_path / "r")
    assert "## Experiment `no_such_experiment`" in text
    assert table_row(text, "`/sweep/energy_j`") == ["`/sweep/energy_j`", "dataset", "float64 (2, 3)", "—"]
    assert table_row(text, "`/sweep`")[3] == "w=64"


def test_file_without_metadata_is_listed_as_unknown(tmp_path):
    path = tmp_path / "bare.h5"
    with h5py.File(path, "w") as f:
        f["x"] = [1, 2]
    text = report.build_report([path], tmp_path / "r")
    assert "## Experiment `(unknown)`" in text
    assert "`/x`" in text


def test_cli_script_and_bad_input(baselines_file, tmp_path):
    out = tmp_path / "cli"
    ok = subprocess.run([sys.executable, str(ROOT / "analysis" / "report.py"), str(baselines_file),
                         "-o", str(out)], capture_output=True, text=True, cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert (out / "report.md").exists()
    junk = tmp_path / "junk.h5"
    junk.write_text("not hdf5")
    bad = subprocess.run([sys.executable, str(ROOT / "analysis" / "report.py"), str(junk),
                          "-o", str(out)], capture_output=True, text=True, cwd=tmp_path)
    assert bad.returncode == 2
    assert bad.stderr.startswith(f"report: error: {junk}: not a readable HDF5 file")
    missing = subprocess.run([sys.executable, str(ROOT / "analysis" / "report.py"),
                              str(tmp_path / "nope.h5")], capture_output=True, text=True, cwd=tmp_path)
    assert missing.returncode == 2
    assert missing.stderr == f"report: error: {tmp_path / 'nope.h5'}: no such file\n"
