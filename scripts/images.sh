#!/usr/bin/env bash
# Builds Weir's local stand-ins for the container images Argo's examples use, without any registry: a busybox
# rootfs (Debian's busybox-static) for busybox/alpine/argosay, and a Debian rootfs with python3 (mmdebstrap over
# apt's configured sources) for debian/ubuntu/python/whalesay. podman's image store is the cache: an image whose
# `weir.recipe` label matches this recipe's hash is kept. Idempotent. Usage: scripts/images.sh [--force] [--list]
set -euo pipefail
cd "$(dirname "$0")/.."
force=0
case "${1:-}" in
  --force) force=1 ;;
  --list) list=1 ;;
esac

# Names Argo's examples use, fully qualified as Docker resolves short names.
BUSYBOX_TAGS="docker.io/library/busybox:latest docker.io/library/busybox:1.36"
ALPINE_TAGS="docker.io/library/alpine:latest docker.io/library/alpine:3.23 docker.io/library/alpine:3.22 docker.io/library/alpine:3.21 docker.io/library/alpine:3.20 docker.io/library/alpine:3.19 docker.io/library/alpine:3.18 docker.io/library/alpine:3.7 docker.io/library/alpine:3.6"
ARGOSAY_TAGS="docker.io/argoproj/argosay:v2 docker.io/argoproj/argosay:v1"
DEBIAN_TAGS="docker.io/library/debian:latest docker.io/library/debian:bookworm docker.io/library/debian:9.4 docker.io/library/ubuntu:latest docker.io/library/ubuntu:22.04 docker.io/library/ubuntu:24.04"
PYTHON_TAGS="docker.io/library/python:3 docker.io/library/python:3.13 docker.io/library/python:3.12 docker.io/library/python:3.11 docker.io/library/python:3.10 docker.io/library/python:3.9 docker.io/library/python:3.8 docker.io/library/python:3.7 docker.io/library/python:3.6 docker.io/library/python:alpine docker.io/library/python:alpine3.23 docker.io/library/python:alpine3.22 docker.io/library/python:alpine3.21 docker.io/library/python:alpine3.20 docker.io/library/python:alpine3.7 docker.io/library/python:3.8-alpine docker.io/library/python:3.12-alpine"
WHALESAY_TAGS="docker.io/docker/whalesay:latest"
# Service and tool images of Argo's daemon/sidecar/script examples, from one Debian rootfs with the tools installed.
CURL_TAGS="docker.io/curlimages/curl:latest docker.io/appropriate/curl:latest"
NGINX_TAGS="docker.io/library/nginx:latest docker.io/library/nginx:1.13"
INFLUXDB_TAGS="docker.io/library/influxdb:latest docker.io/library/influxdb:1.2"
NODE_TAGS="docker.io/library/node:latest docker.io/library/node:9.1-alpine"
TEST_TAGS="localhost/weir-test/entrypoint:1"
if [ "${list:-0}" = 1 ]; then
  for t in $BUSYBOX_TAGS $ALPINE_TAGS $ARGOSAY_TAGS $DEBIAN_TAGS $PYTHON_TAGS $WHALESAY_TAGS $CURL_TAGS $NGINX_TAGS $INFLUXDB_TAGS $NODE_TAGS $TEST_TAGS; do echo "$t"; done
  exit 0
fi
command -v podman >/dev/null || { echo "images: podman is not installed (run scripts/container-env.sh)" >&2; exit 1; }
# One listing of the images built here (tag and recipe label), read by have(): one podman call instead of one per
# group plus `podman info` (this script runs at the start of every container and pod test process).
if ! built=$(podman images --filter label=weir.recipe --format '{{.Repository}}:{{.Tag}} {{index .Labels "weir.recipe"}}' 2>/dev/null); then
  echo "images: podman does not work here: $(podman info 2>&1 | tail -1) (run scripts/container-env.sh)" >&2
  exit 1
fi

