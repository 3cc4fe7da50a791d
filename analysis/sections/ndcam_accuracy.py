"""Section for the `ndcam_accuracy` experiment: delta_e of composed models when their lookups
suffer the NDCAM search errors measured under process variation (the accuracy loop, beyond the
paper).

Layout written by experiments/ndcam_accuracy.cpp:
    /ndcam_accuracy/              attrs composer_file, trials_per_table, value_bits, bits_per_stage,
                                  sense_resolution_s, variation_scaling; sigma float64[S]
    /ndcam_accuracy/<model>/      attrs baseline_error, composed_error (no search errors, measured),
                                  composed_error_recorded (by the composer), test_samples, w, u, q
        error, delta_e (error - baseline), delta_e_search (error - composed_error)  float64[S]
        table_kind (0 encoding, 1 activation), table_index, table_rows           int64[T]
        lookup_error_rate float64[S, T]; rank_offset_hist uint64[S, T, 67]
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

GROUP = "ndcam_accuracy"
PNG = "ndcam_accuracy_delta_e.png"
RANK_OFFSET_MAX = 32  # TrialStats::kRankOffsetMax


@dataclass
class Model:
    name: str
    attrs: dict
    d: dict[str, np.ndarray]


@dataclass
class Study:
    label: str
    attrs: dict
    sigma: np.ndarray
    models: list[Model]


def read(files: list[h5py.File]) -> list[Study]:
    out = []
    for f in files:
        if GROUP not in f:
            continue
        g = f[GROUP]
        models = []
        for name in g:
            if not isinstance(g[name], h5py.Group):
                continue
            mg = g[name]
            models.append(Model(name, {k: h5util.decode(v) for k, v in mg.attrs.items()},
                                {k: mg[k][()] for k in mg if isinstance(mg[k], h5py.Dataset)}))
        out.append(Study(Path(f.filename).stem, {k: h5util.decode(v) for k, v in g.attrs.items()},
                         g["sigma"][()], models))
    return out


def table_name(m: Model, k: int) -> str:
    kind = "encoding" if int(m.d["table_kind"][k]) == 0 else "activation"
    return f"{kind} {int(m.d['table_index'][k])} ({int(m.d['table_rows'][k])} rows)"


def adjacent_share(m: Model, i: int) -> float | None:
    """Share of the wrong searches (all tables of sigma i) that returned a neighbouring row."""
    h = m.d["rank_offset_hist"][i].sum(axis=0)
    wrong = int(h.sum() - h[RANK_OFFSET_MAX])
    return (int(h[RANK_OFFSET_MAX - 1] + h[RANK_OFFSET_MAX + 1]) / wrong) if wrong else None


def delta_e_table(s: Study) -> str:
    rows = []
    for m in s.models:
        for i, sig in enumerate(s.sigma):
            rates = m.d["lookup_error_rate"][i] if m.d["lookup_error_rate"].size else np.array([])
            rows.append([m.name, f"{100 * sig:g}%", md.pct(m.d["error"][i]), md.pct(m.d["delta_e"][i]),
                         md.pct(m.d["delta_e_search"][i]),
                         f"{md.pct(rates.min(), 1)}–{md.pct(rates.max(), 1)}" if rates.size else "—",
                         md.pct(adjacent_share(m, i), 0)])
    return md.table(["model", "σ", "test error", "Δe vs baseline", "Δe from search errors",
                     "lookup error rate (tables)", "wrong → adjacent row"], rows, "lrrrrrr")


def plot(s: Study, path: Path) -> None:
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    for m in s.models:
        ax.plot(100 * s.sigma, 100 * m.d["delta_e"], marker="o", label=f"{m.name} (vs baseline)")
        ax.plot(100 * s.sigma, 100 * m.d["delta_e_search"], marker="x", linestyle="--",
                label=f"{m.name} (search errors only)")
    ax.set_xlabel("σ of W and Vth (%)")
    ax.set_ylabel("Δe (percentage points)")
    ax.axhline(0, color="grey", linewidth=0.6)
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def render(files: list[h5py.File], outdir: Path) -> str:
    studies = read(files)
    if not studies:
        return f"No `/{GROUP}` group found in these files.\n"
    out = []
    for s in studies:
        a = s.attrs
        head = f" ({s.label})" if len(studies) > 1 else ""
        out.append(f"### Accuracy under NDCAM search errors{head}\n\n")
        out.append(f"Every table the composed network searches is stored as {a.get('value_bits')}-bit fixed point "
                   f"and searched {a.get('trials_per_table')} times per σ by the behavioural NDCAM "
                   f"({a.get('bits_per_stage')} bits per stage, sense resolution "
                   f"{float(a.get('sense_resolution_s', 0)) * 1e12:g} ps, {a.get('variation_scaling', 'uniform')} "
                   f"variation, queries {a.get('query_distribution', '')}); the measured distribution of the returned "
                   f"row's offset from the nearest row is then injected into the encoding and activation lookups of "
                   f"the test-set inference. σ = 0 still has search errors: the nominal circuit finds the minimum "
                   f"XOR, not the nearest value.\n\n")
        for m in s.models:
            out.append(f"- {m.name}: w = {m.attrs.get('w')}, u = {m.attrs.get('u')}, q = {m.attrs.get('q')}, "
                       f"{m.attrs.get('test_samples')} test images; baseline error "
                       f"{md.pct(m.attrs.get('baseline_error'))}, composed without search errors "
                       f"{md.pct(m.attrs.get('composed_error'))} (composer recorded "
                       f"{md.pct(m.attrs.get('composed_error_recorded'))}); tables: "
                       f"{', '.join(table_name(m, k) for k in range(m.d['table_rows'].size))}.\n")
        out.append("\n" + delta_e_table(s) + "\n")
        png = outdir / (PNG if len(studies) == 1 else f"{GROUP}_{s.label}_delta_e.png")
        plot(s, png)
        out.append(f"![delta_e vs sigma]({png.name})\n\n")
    return "".join(out)
