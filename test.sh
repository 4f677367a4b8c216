#!/usr/bin/env bash
# Builds and tests MixCacheOrt: the .NET solution in Release (tests in category "Slow" excluded) and, when
# exporters/tests exists, the Python exporter tests. Run it from anywhere: ./test.sh
#
# On a fresh machine the first build restores ONNX Runtime (1.32.0) from NuGet (Managed + Gpu.Linux natives).
# Include slow tests with:  dotnet test MixCacheOrt.sln -c Release
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

command -v dotnet >/dev/null 2>&1 || {
  echo "test.sh: the .NET SDK 10 ('dotnet') is not on PATH; install it and run ./test.sh again." >&2
  exit 1
}

echo "== scripts/setup.sh --test (Debian packages: ffmpeg, chromium)"
bash scripts/setup.sh --test

echo "== dotnet build MixCacheOrt.sln (Release)"
dotnet build MixCacheOrt.sln -c Release -nologo -v quiet -clp:NoSummary

echo "== dotnet test MixCacheOrt.sln (Release, excluding category Slow)"
test_log="$(mktemp)"
trap 'rm -f "$test_log"' EXIT
set +e
dotnet test MixCacheOrt.sln -c Release --no-build -nologo --filter "TestCategory!=Slow" 2>&1 | tee "$test_log"
dotnet_status=${PIPESTATUS[0]}
set -e
# One plain closing line with the totals of every test assembly.
dotnet_summary=$(awk '/(Passed|Failed)! +- +Failed:/ {
       gsub(/,/, ""); for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) }
     }
     END { printf "dotnet: %d passed, %d failed, %d skipped\n", p, f, s }' "$test_log")
echo "$dotnet_summary"
read -r dotnet_passed dotnet_failed < <(echo "$dotnet_summary" | sed 's/dotnet: \([0-9]*\) passed, \([0-9]*\) failed.*/\1 \2/')
python_passed=0 python_failed=0
if [ "$dotnet_status" -ne 0 ]; then
  echo "test.sh: dotnet test failed (exit code $dotnet_status)" >&2
  exit "$dotnet_status"
fi

# ---------------------------------------------------------------------------------------------------------------
# HOOK: Python exporter tests. Runs when exporters/tests exists, from inside exporters/ (so tests import the
# exporter modules as top-level modules), with Debian's /usr/bin/python3 and its apt packages; pytest when it is
# installed, else unittest discovery.
# ---------------------------------------------------------------------------------------------------------------
if [ -d exporters/tests ]; then
  echo "== Python exporter tests (exporters/tests)"
  bash exporters/setup.sh || exit 1
  set +e
  if (cd exporters && /usr/bin/python3 -c "import pytest" 2>/dev/null); then
    (cd exporters && /usr/bin/python3 -m pytest -q tests)
    python_status=$?
    if [ "$python_status" -eq 5 ]; then
      echo "test.sh: pytest collected no tests in exporters/tests"
      python_status=0
    fi
  else
    python_log="$(mktemp)"
    (cd exporters && /usr/bin/python3 -m unittest discover -s tests -v) 2>&1 | tee "$python_log"
    python_status=${PIPESTATUS[0]}
    python_ran=$(sed -n 's/^Ran \([0-9]*\) tests\{0,1\} in .*/\1/p' "$python_log" | tail -n 1)
    python_failed=$(sed -n 's/^FAILED (\(failures\|errors\)=\([0-9]*\).*/\2/p' "$python_log" | tail -n 1)
    python_failed=${python_failed:-0}
    python_passed=$(( ${python_ran:-0} - python_failed ))
    rm -f "$python_log"
    echo "python: $python_passed passed, $python_failed failed"
  fi
  set -e
  if [ "$python_status" -ne 0 ]; then
    echo "test.sh: Python exporter tests failed (exit code $python_status)" >&2
    exit "$python_status"
  fi
fi

echo "test.sh: all tests passed"
echo "total: $(( dotnet_passed + python_passed )) passed, $(( dotnet_failed + python_failed )) failed"
