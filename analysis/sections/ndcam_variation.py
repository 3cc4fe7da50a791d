"""Section for the `ndcam_variation` experiment: the NDCAM Monte Carlo study (paper Sec. 4.2.2).

Layout written by experiments/ndcam_variation.cpp:
    /ndcam_variation/                 attrs trials_per_point, value_bits, wall_s, trials_per_s, ranks,
                                      workload_names (str[W])
    /ndcam_variation/points/          one entry per sweep point (P points):
        workload, rows, distribution, bits_per_stage (int64[P]); sigma, sense_resolution_s (float64[P])
        trials, correct, nominal_correct, min_xor_correct, agrees_with_nominal, hamming_correct,
        variation_errors, variation_fixes (uint64[P]); *_rate, mean_excess_lsb, mean/min/max
        latency_s and energy_j (float64[P]); error_hist, nominal_error_hist (uint64[P, 33]),
        rank_offset_hist (uint64[P, 67]), margin_rel_hist, margin_ps_hist (uint64[P, 82])
    /ndcam_variation/margin_bin_edges float64[83]
    /ndcam_variation/calibration      attrs paper_/model_latency_s, paper_/model_energy_j, constants

"correct" = the returned value is a nearest one in absolute distance; "nominal" = the same
circuit without variation; "min-XOR" = the nominal circuit with a perfect sense amplifier;
"agrees" = the varied circuit returns what the nominal one returns (variation did not flip it).
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

GROUP = "ndcam_variation"
CORRECT_PNG = "ndcam_variation_correct_rate.png"
AGREE_PNG = "ndcam_variation_agreement.png"
# The claim is judged at the paper's operating point: 8-bit stages, 10% variation (Sec. 4.2.2).
CLAIM = paper_values.SECTION422_NDCAM
# "Sufficiently distinguishable" read as: variation changes the search result in < 1% of searches.
CLAIM_MAX_FLIP_RATE = 0.01
RANK_OFFSET_MAX = 32  # TrialStats::kRankOffsetMax


@dataclass
class Study:
    label: str
    names: list[str]
    p: dict[str, np.ndarray]
    margin_edges: np.ndarray
    calibration: dict
    trials: int
    trials_per_s: float
    ranks: int
    variation_scaling: str = "uniform"


def read(files: list[h5py.File]) -> list[Study]:
    out = []
    for f in files:
        if GROUP not in f:
            continue
        g = f[GROUP]
        pts = g["points"]
        p = {k: pts[k][()] for k in pts if isinstance(pts[k], h5py.Dataset)}
        names = [str(h5util.decode(n)) for n in h5util.attr(g, "workload_names", [])]
        cal = {k: h5util.decode(v) for k, v in g["calibration"].attrs.items()} if "calibration" in g else {}
        out.append(Study(label=Path(f.filename).stem, names=names, p=p,
                         margin_edges=g["margin_bin_edges"][()] if "margin_bin_edges" in g else np.array([]),
                         calibration=cal, trials=int(h5util.attr(g, "trials_per_point", 0)),
                         trials_per_s=float(h5util.attr(g, "trials_per_s", float("nan"))),
                         ranks=int(h5util.attr(g, "ranks", 1)),
                         variation_scaling=str(h5util.decode(h5util.attr(g, "variation_scaling", "uniform")))))
    return out


def panels(s: Study) -> list[tuple[int, float]]:
    """(workload, resolution) pairs in file order."""
    seen = []
    for w, r in zip(s.p["workload"], s.p["sense_resolution_s"]):
        if (int(w), float(r)) not in seen:
            seen.append((int(w), float(r)))
    return seen


def panel_title(s: Study, w: int, res: float) -> str:
    name = s.names[w] if w < len(s.names) else f"workload {w}"
    return f"{name}, SA res. {res * 1e12:g} ps"


def plot_rate(s: Study, field: str, ylabel: str, path: Path) -> None:
    ps = panels(s)
    cols = min(4, len(ps))
    nrows = (len(ps) + cols - 1) // cols
    fig, axes = plt.subplots(nrows, cols, figsize=(3.6 * cols, 2.9 * nrows), squeeze=False, sharey=True)
    sigmas = sorted(set(float(x) for x in s.p["sigma"]))
    cmap = plt.get_cmap("viridis")
    for i, (w, res) in enumerate(ps):
        ax = axes[i // cols][i % cols]
        sel = (s.p["workload"] == w) & (s.p["sense_resolution_s"] == res)
        for j, sig in enumerate(sigmas):
            m = sel & (s.p["sigma"] == sig)
            order = np.argsort(s.p["bits_per_stage"][m])
            ax.plot(s.p["bits_per_stage"][m][order], s.p[field][m][order], marker="o", ms=3,
                    color=cmap(j / max(1, len(sigmas) - 1)), label=f"σ = {100 * sig:g}%")
        if field == "correct_rate":
            m = sel & (s.p["sigma"] == sigmas[0])
            order = np.argsort(s.p["bits_per_stage"][m])
            ax.plot(s.p["bits_per_stage"][m][order], s.p["min_xor_correct_rate"][m][order], "k--", lw=0.8,
                    label="min-XOR (ideal SA, σ=0)")
        ax.axvline(CLAIM["bits_per_stage"], color="red", lw=0.6, ls=":")
        ax.set_title(panel_title(s, w, res), fontsize=8)
        ax.set_xlabel("bits per stage")
        ax.set_ylim(-0.02, 1.02)
        ax.grid(alpha=0.3)
        if i % cols == 0:
            ax.set_ylabel(ylabel)
    for k in range(len(ps), nrows * cols):
        axes[k // cols][k % cols].axis("off")
    axes[0][0].legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def margin_below(s: Study, i: int, threshold: float) -> float | None:
    """Share of searches with a competitor whose relative margin is below `threshold`."""
    h = s.p["margin_rel_hist"][i]
    total = h.sum()
    if total == 0 or s.margin_edges.size != h.size + 1:
        return None
    upper = s.margin_edges[1:]
    return float(h[upper <= threshold * (1 + 1e-12)].sum()) / float(total)


def near_miss_share(s: Study, i: int) -> float | None:
    """Among wrong searches, the share that returned an adjacent table entry (rank offset ±1)."""
    h = s.p["rank_offset_hist"][i]
    wrong = h.sum() - h[RANK_OFFSET_MAX]
    if wrong == 0:
        return None
    return float(h[RANK_OFFSET_MAX - 1] + h[RANK_OFFSET_MAX + 1]) / float(wrong)


def closest(values: np.ndarray, target: float) -> float:
    u = np.unique(values)
    return float(u[np.argmin(np.abs(u - target))])


def table_at(s: Study, bits: int) -> str:
    rows = []
    for i in np.flatnonzero(s.p["bits_per_stage"] == bits):
        w = int(s.p["workload"][i])
        rows.append([s.names[w] if w < len(s.names) else w, f"{s.p['sense_resolution_s'][i] * 1e12:g}",
                     f"{100 * s.p['sigma'][i]:g}%", md.pct(s.p["correct_rate"][i], 1),
                     md.pct(s.p["nominal_correct_rate"][i], 1), md.pct(s.p["min_xor_correct_rate"][i], 1),
                     md.pct(s.p["agrees_with_nominal_rate"][i], 1), md.pct(s.p["hamming_correct_rate"][i], 1),
                     md.pct(near_miss_share(s, i), 0) if near_miss_share(s, i) is not None else None,
                     md.pct(margin_below(s, i, 0.01), 1) if margin_below(s, i, 0.01) is not None else None,
                     f"{s.p['mean_latency_s'][i] * 1e9:.3f}", f"{s.p['mean_energy_j'][i] * 1e15:.0f}"])
    return md.table(["workload", "SA res. (ps)", "σ", "correct", "nominal", "min-XOR", "= nominal",
                     "Hamming CAM", "wrong → adjacent entry", "margin < 1%", "latency (ns)", "energy (fJ)"],
                    rows, "llrrrrrrrrrr")


def verdict(s: Study) -> str:
    bits = CLAIM["bits_per_stage"]
    if not np.any(s.p["bits_per_stage"] == bits):
        return f"The sweep has no {bits}-bit stages: the paper's claim is not tested by this file.\n"
    sig = closest(s.p["sigma"], CLAIM["process_variation_pct"] / 100.0)
    sel = np.flatnonzero((s.p["bits_per_stage"] == bits) & (s.p["sigma"] == sig))
    flips = {i: 1.0 - float(s.p["agrees_with_nominal_rate"][i]) for i in sel}
    worst = max(flips, key=flips.get)
    best = min(flips, key=flips.get)
    holds = flips[worst] < CLAIM_MAX_FLIP_RATE
    nominal_wrong = 1.0 - float(np.min(s.p["min_xor_correct_rate"][sel]))
    text = (f"**Does the paper's 8-bit claim hold under this model?** "
            f"{'Yes' if holds else 'No'}. At {bits} bits per stage and σ = {100 * sig:g}% (W and Vth of "
            f"every access transistor), variation changes the search result in "
            f"{md.pct(flips[best], 1)}–{md.pct(flips[worst], 1)} of searches "
            f"(best: {panel_title(s, int(s.p['workload'][best]), float(s.p['sense_resolution_s'][best]))}; "
            f"worst: {panel_title(s, int(s.p['workload'][worst]), float(s.p['sense_resolution_s'][worst]))}); "
            f"the criterion is < {md.pct(CLAIM_MAX_FLIP_RATE, 0)}. ")
    maxpool = [i for i in sel if s.names[int(s.p["workload"][i])].startswith("maxpool")]
    if maxpool:
        mp = ", ".join(f"{md.pct(s.p['correct_rate'][i], 1)} correct ({md.pct(flips[i], 1)} flipped by variation, "
                       f"SA res. {s.p['sense_resolution_s'][i] * 1e12:g} ps)" for i in maxpool)
        text += f"For the paper's own case, max pooling ({s.names[int(s.p['workload'][maxpool[0]])]}): {mp}. "
    if nominal_wrong > 0:
        text += (f"Separately from variation, the nominal binary-weighted circuit finds the minimum XOR, not the "
                 f"minimum absolute distance: even with a perfect sense amplifier it misses the nearest value in up "
                 f"to {md.pct(nominal_wrong, 1)} of these searches (it is exact for max pooling, whose query is all "
                 f"ones).\n")
    else:
        text += ("Without variation and with a perfect sense amplifier every search here is exact (the circuit "
                 "finds the minimum XOR, which equals the nearest value for these workloads).\n")
    return text


def tolerance_table(s: Study) -> str:
    """Per (workload, SA resolution): the largest swept sigma at which variation flips < 1% of
    8-bit searches, and the widest swept stage that stays below 1% at the paper's 10%."""
    bits = CLAIM["bits_per_stage"]
    sig10 = closest(s.p["sigma"], CLAIM["process_variation_pct"] / 100.0)
    rows = []
    for w, res in panels(s):
        sel = (s.p["workload"] == w) & (s.p["sense_resolution_s"] == res)
        ok = lambda m: (1.0 - s.p["agrees_with_nominal_rate"][m]) < CLAIM_MAX_FLIP_RATE  # noqa: E731
        m8 = sel & (s.p["bits_per_stage"] == bits)
        sig_ok = s.p["sigma"][m8][ok(m8)]
        sig_ok = sig_ok[sig_ok > 0]
        m10 = sel & (s.p["sigma"] == sig10)
        bits_ok = s.p["bits_per_stage"][m10][ok(m10)]
        rows.append([s.names[w] if w < len(s.names) else w, f"{res * 1e12:g}",
                     f"{100 * sig_ok.max():g}%" if sig_ok.size else "none swept",
                     str(int(bits_ok.max())) if bits_ok.size else "none swept"])
    return md.table(["workload", "SA res. (ps)", f"largest σ with < 1% flips at {bits} bits",
                     f"widest stage with < 1% flips at σ = {100 * sig10:g}%"], rows, "llrr")


