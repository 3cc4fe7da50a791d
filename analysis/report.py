"""Turn rapidnn HDF5 result files into a markdown report with figures.

    /usr/bin/python3 analysis/report.py RESULT.h5 [RESULT2.h5 ...] -o reports/

writes reports/report.md and the PNG figures next to it; with --print it also prints the
experiment sections (e.g. Table 2 beside the paper) to stdout. Files are grouped by the experiment
recorded in their /rapidnn metadata and each group is rendered by analysis/sections/<experiment>.py
(see analysis/README.md); an experiment without a section gets a generic listing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the `analysis` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import h5py  # noqa: E402

from analysis import h5util  # noqa: E402
from analysis import markdown as md  # noqa: E402
from analysis import sections  # noqa: E402
from analysis.sections import generic  # noqa: E402

UNKNOWN = "(unknown)"


class ReportError(Exception):
    """A result file cannot be used; the message names it."""


def open_results(paths: list[Path]) -> list[h5py.File]:
    files = []
    try:
        for p in paths:
            if not p.exists():
                raise ReportError(f"{p}: no such file")
            try:
                files.append(h5py.File(p, "r"))
            except OSError as err:
                raise ReportError(f"{p}: not a readable HDF5 file ({err})") from err
    except ReportError:
        for f in files:
            f.close()
        raise
    return files


def provenance(files: list[h5py.File]) -> str:
    """One row per file with the metadata that makes a result reproducible, plus its config."""
    rows = []
    configs = []
    for f in files:
        meta = h5util.metadata(f)
        commit = str(meta.get("git_commit", ""))[:12] or None
        slurm = meta.get("slurm_job_id")
        if slurm and meta.get("slurm_array_task_id") not in (None, ""):
            slurm = f"{meta.get('slurm_array_job_id', slurm)}_{meta['slurm_array_task_id']}"
        rows.append([f"`{Path(f.filename).name}`", meta.get("experiment", UNKNOWN),
                     meta.get("program_version"), commit, meta.get("start_utc"),
                     meta.get("end_utc"), meta.get("ranks"), meta.get("seed"), meta.get("host"),
                     slurm or None])
        if meta.get("config"):
            configs.append(f"<details><summary>config of {Path(f.filename).name}</summary>\n\n"
                           f"```toml\n{str(meta['config']).rstrip()}\n```\n</details>\n")
    text = md.table(["file", "experiment", "version", "commit", "start (UTC)", "end (UTC)",
                     "ranks", "seed", "host", "SLURM job"], rows)
    return text + ("\n" + "\n".join(configs) if configs else "")


def build_report(paths: list[Path], outdir: Path) -> str:
    """Renders the report for `paths` into `outdir` and returns the markdown text."""
    outdir.mkdir(parents=True, exist_ok=True)
    files = open_results(paths)
    try:
        groups: dict[str, list[h5py.File]] = {}
        for f in files:
            groups.setdefault(h5util.experiment_of(f) or UNKNOWN, []).append(f)
        parts = ["# RAPIDNN results\n\n", "## Provenance\n\n", provenance(files), "\n"]
        for experiment, members in groups.items():
            module = sections.find(experiment) if experiment != UNKNOWN else None
            parts.append(f"## Experiment `{experiment}`\n\n")
            if module is None:
                parts.append("No section module for this experiment "
                             f"(analysis/sections/{experiment}.py); generic listing:\n\n")
                module = generic
            parts.append(module.render(members, outdir).rstrip() + "\n\n")
        text = "".join(parts)
    finally:
        for f in files:
            f.close()
    (outdir / "report.md").write_text(text, encoding="utf-8")
    return text


def experiment_sections(text: str) -> str:
    """The part of a report after its provenance: one section per experiment."""
    start = text.find("\n## Experiment ")
    return text[start + 1:] if start >= 0 else text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results", nargs="+", type=Path, help="HDF5 result files")
    parser.add_argument("-o", "--outdir", type=Path, default=Path("reports"),
                        help="output folder for report.md and figures (default: reports)")
    parser.add_argument("--print", action="store_true", dest="print_sections",
                        help="also print the experiment sections (the tables) to stdout")
    args = parser.parse_args(argv)
    try:
        text = build_report(args.results, args.outdir)
    except ReportError as err:
        print(f"report: error: {err}", file=sys.stderr)
        return 2
    if args.print_sections:
        print(experiment_sections(text).rstrip() + "\n")
    print(f"wrote {args.outdir / 'report.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
