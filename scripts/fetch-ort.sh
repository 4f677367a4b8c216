#!/usr/bin/env bash
# Obtains the ONNX Runtime 1.30.0 native library (CPU build, linux-x64) for MixCacheOrt.
#
#   scripts/fetch-ort.sh [CACHE_DIR]
#
# Prints the directory that holds a verified libonnxruntime.so.1 as the last line of stdout.
#
# * If MIXCACHE_ORT_DIR is set, that user-provided ONNX Runtime 1.30 directory is used instead
#   (this is how the CUDA provider libraries get used: libonnxruntime_providers_shared.so and
#   libonnxruntime_providers_cuda.so must sit next to libonnxruntime.so.1). It is only checked,
#   never modified: the library must exist and carry the VERS_1.30.0 symbol version.
# * Otherwise CACHE_DIR (default ${XDG_CACHE_HOME:-$HOME/.cache}/mixcacheort/ort-1.30.0) is used.
#   On a cache hit with the right sha256 nothing is downloaded (builds stay offline and fast).
#   On a miss, `npm pack onnxruntime-node@1.30.0` fetches the package tarball (no npm install:
#   its postinstall fails without the CUDA NuGet package) and only
#   package/bin/napi-v6/linux/x64/libonnxruntime.so.1 is extracted and checked against the pinned
#   sha256 before it is moved into the cache.
#
# Errors are printed in MSBuild's canonical format so `dotnet build` shows them as build errors.
set -euo pipefail

ORT_VERSION=1.30.0
ORT_SHA256=ffb75a925ba05e47b235bb66e3e3911714a80b328a9c9425539feb204aa32a23
NPM_PACKAGE="onnxruntime-node@${ORT_VERSION}"
TARBALL_ENTRY=package/bin/napi-v6/linux/x64/libonnxruntime.so.1
LIB_NAME=libonnxruntime.so.1

fail() {
  echo "fetch-ort.sh : error MCORT001: $*" >&2
  exit 1
}

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# Versions named by the library's ELF symbol versions (e.g. VERS_1.30.0); the newest is last.
ort_symbol_versions() { grep -aoE 'VERS_1\.[0-9]+\.[0-9]+' "$1" | sort -uV || true; }

check_user_dir() {
  local dir=$1 lib=""
  [ -d "$dir" ] || fail "MIXCACHE_ORT_DIR='$dir' is not a directory. Point it at a directory containing ONNX Runtime ${ORT_VERSION} (libonnxruntime.so.1), or unset it to let the build download the CPU runtime."
  for name in "$LIB_NAME" libonnxruntime.so; do
    if [ -f "$dir/$name" ]; then lib="$dir/$name"; break; fi
  done
  [ -n "$lib" ] || fail "MIXCACHE_ORT_DIR='$dir' contains neither $LIB_NAME nor libonnxruntime.so. Copy ONNX Runtime ${ORT_VERSION}'s library there (with libonnxruntime_providers_shared.so and libonnxruntime_providers_cuda.so beside it for CUDA), or unset MIXCACHE_ORT_DIR."
  local newest
  newest=$(ort_symbol_versions "$lib" | tail -n1)
  if [ "$newest" != "VERS_${ORT_VERSION}" ]; then
    fail "$lib is ONNX Runtime '${newest#VERS_}' (by its symbol versions), but MixCacheOrt needs ${ORT_VERSION}. Put ONNX Runtime ${ORT_VERSION} in MIXCACHE_ORT_DIR, or unset MIXCACHE_ORT_DIR to let the build download it."
  fi
  echo "$dir"
}

if [ -n "${MIXCACHE_ORT_DIR:-}" ]; then
  check_user_dir "$MIXCACHE_ORT_DIR"
  exit 0
fi

case "$(uname -s)/$(uname -m)" in
  Linux/x86_64) ;;
  *) fail "automatic ONNX Runtime download supports linux-x64 only (this is $(uname -s)/$(uname -m)). Set MIXCACHE_ORT_DIR to a directory containing ONNX Runtime ${ORT_VERSION}." ;;
esac

cache_dir=${1:-${XDG_CACHE_HOME:-$HOME/.cache}/mixcacheort/ort-${ORT_VERSION}}
lib="$cache_dir/$LIB_NAME"

if [ -f "$lib" ] && [ "$(sha256_of "$lib")" = "$ORT_SHA256" ]; then
  echo "$cache_dir"
  exit 0
fi

mkdir -p "$cache_dir" || fail "cannot create the cache directory '$cache_dir'. Set XDG_CACHE_HOME to a writable directory, or MIXCACHE_ORT_DIR to a directory containing ONNX Runtime ${ORT_VERSION}."

# Concurrent builds (several projects, several shells) share the cache: one downloads, the others wait.
exec 9>"$cache_dir/.lock"
flock 9

if [ -f "$lib" ] && [ "$(sha256_of "$lib")" = "$ORT_SHA256" ]; then
  echo "$cache_dir"
  exit 0
fi
if [ -f "$lib" ]; then
  echo "fetch-ort.sh: $lib has the wrong sha256; downloading it again" >&2
  rm -f "$lib"
fi

command -v npm >/dev/null 2>&1 || fail "npm was not found on PATH, and it is needed once to download ONNX Runtime ${ORT_VERSION} (npm pack ${NPM_PACKAGE}). Install Node.js with npm (Debian: apt-get install -y npm), or set MIXCACHE_ORT_DIR to a directory containing ONNX Runtime ${ORT_VERSION}'s libonnxruntime.so.1."

work=$(mktemp -d "$cache_dir/.fetch.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "fetch-ort.sh: downloading ${NPM_PACKAGE} with npm pack (once; cached in $cache_dir)" >&2
if ! (cd "$work" && npm pack "$NPM_PACKAGE" --silent --ignore-scripts >"$work/pack.out" 2>"$work/pack.err"); then
  cat "$work/pack.err" >&2
  fail "'npm pack ${NPM_PACKAGE}' failed (output above). Check that the npm registry is reachable (npm config get registry), or set MIXCACHE_ORT_DIR to a directory containing ONNX Runtime ${ORT_VERSION}."
fi
tarball=$(find "$work" -maxdepth 1 -name 'onnxruntime-node-*.tgz' | head -n1)
[ -n "$tarball" ] || fail "'npm pack ${NPM_PACKAGE}' produced no tarball in $work."

tar -xzf "$tarball" -C "$work" "$TARBALL_ENTRY" 2>"$work/tar.err" \
  || fail "the ${NPM_PACKAGE} tarball has no $TARBALL_ENTRY ($(cat "$work/tar.err")). The package layout changed; set MIXCACHE_ORT_DIR to a directory containing ONNX Runtime ${ORT_VERSION}."

actual=$(sha256_of "$work/$TARBALL_ENTRY")
if [ "$actual" != "$ORT_SHA256" ]; then
  fail "$TARBALL_ENTRY from ${NPM_PACKAGE} has sha256 $actual, expected $ORT_SHA256. The download is corrupt or not the pinned 1.30.0 build: run 'npm cache clean --force' and build again, or set MIXCACHE_ORT_DIR to a trusted ONNX Runtime ${ORT_VERSION} directory."
fi

chmod 0755 "$work/$TARBALL_ENTRY"
touch "$work/$TARBALL_ENTRY"
mv -f "$work/$TARBALL_ENTRY" "$lib"
echo "$cache_dir"
