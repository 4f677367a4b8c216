#!/usr/bin/env bash
# Installs the Debian packages named as arguments that are not installed yet (as root, or with passwordless sudo);
# otherwise prints the apt-get command to run and exits 1. Used by scripts/setup.sh and exporters/setup.sh.
#   scripts/apt-install.sh CALLER PACKAGE...
set -euo pipefail
caller=$1; shift
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo -n"; else sudo="none"; fi
fi
missing=()
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$sudo" = none ]; then
  echo "$caller: missing Debian packages: ${missing[*]}" >&2
  echo "$caller: install them with:  sudo apt-get install -y ${missing[*]}   and run it again" >&2
  exit 1
fi
echo "== apt-get install ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
