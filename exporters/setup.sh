#!/usr/bin/env bash
# Installs what the exporters need from Debian (no PyPI here): PyTorch 1.13, onnx, OpenBLAS with threads
# (without it torch falls back to reference BLAS and trains ~10x slower), numpy, Pillow (contact sheet).
# The scripts run with Debian's interpreter: /usr/bin/python3.
set -euo pipefail
packages=(python3-torch python3-onnx libopenblas0-pthread python3-numpy python3-pil)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && { echo "exporters: all Debian packages present"; exit 0; }
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
