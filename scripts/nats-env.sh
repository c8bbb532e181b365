#!/usr/bin/env bash
# A newer nats-server for the JetStream bus's fast-ingest batch publishing (nats-server 2.14+, stream `allow_batched`):
# Debian's nats-server (2.9.10) has none. Builds github.com/nats-io/nats-server/v2 from the Go module proxy once per
# machine (cached by version), the same way scripts/kube-env.sh builds kube-apiserver and etcd.
#   scripts/nats-env.sh build   build (or find cached) the binary, print its path
#   scripts/nats-env.sh path    print the cached binary's path (exit 1 when it is not built)
# Use it with WEIR_NATS_SERVER=<path> (tests) or WEIR_BENCH_NATS_SERVER=<path> (bench).
set -euo pipefail

NATS_VERSION="${WEIR_NATS_VERSION:-2.15.3}"
CACHE_ROOT="${WEIR_CACHE:-$HOME/.cache/weir}/nats"
OUT="$CACHE_ROOT/v$NATS_VERSION/nats-server"

log() { echo "nats-env: $*" >&2; }
die() { echo "nats-env: error: $*" >&2; exit 1; }

cmd_build() {
  if [ ! -x "$OUT" ]; then
    command -v go >/dev/null 2>&1 || export PATH="/usr/local/go/bin:$PATH"
    command -v go >/dev/null 2>&1 || die "go not found (need Go >= 1.25 and the Go module proxy)"
    export GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0
    local cpus; cpus="$(nproc 2>/dev/null || echo 2)"
    export GOMAXPROCS="${WEIR_NATS_BUILD_PROCS:-$(( cpus < 2 ? cpus : 2 ))}"
    local mod="$CACHE_ROOT/src/nats-server-$NATS_VERSION"
    log "building nats-server v$NATS_VERSION (a few minutes, once per machine)"
    mkdir -p "$mod" "$(dirname "$OUT")"
    ( cd "$mod"
      printf 'module weir.local/natsbuild\n\ngo 1.25\n\nrequire github.com/nats-io/nats-server/v2 v%s\n' "$NATS_VERSION" > go.mod
      go build -p "$GOMAXPROCS" -trimpath -ldflags=-s -o "$OUT.tmp" github.com/nats-io/nats-server/v2
      mv "$OUT.tmp" "$OUT" )
  fi
  "$OUT" --version >&2
  echo "$OUT"
}

case "${1:-}" in
  build) cmd_build ;;
  path) [ -x "$OUT" ] || die "nats-server v$NATS_VERSION is not built (scripts/nats-env.sh build)"; echo "$OUT" ;;
  *) die "usage: $0 build | path" ;;
esac
