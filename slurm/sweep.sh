#!/bin/bash
# Submits a parameter sweep: one SLURM array task per grid point, then a merge job that
# depends on the array (afterok). Resubmitting skips the points whose result file exists; when
# all are complete only the merge is submitted (if merged.h5 is missing or older).
#   slurm/sweep.sh configs/codebooks_sweep.toml SWEEP_DIR [extra sbatch options, e.g. --ntasks=4]
# The sweep file names a base configuration and a [grid] of dotted keys -> value lists
# (see configs/codebooks_sweep.toml); slurm/sweep.py expands it into SWEEP_DIR/points/.
set -euo pipefail
SWEEP=${1:?usage: slurm/sweep.sh SWEEP.toml SWEEP_DIR [sbatch options]}
DIR=${2:?usage: slurm/sweep.sh SWEEP.toml SWEEP_DIR [sbatch options]}
shift 2
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PY=${RAPIDNN_PYTHON:-/usr/bin/python3}
export RAPIDNN_SLURM_DIR=$HERE
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
# Prints the indices of the incomplete points, comma-separated (empty when all are complete).
TODO=$("$PY" "$HERE/sweep.py" expand "$SWEEP" "$DIR")
DEPEND=()
if [[ -n "$TODO" ]]; then
  ARRAY_JOB=$(sbatch --parsable --array="$TODO" --chdir="$DIR" "$@" "$HERE/sweep_task.sbatch" "$DIR")
  ARRAY_JOB=${ARRAY_JOB%%;*}
  echo "sweep: submitted array job $ARRAY_JOB for points $TODO"
  DEPEND=(--dependency="afterok:$ARRAY_JOB")
  rm -f "$DIR/merged.h5"
else
  echo "sweep: all points complete, no array job"
  if [[ -f "$DIR/merged.h5" ]]; then
    echo "sweep: $DIR/merged.h5 is up to date"
    exit 0
  fi
fi
MERGE_JOB=$(sbatch --parsable "${DEPEND[@]}" --chdir="$DIR" "$HERE/merge.sbatch" "$DIR")
echo "sweep: submitted merge job ${MERGE_JOB%%;*}"
