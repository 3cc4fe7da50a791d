#!/usr/bin/env bash
# The whole test suite: install what is missing, build, run ctest (unit, MPI with 2 and 4 ranks,
# end-to-end, SLURM) and the Python analysis tests. Idempotent; fast when everything is built.
set -euo pipefail
top="$(cd "$(dirname "$0")/.." && pwd)"
cd "$top"
cmake/install-deps.sh slurm-wlm munge
cmake/build.sh
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
status=0
ctest --preset release || status=$?
/usr/bin/python3 -m pytest -q analysis/tests || status=$?
exit $status
