#!/usr/bin/env bash
# Installs the Debian packages rapidnn needs that are missing (idempotent: a no-op when all are
# present). Runs as root or through sudo. Usage: cmake/install-deps.sh [extra packages...]
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config git
  libopenmpi-dev openmpi-bin libhdf5-openmpi-dev hdf5-tools
  libeigen3-dev libtbb-dev libtomlplusplus-dev libfmt-dev libcli11-dev librandom123-dev zlib1g-dev
  libgtest-dev libgmock-dev
  python3-h5py python3-numpy python3-matplotlib python3-pytest
  dataset-fashion-mnist
  "$@"
)
missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "rapidnn: installing missing Debian packages: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
