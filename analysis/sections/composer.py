"""Section for the `composer` experiment: Figure 10 (delta_e over w x u) and Table 3 (composer
overhead), beside the paper's numbers.

Layout written by experiments/composer.cpp:
    /composer/<model>/          attributes topology, dataset, paper_dataset, baseline_error
                                (fraction), codebook, accumulation, composer_epochs,
                                composer_seconds, final_w, final_u, final_q, retrain_points
    /composer/<model>/sweep/    w, u, q (int64[P]); delta_e, delta_e_initial, error (fractions),
                                epochs, iterations, best_iteration, seconds (float64/int64[P]);
                                delta_e_per_iteration (float64[P, max_iterations+1], NaN padded)
    /composer/<model>/retrain/  iteration, delta_e, error, epochs, seconds, validation_delta_e,
                                validation_error of the final point
    /composer/<model>/layers/   per layer codebooks (every tree level, with wcss_tree and
                                wcss_flat per codebook), codes, tables
    /composer/<model>/composed/ the reloadable composed model of the final point
delta_e = error of the reinterpreted model - baseline error (Section 3.2); q = 0 means the
activation is computed exactly (ReLU by a comparator, Section 5.3).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from analysis import h5util  # noqa: E402
from analysis import markdown as md  # noqa: E402
from analysis import paper_values  # noqa: E402

GROUP = "composer"
FIGURE10_PNG = "composer_figure10.png"

# The Table 3 row a run is compared with: the paper's "Others" rows are named by data set.
_TABLE3_ROW_FOR = {"MNIST": "MNIST", "ISOLET": "ISOLET", "HAR": "HAR", "CIFAR-100": "CIFAR-100",
                   "CIFAR-10": "CIFAR-100"}


@dataclass
class ModelResult:
    label: str
    topology: str
    dataset: str
    paper_dataset: str
    baseline_error: float
    accumulation: str
    codebook: str
    w: np.ndarray
    u: np.ndarray
    q: np.ndarray
    delta_e: np.ndarray
    delta_e_initial: np.ndarray
    epochs: np.ndarray
    seconds: np.ndarray
    composer_epochs: int
    composer_seconds: float
    final: tuple[int, int, int]
    retrain: dict
    wcss: list  # (layer, operand, k, tree WCSS summed over groups, flat WCSS summed over groups)


def read_models(files: list[h5py.File]) -> list[ModelResult]:
    out = []
    for f in files:
        if GROUP not in f:
            continue
        prefix = f"{Path(f.filename).stem}:" if len(files) > 1 else ""
        for name in sorted(f[GROUP]):
            g = f[GROUP][name]
            if not isinstance(g, h5py.Group) or "sweep" not in g:
                continue
            s = g["sweep"]

            def col(key, dtype=np.float64):
                return np.asarray(s[key][()], dtype=dtype).reshape(-1) if key in s else np.zeros(0, dtype)

            out.append(ModelResult(
                label=prefix + name,
                topology=str(h5util.attr(g, "topology", "")),
                dataset=str(h5util.attr(g, "dataset", "")),
                paper_dataset=str(h5util.attr(g, "paper_dataset", "")),
                baseline_error=float(h5util.attr(g, "baseline_error", float("nan"))),
                accumulation=str(h5util.attr(g, "accumulation", "")),
                codebook=str(h5util.attr(g, "codebook", "")),
                w=col("w", np.int64), u=col("u", np.int64), q=col("q", np.int64),
                delta_e=col("delta_e"), delta_e_initial=col("delta_e_initial"),
                epochs=col("epochs", np.int64), seconds=col("seconds"),
                composer_epochs=int(h5util.attr(g, "composer_epochs", 0)),
                composer_seconds=float(h5util.attr(g, "composer_seconds", float("nan"))),
                final=(int(h5util.attr(g, "final_w", 0)), int(h5util.attr(g, "final_u", 0)),
                       int(h5util.attr(g, "final_q", 0))),
                retrain=read_retrain(g),
                wcss=read_wcss(g, int(h5util.attr(g, "final_w", 0)), int(h5util.attr(g, "final_u", 0))),
            ))
    return out


def read_retrain(g) -> dict:
    if "retrain" not in g:
        return {}
    r = g["retrain"]
    return {k: np.asarray(r[k][()]).reshape(-1) for k in r if isinstance(r[k], h5py.Dataset)}


def read_wcss(g, w: int, u: int) -> list:
    """Both WCSS of every layer's codebooks at the final point's sizes (w for weights, u for
    inputs), summed over a conv layer's per-channel codebooks."""
    rows = []
    if "layers" not in g:
        return rows
    for layer in g["layers"]:
        lg = g["layers"][layer]
        if not isinstance(lg, h5py.Group):
            continue
        for operand, k in (("weight_codebook", w), ("input_codebook", u)):
            key = f"{operand}/size_{k}"
            if key in lg and "wcss_tree" in lg[key] and "wcss_flat" in lg[key]:
                rows.append((layer, operand.split("_")[0], k, float(np.sum(lg[key]["wcss_tree"][()])),
                             float(np.sum(lg[key]["wcss_flat"][()]))))
    return rows


