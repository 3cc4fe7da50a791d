"""Section for the `codebooks` experiment: the weight codebooks of a whole network (Sec. 3.1).

Layout written by experiments/codebooks.cpp (src/distributed/codebook_output.hpp):
    /codebooks                   attrs topology, k, tree_levels, shard_above, weights, ranks,
                                 wall_s, layer_names, layer_fan_in, layer_outputs, layer_conv
    /codebooks/problems/         layer, channel (-1 = whole layer), size, sharded, owner  [P]
    /codebooks/flat/             centroids, counts [P x k]; k, wcss, iterations, time_s [P]
    /codebooks/tree/             wcss [P x L], time_s [P]; level_<l>/{centroids, counts} [P x 2^l]
    /codebooks/ranks/            total_s, load_s, whole_s, sharded_s, local_values, shard_bytes,
                                 bytes_communicated, gathered_values, peak_rss_bytes [ranks]
The report: per layer the number of codebooks, mean relative WCSS (WCSS / sum of squares about
the mean is not stored, so WCSS per value), the tree's WCSS per level (the run-time choice of
the tree depth), and the per-rank balance of the job.
"""

from __future__ import annotations

from pathlib import Path

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from analysis import h5util  # noqa: E402
from analysis import markdown as md  # noqa: E402

GROUP = "codebooks"
TREE_PNG = "codebooks_tree_wcss.png"


def _layers(g) -> list[str]:
    return [h5util.decode(x) for x in np.atleast_1d(h5util.attr(g, "layer_names", []))]


def layer_table(g) -> str:
    names = _layers(g)
    p = g["problems"]
    layer = p["layer"][...]
    size = p["size"][...].astype(float)
    sharded = p["sharded"][...]
    has_flat = "flat" in g
    has_tree = "tree" in g
    rows = []
    for li, name in enumerate(names):
        m = layer == li
        if not np.any(m):
            continue
        row = [name, int(m.sum()), int(size[m].sum()), "yes" if sharded[m].any() else "no"]
        if has_flat:
            w = g["flat/wcss"][...][m]
            row += [f"{w.sum() / size[m].sum():.4g}", f"{g['flat/time_s'][...][m].sum():.3f}"]
        if has_tree:
            tw = g["tree/wcss"][...][m]
            row += [f"{tw[:, -1].sum() / size[m].sum():.4g}", f"{g['tree/time_s'][...][m].sum():.3f}"]
        rows.append(row)
    headers = ["layer", "codebooks", "weights", "sharded"]
    if has_flat:
        headers += [f"flat WCSS/value (k={h5util.attr(g, 'k')})", "flat s"]
    if has_tree:
        headers += [f"tree WCSS/value ({2 ** int(h5util.attr(g, 'tree_levels'))} leaves)", "tree s"]
    return md.table(headers, rows)


def rank_table(g) -> str:
    r = g["ranks"]
    rows = []
    for i in range(r["total_s"].shape[0]):
        rows.append([i, f"{r['total_s'][i]:.3f}", f"{r['load_s'][i]:.3f}", f"{r['sharded_s'][i]:.3f}",
                     f"{r['whole_s'][i]:.3f}", int(r["whole_problems"][i]), int(r["local_values"][i]),
                     int(r["bytes_communicated"][i]), f"{r['peak_rss_bytes'][i] / 2**20:.1f}"])
    return md.table(["rank", "total s", "load s", "sharded s", "whole s", "whole problems", "values held",
                     "bytes communicated", "peak RSS MiB"], rows)


def activation_table(a) -> str:
    names = [h5util.decode(x) for x in np.atleast_1d(h5util.attr(a, "layer_names", []))]
    rows = []
    for i, name in enumerate(names):
        row = [name, int(a["seen"][i]), int(a["samples"][i]), f"{a['flat_wcss'][i] / max(1, a['samples'][i]):.4g}"]
        if "tree_wcss" in a:
            row.append(f"{a['tree_wcss'][i, -1] / max(1, a['samples'][i]):.4g}")
        rows.append(row)
    headers = ["layer input", "activations seen", "sampled", f"flat WCSS/value (k={h5util.attr(a, 'k')})"]
    if "tree_wcss" in a:
        headers.append(f"tree WCSS/value ({2 ** int(h5util.attr(a, 'tree_levels'))} leaves)")
    return (f"Input codebooks from {h5util.attr(a, 'images')} images "
            f"({h5util.decode(h5util.attr(a, 'images_source', '?'))}), model "
            f"{h5util.decode(h5util.attr(a, 'model', '?'))}:\n\n" + md.table(headers, rows) + "\n")


def plot_tree(g, path: Path) -> None:
    tw = g["tree/wcss"][...]
    size = g["problems/size"][...].astype(float)
    levels = np.arange(1, tw.shape[1] + 1)
    fig, ax = plt.subplots(figsize=(5, 3.2))
    ax.semilogy(2 ** levels, tw.sum(axis=0) / size.sum(), marker="o", label="tree codebooks")
    if "flat" in g:
        ax.semilogy([int(h5util.attr(g, "k"))], [g["flat/wcss"][...].sum() / size.sum()], "s", label="flat k-means")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("codebook entries per layer/channel")
    ax.set_ylabel("WCSS per weight")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def render(files: list[h5py.File], outdir: Path) -> str:
    out = []
    for f in files:
        if GROUP not in f:
            continue
        g = f[GROUP]
        label = f" ({Path(f.filename).stem})" if len(files) > 1 else ""
        out.append(f"### Weight codebooks of {h5util.decode(h5util.attr(g, 'topology', '?'))}{label}\n\n")
        out.append(f"{g['problems/layer'].shape[0]} codebook problems on {h5util.attr(g, 'ranks', '?')} rank(s), "
                   f"wall {float(h5util.attr(g, 'wall_s', float('nan'))):.2f} s; weights: "
                   f"{h5util.decode(h5util.attr(g, 'weights', '?'))}.\n\n")
        out.append(layer_table(g) + "\n")
        if "tree" in g:
            png = outdir / (TREE_PNG if len(files) == 1 else f"{Path(f.filename).stem}_{TREE_PNG}")
            plot_tree(g, png)
            out.append(f"![tree WCSS per level]({png.name})\n\n")
        out.append("Per rank:\n\n" + rank_table(g) + "\n")
        if "activations" in g:
            out.append(activation_table(g["activations"]))
    if not out:
        return f"No `/{GROUP}` group found in these files.\n"
    return "".join(out)
