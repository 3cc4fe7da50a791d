"""Section for the `baselines` experiment: our baseline models beside the paper's Table 2.

Layout written by experiments/baselines.cpp (one group per trained model):
    /baselines/<run_name>/   attributes dataset, topology, paper_dataset (the Table 2 row the run
                             stands in for, e.g. "MNIST"), test_error (fraction), train_time_s,
                             epochs; datasets epoch_loss, epoch_train_error, epoch_test_error
                             (float64[epochs]), optionally epoch_time_s; the model under model/.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402
import numpy as np  # noqa: E402

from analysis import h5util  # noqa: E402
from analysis import markdown as md  # noqa: E402
from analysis import paper_values  # noqa: E402

GROUP = "baselines"
CURVES_PNG = "baselines_training_curves.png"


@dataclass
class Run:
    label: str            # run name, prefixed by the file name when several files are given
    dataset: str
    topology: str
    paper_dataset: str
    test_error: float     # fraction
    train_time_s: float
    epochs: int
    epoch_loss: np.ndarray | None
    epoch_train_error: np.ndarray | None
    epoch_test_error: np.ndarray | None


def read_runs(files: list[h5py.File]) -> list[Run]:
    runs = []
    for f in files:
        if GROUP not in f:
            continue
        prefix = f"{Path(f.filename).stem}:" if len(files) > 1 else ""
        for name in sorted(f[GROUP]):
            g = f[GROUP][name]
            if not isinstance(g, h5py.Group):
                continue
            runs.append(Run(
                label=prefix + name,
                dataset=str(h5util.attr(g, "dataset", "")),
                topology=str(h5util.attr(g, "topology", "")),
                paper_dataset=str(h5util.attr(g, "paper_dataset", "")),
                test_error=float(h5util.attr(g, "test_error", float("nan"))),
                train_time_s=float(h5util.attr(g, "train_time_s", float("nan"))),
                epochs=int(h5util.attr(g, "epochs", 0)),
                epoch_loss=h5util.read_1d(g, "epoch_loss"),
                epoch_train_error=h5util.read_1d(g, "epoch_train_error"),
                epoch_test_error=h5util.read_1d(g, "epoch_test_error"),
            ))
    return runs


def paper_table(runs: list[Run]) -> str:
    """Table 2 as printed, with the runs that stand in for each row and their test error."""
    rows = []
    for row in paper_values.TABLE2["rows"]:
        mine = [r for r in runs if paper_values.table2_row(r.paper_dataset) is row]
        ours = "<br>".join(f"{r.label}: {md.pct(r.test_error)}" for r in mine) or None
        name = row["dataset"] if row["dataset"] != "ImageNet" else f"ImageNet ({row['network']})"
        rows.append([name, row["topology"], f"{row['error_pct']:.1f}%", ours])
    return md.table(["paper data set", "paper topology (Table 2)", "paper error", "our runs: test error"],
                    rows, "llrl")


def runs_table(runs: list[Run]) -> str:
    rows = []
    for r in runs:
        paper = paper_values.table2_row(r.paper_dataset)
        delta = 100.0 * r.test_error - paper["error_pct"] if paper else None
        final_loss = f"{r.epoch_loss[-1]:.4f}" if r.epoch_loss is not None and r.epoch_loss.size else None
        rows.append([r.label, r.dataset, r.topology, r.paper_dataset or None,
                     f"{paper['error_pct']:.1f}%" if paper else None, md.pct(r.test_error),
                     md.signed_pp(delta) if delta is not None else None, r.epochs, final_loss,
                     md.seconds(r.train_time_s)])
    return md.table(["run", "data set", "topology", "stands in for", "paper error", "our test error",
                     "ours − paper", "epochs", "final loss", "train time"], rows, "lllllrrrrr")


def plot_curves(runs: list[Run], path: Path) -> bool:
    """Per-epoch loss, training error and test error of every run; False when no run has curves."""
    curves = [r for r in runs if r.epoch_loss is not None and r.epoch_loss.size]
    if not curves:
        return False
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    panels = [("epoch_loss", "training loss", False), ("epoch_train_error", "training error (%)", True),
              ("epoch_test_error", "test error (%)", True)]
    colors = {r.label: f"C{i}" for i, r in enumerate(curves)}
    for ax, (field, title, as_pct) in zip(axes, panels):
        for r in curves:
            y = getattr(r, field)
            if y is None or not y.size:
                continue
            ax.plot(np.arange(1, y.size + 1), 100.0 * y if as_pct else y, marker="o", ms=3,
                    color=colors[r.label], label=r.label)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(title)
        ax.grid(alpha=0.3)
    # The paper's error for the Table 2 row each run stands in for, dashed in the run's colour.
    for r in curves:
        paper = paper_values.table2_row(r.paper_dataset)
        if paper:
            axes[2].axhline(paper["error_pct"], ls="--", lw=0.8, color=colors[r.label])
            axes[2].annotate(f"paper {paper['dataset']} {paper['error_pct']}%",
                             (1, paper["error_pct"]), fontsize=7, color=colors[r.label],
                             xytext=(2, 2), textcoords="offset points")
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True


def render(files: list[h5py.File], outdir: Path) -> str:
    runs = read_runs(files)
    if not runs:
        return f"No `/{GROUP}/<run>` groups found in these files.\n"
    out = ["### Baseline error rates beside the paper (Table 2)\n\n",
           "Test error = misclassified / test-set size (the paper's definition, Section 5.2).\n\n",
           paper_table(runs), "\n", "### Runs\n\n", runs_table(runs), "\n"]
    substitutes = [r for r in runs if r.paper_dataset and r.dataset
                   and r.dataset.lower().replace("-", "") != r.paper_dataset.lower().replace("-", "")]
    if substitutes:
        out.append("Runs on a different data set than the Table 2 row they stand in for "
                   "(" + ", ".join(f"{r.label}: {r.dataset} for {r.paper_dataset}" for r in substitutes)
                   + ") are not directly comparable with the paper's error: only the topology "
                   "and training recipe match.\n\n")
    if plot_curves(runs, outdir / CURVES_PNG):
        out.append(f"### Training curves\n\n![per-epoch loss and error]({CURVES_PNG})\n")
    return "".join(out)
