#!/usr/bin/env bash
# Installs what the exporters need from Debian (no PyPI here): PyTorch 1.13, onnx, OpenBLAS, numpy, Pillow (contact
# sheet). The scripts run with Debian's interpreter: /usr/bin/python3. test.sh calls this before the Python tests.
#
# BLAS: without OpenBLAS torch falls back to reference BLAS and trains ~10x slower. We install the OpenMP build of
# OpenBLAS and select it as the system BLAS: torch runs its own ops on libgomp threads, and with the pthread build
# the two thread pools fight over the cores (measured on our 2-core machine: training step 2.0 s with the OpenMP
# build vs 4.5 s with the pthread build, 50-step generation 3.2 s vs 16.4 s; see exporters/README.md).
set -euo pipefail
packages=(python3-torch python3-onnx libopenblas0-openmp python3-numpy python3-pil)
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo -n"; else sudo="none"; fi
fi
bash "$(dirname "${BASH_SOURCE[0]}")/../scripts/apt-install.sh" exporters/setup.sh "${packages[@]}"
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo "$(uname -m)-linux-gnu")
for lib in libblas.so.3 liblapack.so.3 libopenblas.so.0; do
  want="/usr/lib/$multiarch/openblas-openmp/$lib"
  name="$lib-$multiarch"
  [ "$(readlink "/etc/alternatives/$name" 2>/dev/null)" = "$want" ] && continue
  if [ "$sudo" = none ]; then
    echo "exporters/setup.sh: warning: $lib is not the OpenMP OpenBLAS; torch will be slower (fix: sudo update-alternatives --set $name $want)" >&2
  else
    echo "== update-alternatives: $lib -> OpenMP OpenBLAS"
    $sudo update-alternatives --set "$name" "$want" >/dev/null
  fi
done
