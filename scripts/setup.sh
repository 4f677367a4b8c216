#!/usr/bin/env bash
# Installs what `mixcache` uses from Debian besides .NET: ffmpeg, for video.mp4 next to the GIF (without it, generate
# writes the GIF alone and run.json says why). test.sh runs this first. The exporters' Python packages come from
# exporters/setup.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/apt-install.sh scripts/setup.sh ffmpeg
