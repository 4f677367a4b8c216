#!/usr/bin/env bash
# Installs what `mixcache` uses from Debian besides .NET: ffmpeg, for video.mp4 next to the GIF (without it, generate
# writes the GIF alone and run.json says why). With --test also Chromium, in which the tests open eval's report.html.
# test.sh runs `scripts/setup.sh --test` first. The exporters' Python packages come from exporters/setup.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
packages=(ffmpeg)
[ "${1:-}" = --test ] && packages+=(chromium)
bash scripts/apt-install.sh scripts/setup.sh "${packages[@]}"