# The accuracy targets (Δe after retraining, fractions), by topology and (w, u).
TARGETS = {("mlp", 16, 16): 0.003, ("mlp", 64, 16): 0.001, ("cifar_cnn", 64, 64): 0.005}


def targets_table(models: list[ModelResult]) -> str:
    rows = []
    for m in models:
        for (topo, w, u), limit in TARGETS.items():
            if m.topology != topo:
                continue
            sel = np.nonzero((m.w == w) & (m.u == u) & (m.q == 0))[0]
            if sel.size == 0:
                rows.append([m.label, f"w={w}, u={u}", f"≤ {100 * limit:.1f} %", "not run", None])
                continue
            de = float(m.delta_e[sel[0]])
            rows.append([m.label, f"w={w}, u={u}", f"≤ {100 * limit:.1f} %", f"{100 * de:+.2f} %",
                         "yes" if de <= limit else "no"])
    if not rows:
        return ""
    return md.table(["model", "point", "target Δe", "measured Δe (after retraining)", "met"], rows, "llrrl")


def retrain_table(m: ModelResult) -> str:
    r = m.retrain
    if not r or "iteration" not in r or r["iteration"].size == 0:
        return ""
    val = r.get("validation_delta_e", np.full(r["iteration"].size, np.nan))
    rows = []
    for i in range(r["iteration"].size):
        v = val[i] if i < val.size else np.nan
        rows.append([int(r["iteration"][i]), int(r["epochs"][i]), f"{100 * r['delta_e'][i]:+.2f}",
                     None if np.isnan(v) else f"{100 * v:+.2f}", md.seconds(float(r["seconds"][i]))])
    return md.table(["iteration", "retraining epochs", "Δe test (pp)", "Δe validation (pp)", "composer time"],
                    rows, "rrrrr")


def wcss_table(m: ModelResult) -> str:
    if not m.wcss:
        return ""
    rows = [[layer, operand, k, f"{tree:.6g}", f"{flat:.6g}", f"{tree / flat:.4f}" if flat > 0 else None]
            for layer, operand, k, tree, flat in m.wcss]
    return md.table(["layer", "operand", "k", "WCSS tree", "WCSS flat (exact)", "tree / flat"], rows, "llrrrr")


def grid(m: ModelResult, values: np.ndarray) -> tuple[list[int], list[int], np.ndarray]:
    """The q = 0 points as a w x u matrix (NaN where a combination was not run)."""
    sel = m.q == 0
    ws = sorted(set(int(v) for v in m.w[sel]))
    us = sorted(set(int(v) for v in m.u[sel]))
    mat = np.full((len(ws), len(us)), np.nan)
    for w, u, v in zip(m.w[sel], m.u[sel], values[sel]):
        mat[ws.index(int(w)), us.index(int(u))] = v
    return ws, us, mat


def grid_table(m: ModelResult) -> str:
    ws, us, after = grid(m, m.delta_e)
    _, _, before = grid(m, m.delta_e_initial)
    rows = []
    for i, w in enumerate(ws):
        cells = [f"w = {w}"]
        for j in range(len(us)):
            if np.isnan(after[i, j]):
                cells.append(None)
            else:
                cells.append(f"{100 * before[i, j]:+.2f} → **{100 * after[i, j]:+.2f}**")
        rows.append(cells)
    return md.table(["Δe (pp): initial → after retraining"] + [f"u = {u}" for u in us], rows,
                    "l" + "r" * len(us))


def q_table(m: ModelResult) -> str:
    sel = np.nonzero(m.q > 0)[0]
    if sel.size == 0:
        return ""
    rows = [[int(m.w[i]), int(m.u[i]), int(m.q[i]), f"{100 * m.delta_e_initial[i]:+.2f}",
             f"{100 * m.delta_e[i]:+.2f}"] for i in sel]
    return md.table(["w", "u", "q (table rows)", "Δe initial (pp)", "Δe after retraining (pp)"], rows, "rrrrr")