def calibration_table(s: Study) -> str:
    c = s.calibration
    if not c:
        return ""
    paper = CLAIM["maxpool_4x4_ndcam"]
    rows = [["latency", f"{paper['latency_ns']:g} ns", f"{float(c['model_latency_s']) * 1e9:.3f} ns"],
            ["energy", f"{paper['energy_fj']:g} fJ", f"{float(c['model_energy_j']) * 1e15:.1f} fJ"]]
    return ("### Calibration: 4×4 max pooling (Section 4.2.2)\n\n"
            + md.table(["", "paper", "model"], rows, "lrr")
            + f"\nConstants: k = {float(c['k_a_per_valpha']):.3g} A/V^α, drain capacitance "
              f"{float(c['c_ml_per_unit_width_f']) * 1e15:.3g} fF per unit width, LSB cell current "
              f"{float(c['unit_cell_current_a']) * 1e6:.2f} µA, 8-bit match line {float(c['c_ml_8bit_f']) * 1e15:.1f} fF "
              f"({c.get('workload', '')}).\n\n")


def render(files: list[h5py.File], outdir: Path) -> str:
    studies = read(files)
    if not studies:
        return f"No `/{GROUP}` group found in these files.\n"
    out = []
    for s in studies:
        head = f" ({s.label})" if len(studies) > 1 else ""
        out.append(f"### NDCAM under process variation{head}\n\n")
        out.append(f"{s.trials} trials per point (paper: {CLAIM['monte_carlo_runs']} HSPICE runs), "
                   f"{s.p['trials'].size} points, {s.ranks} rank(s), {s.trials_per_s:.0f} trials/s in all; "
                   f"variation: {'Pelgrom area scaling (σ of the unit transistor, σ/√n for an n-unit cell)' if s.variation_scaling == 'pelgrom' else 'the same relative σ for every transistor'}.\n\n")
        out.append(verdict(s) + "\n")
        out.append(calibration_table(s))
        correct_png = outdir / (CORRECT_PNG if len(studies) == 1 else f"{GROUP}_{s.label}_correct_rate.png")
        agree_png = outdir / (AGREE_PNG if len(studies) == 1 else f"{GROUP}_{s.label}_agreement.png")
        plot_rate(s, "correct_rate", "correct (nearest) rate", correct_png)
        plot_rate(s, "agrees_with_nominal_rate", "same result as σ = 0", agree_png)
        out.append(f"### Correct rate vs bits per stage, one line per σ\n\n![correct rate]({correct_png.name})\n\n"
                   f"### Searches unchanged by variation\n\n![agreement]({agree_png.name})\n\n")
        if np.any(s.p["bits_per_stage"] == CLAIM["bits_per_stage"]):
            out.append("### Variation tolerance\n\n" + tolerance_table(s) + "\n")
            out.append(f"### At {CLAIM['bits_per_stage']} bits per stage\n\n" + table_at(s, CLAIM["bits_per_stage"]))
            out.append("\n'wrong → adjacent entry': share of the wrong searches that returned the neighbouring table "
                       "entry; 'margin < 1%': searches whose first two distinct lines discharged less than 1% apart.\n")
    return "".join(out)
