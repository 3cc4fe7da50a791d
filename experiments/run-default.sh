#!/usr/bin/env bash
# The main job: install what is missing, build, run the default experiment (Table 2 baselines on
# Fashion-MNIST) with mpirun on the local cores, and print the report. Idempotent: an existing
# result is reused (delete results/baselines.h5 to train again).
set -euo pipefail
top="$(cd "$(dirname "$0")/.." && pwd)"
cd "$top"
cmake/install-deps.sh
cmake/build.sh
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
config="${1:-configs/baselines.toml}"
out="results/$(basename "$config" .toml).h5"
if [ -f "$out" ]; then
  echo "rapidnn: $out exists; reporting it (delete it to run again)"
else
  mpirun -n "$(nproc)" --bind-to none build/bin/rapidnn run "$config" -o "$out"
fi
/usr/bin/python3 analysis/report.py "$out" -o reports/