def plot_figure10(models: list[ModelResult], path: Path) -> bool:
    usable = [m for m in models if np.any(m.q == 0)]
    if not usable:
        return False
    fig, axes = plt.subplots(1, len(usable), figsize=(4.6 * len(usable), 4.0), squeeze=False)
    for ax, m in zip(axes[0], usable):
        ws, us, mat = grid(m, m.delta_e)
        pct = 100.0 * mat
        vmax = max(0.5, float(np.nanmax(np.abs(pct)))) if np.any(~np.isnan(pct)) else 1.0
        im = ax.imshow(pct, cmap="RdYlGn_r", vmin=-vmax, vmax=vmax, origin="lower")
        ax.set_xticks(range(len(us)), [str(u) for u in us])
        ax.set_yticks(range(len(ws)), [str(w) for w in ws])
        ax.set_xlabel("u (input codebook size)")
        ax.set_ylabel("w (weight codebook size)")
        ax.set_title(f"{m.label}: Δe (%)\nbaseline error {100 * m.baseline_error:.2f}%", fontsize=9)
        for i in range(len(ws)):
            for j in range(len(us)):
                if not np.isnan(pct[i, j]):
                    ax.text(j, i, f"{pct[i, j]:.2f}", ha="center", va="center", fontsize=8)
        fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True


def table3(models: list[ModelResult]) -> str:
    paper_rows = {r["model"]: r for r in paper_values.TABLE3["rows"]}
    rows = []
    for m in models:
        pr = paper_rows.get(_TABLE3_ROW_FOR.get(m.paper_dataset, ""))
        rows.append([m.label, f"w={m.final[0]}, u={m.final[1]}, q={m.final[2]}", m.composer_epochs,
                     md.seconds(m.composer_seconds), pr["model"] if pr else None,
                     pr["epochs"] if pr else None, pr["time_text"] if pr else None])
    return md.table(["model", "final point", "retraining epochs", "composer wall time", "paper row",
                     "paper epochs", "paper time"], rows, "llrrlrr")


def render(files: list[h5py.File], outdir: Path) -> str:
    models = read_models(files)
    if not models:
        return f"No `/{GROUP}/<model>` groups found in these files.\n"
    s53 = paper_values.SECTION53
    out = ["### Accuracy of the reinterpreted models (Figure 10)\n\n",
           "Δe = error of the reinterpreted (LUT) model − baseline error (Section 3.2), on the test "
           "set, for each weight codebook size w and input codebook size u (tree codebooks: a "
           "level of the tree per size). q = 0: ReLU by a comparator. Paper: "
           f"Δe ≈ 0 for MNIST at w = {s53['mnist_lossless']['w']}, u = {s53['mnist_lossless']['u']}; "
           f"w = {s53['typical_lossless_w']} and u = {s53['typical_lossless_u']} lossless for most "
           f"applications; a {s53['activation_rows_q_for_baseline_accuracy']}-row sigmoid table "
           "matches the baseline.\n\n"]
    for m in models:
        out.append(f"#### {m.label} ({m.topology} on {m.dataset}, stands in for {m.paper_dataset}; "
                   f"baseline error {md.pct(m.baseline_error)}, {m.codebook} codebooks, "
                   f"{m.accumulation} accumulation)\n\n")
        out.append(grid_table(m))
        out.append("\n")
        qt = q_table(m)
        if qt:
            act = "sigmoid" if "sigmoid" in m.topology else "activation"
            out.append(f"Activation tables (q rows over the clipped domain, non-uniform placement, "
                       f"nearest-distance search) for the {act}:\n\n" + qt + "\n")
        rt = retrain_table(m)
        if rt:
            out.append(f"Retraining of the final point (w={m.final[0]}, u={m.final[1]}, q={m.final[2]}); "
                       "stopping and the best iteration use the validation Δe (held out of the "
                       "training set), the test set is only measured:\n\n" + rt + "\n")
        wt = wcss_table(m)
        if wt:
            out.append("Both WCSS of the final point's codebooks (summed over a conv layer's "
                       "per-channel codebooks): the tree level's and the exact flat k-means':\n\n"
                       + wt + "\n")
    tt = targets_table(models)
    if tt:
        out.append("#### Accuracy targets\n\n" + tt + "\n")
    if plot_figure10(models, outdir / FIGURE10_PNG):
        out.append(f"![Figure 10: delta_e over w x u]({FIGURE10_PNG})\n\n")
    out.append("### Composer overhead (Table 3)\n\n")
    out.append("Wall time of the whole composer for the final point (input sampling, clustering, "
               "tables, LUT error estimation and every retraining iteration), on the machine that "
               "ran it. The paper's rows are for its own models and hardware.\n\n")
    out.append(table3(models))
    return "".join(out)
