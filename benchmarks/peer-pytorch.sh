#!/usr/bin/env bash
# Peer comparison: the same 50-step CFG generation (prompt, seed, steps, guidance) with the C# executor and with the
# PyTorch reference sampler, on this machine, with the same thread count, alternating rounds so machine noise hits
# both. Model loading is excluded on both sides (in-process timings: run.json latency_ms.total vs the sampler's
# wall time, each covering text encoder + 50 steps + decoder).
#
#   benchmarks/peer-pytorch.sh [rounds=3] [threads=2]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
rounds=${1:-3}
threads=${2:-2}
model=models/tiny-wan
prompt="a red circle moving right"
dotnet build src/MixCacheOrt.Cli -c Release -nologo -v quiet -clp:NoSummary >/dev/null
cli=src/MixCacheOrt.Cli/bin/Release/net10.0/mixcache
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cs=() py=()
for ((r = 1; r <= rounds; r++)); do
  # one C# process per round: a warm-up generation then the timed one (batch mode, two prompts)
  printf '%s\n%s\n' "$prompt" "$prompt" > "$tmp/prompts.txt"
  "$cli" generate --prompts "$tmp/prompts.txt" --steps 50 --threads "$threads" --model "$model" --out "$tmp/cs$r" --json > "$tmp/cs$r.json"
  cs+=("$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[1]['latency_ms']['total']/1000)" "$tmp/cs$r.json")")
  py+=("$(/usr/bin/python3 exporters/bench_pytorch.py --checkpoint "$model/tiny-wan.pt" --threads "$threads" --repeat 1 | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['median'])")")
  echo "round $r: C# ${cs[-1]} s, PyTorch ${py[-1]} s"
done
/usr/bin/python3 - "${cs[*]}" "${py[*]}" "$threads" <<'PY'
import statistics, sys
cs = [float(x) for x in sys.argv[1].split()]; py = [float(x) for x in sys.argv[2].split()]
c, p = statistics.median(cs), statistics.median(py)
print(f"median over {len(cs)} rounds, {sys.argv[3]} threads: C# {c:.3f} s, PyTorch {p:.3f} s, PyTorch/C# = {p / c:.2f}x")
PY