bb=/bin/busybox
[ -x "$bb" ] && file_is_static=$(ldd "$bb" 2>&1 | grep -c "not a dynamic" || true) || file_is_static=0
[ "$file_is_static" = 1 ] || { echo "images: $bb is not a static busybox (install busybox-static)" >&2; exit 1; }
sources=$(ls /etc/apt/sources.list.d/*.sources 2>/dev/null | xargs -r grep -l 'debian' | head -1 || true)
[ -n "$sources" ] || sources=/etc/apt/sources.list
suite=bookworm

# One recipe hash per image group (what the group is built from, plus a version to bump when its recipe changes),
# so changing one group rebuilds only that group.
bbsum=$(sha256sum "$bb" | cut -c1-64)
hash() { printf '%s' "$*" | sha256sum | cut -c1-16; }
recipe_bb=$(hash busybox-v1 "$bbsum")
recipe_argosay=$(hash argosay-v2 "$bbsum" "$(cat images/bin/argosay)" "$(cat images/bin/cowsay)")
recipe_debian=$(hash debian-v1 "$suite" "$(cat "$sources")" "$(cat images/bin/cowsay)")
recipe_test=$(hash weir-test-v1 "$bbsum")
tools_pkgs="curl ca-certificates nginx-light influxdb nodejs"
recipe_tools=$(hash tools-v2 "$suite" "$(cat "$sources")" "$tools_pkgs" "$(cat images/nginx.conf)" "$bbsum")
work=$(mktemp -d /tmp/weir-images-XXXXXX)
trap 'rm -rf "$work"' EXIT

have() { # have RECIPE IMAGE...: every image exists with this recipe label
  local recipe=$1; shift
  [ "$force" = 0 ] || return 1
  local current=$'\n'"$built"$'\n'
  for t in "$@"; do [[ "$current" == *$'\n'"$t $recipe"$'\n'* ]] || return 1; done
}
tag_all() { local id=$1; shift; for t in "$@"; do podman tag "$id" "$t"; done; }

busybox_rootfs() { # busybox_rootfs DIR: every applet linked in /bin, users, /tmp
  local d=$1
  mkdir -p "$d"/{bin,sbin,usr/bin,usr/sbin,usr/local/bin,etc,tmp,root,home,var/tmp,proc,sys,dev}
  chmod 1777 "$d/tmp" "$d/var/tmp"
  cp "$bb" "$d/bin/busybox"
  for a in $("$bb" --list); do [ -e "$d/bin/$a" ] || ln -s busybox "$d/bin/$a"; done
  ln -sf ../../bin/env "$d/usr/bin/env"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$d/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' > "$d/etc/group"
}

import() { # import RECIPE DIR_OR_TAR CHANGES... -- TAGS...
  local recipe=$1 src=$2; shift 2
  local changes=()
  while [ "$1" != -- ]; do changes+=(--change "$1"); shift; done
  shift
  local id
  if [ -d "$src" ]; then id=$(tar -C "$src" -c . | podman import -q "${changes[@]}" --change "LABEL weir.recipe=$recipe" - "$1")
  else id=$(podman import -q "${changes[@]}" --change "LABEL weir.recipe=$recipe" "$src" "$1"); fi
  tag_all "$id" "$@"
  echo "images: built $*"
}

if ! have "$recipe_bb" $BUSYBOX_TAGS $ALPINE_TAGS; then
  busybox_rootfs "$work/bb"
  import "$recipe_bb" "$work/bb" 'CMD ["sh"]' -- $BUSYBOX_TAGS $ALPINE_TAGS
fi
if ! have "$recipe_argosay" $ARGOSAY_TAGS; then
  busybox_rootfs "$work/argosay"
  cp images/bin/argosay "$work/argosay/argosay"
  chmod 755 "$work/argosay/argosay"
  ln -s /argosay "$work/argosay/usr/local/bin/argosay"
  # Argo's examples also call `cowsay` in argosay:v1 containers.
  cp images/bin/cowsay "$work/argosay/usr/local/bin/cowsay"
  chmod 755 "$work/argosay/usr/local/bin/cowsay"
  import "$recipe_argosay" "$work/argosay" 'ENTRYPOINT ["/argosay"]' -- $ARGOSAY_TAGS
fi
if ! have "$recipe_debian" $DEBIAN_TAGS $PYTHON_TAGS $WHALESAY_TAGS; then
  recipe=$recipe_debian
  command -v mmdebstrap >/dev/null || { echo "images: mmdebstrap is not installed (run scripts/container-env.sh)" >&2; exit 1; }
  echo "images: mmdebstrap $suite with python3 (about a minute)"
  mmdebstrap --quiet --variant=minbase --include=python3,python-is-python3 --aptopt='APT::Install-Recommends "false"' \
    --customize-hook='rm -rf "$1"/var/cache/apt/* "$1"/var/lib/apt/lists/*' "$suite" "$work/debian.tar" "$sources"
  import "$recipe" "$work/debian.tar" 'CMD ["bash"]' 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' -- $DEBIAN_TAGS
  base=$(echo $DEBIAN_TAGS | cut -d' ' -f1)
  printf 'FROM %s\nCMD ["python3"]\nLABEL weir.recipe=%s\n' "$base" "$recipe" > "$work/Containerfile.python"
  id=$(podman build -q --pull=never -f "$work/Containerfile.python" "$work")
  tag_all "$id" $PYTHON_TAGS
  echo "images: built $PYTHON_TAGS"
  mkdir -p "$work/whalesay"
  cp images/bin/cowsay "$work/whalesay/cowsay"
  printf 'FROM %s\nCOPY cowsay /usr/local/bin/cowsay\nRUN chmod 755 /usr/local/bin/cowsay\nCMD ["/bin/bash"]\nLABEL weir.recipe=%s\n' "$base" "$recipe" > "$work/whalesay/Containerfile"
  id=$(podman build -q --pull=never "$work/whalesay")
  tag_all "$id" $WHALESAY_TAGS
  echo "images: built $WHALESAY_TAGS"
fi
if ! have "$recipe_tools" $CURL_TAGS $NGINX_TAGS $INFLUXDB_TAGS $NODE_TAGS; then
  recipe=$recipe_tools
  command -v mmdebstrap >/dev/null || { echo "images: mmdebstrap is not installed (run scripts/container-env.sh)" >&2; exit 1; }
  echo "images: mmdebstrap $suite with $tools_pkgs (a few minutes)"
  # Steps run with every capability dropped: nginx gets a config that needs none (images/nginx.conf: one process,
  # user root, logs to stdout/stderr), influxd's data dir belongs to root, and nothing is started by maintainer scripts.
  cp images/nginx.conf "$work/nginx.conf"
  mmdebstrap --quiet --variant=minbase --include="${tools_pkgs// /,}" --aptopt='APT::Install-Recommends "false"' \
    --customize-hook='rm -rf "$1"/var/cache/apt/* "$1"/var/lib/apt/lists/*' \
    --customize-hook="cp $work/nginx.conf \"\$1/etc/nginx/nginx.conf\"" \
    --customize-hook='chown -R 0:0 "$1"/var/lib/influxdb "$1"/var/lib/nginx "$1"/var/log/nginx' \
    "$suite" "$work/tools.tar" "$sources"
  import "$recipe" "$work/tools.tar" 'CMD ["bash"]' 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' -- localhost/weir-tools:base
  cp "$bb" "$work/busybox"
  derive() { # derive SHELL CMD TAGS...: the tools rootfs with its own CMD; SHELL busybox: /bin/sh is BusyBox's ash
    local sh=$1 cmd=$2; shift 2
    {
      echo "FROM localhost/weir-tools:base"
      [ "$sh" = busybox ] && printf 'COPY busybox /bin/busybox\nRUN ["/bin/busybox", "ln", "-sf", "busybox", "/bin/sh"]\n'
      printf 'CMD %s\nLABEL weir.recipe=%s\n' "$cmd" "$recipe"
    } > "$work/Containerfile.tools"
    tag_all "$(podman build -q --pull=never -f "$work/Containerfile.tools" "$work")" "$@"
    echo "images: built $*"
  }
  # curl and node stand in for Alpine images: their /bin/sh is BusyBox's ash (Debian's dash refuses `>& FILE`).
  derive busybox '["curl"]' $CURL_TAGS
  derive dash '["nginx", "-g", "daemon off;"]' $NGINX_TAGS
  derive dash '["influxd"]' $INFLUXDB_TAGS
  derive busybox '["node"]' $NODE_TAGS
  podman untag localhost/weir-tools:base
fi
# Weir's own test image: ENTRYPOINT, CMD and WORKDIR that the container executor's tests check.
if ! have "$recipe_test" $TEST_TAGS; then
  busybox_rootfs "$work/test"
  mkdir -p "$work/test/srv/app"
  import "$recipe_test" "$work/test" 'ENTRYPOINT ["/bin/sh", "-c", "echo \"entry:$*\"; pwd", "entry"]' 'CMD ["from-cmd"]' 'WORKDIR /srv/app' -- $TEST_TAGS
fi
echo "images: up to date"
