#!/usr/bin/env bash
# Prepares this machine for Weir's container executor (idempotent): installs podman, runc, netavark, iptables,
# busybox-static and mmdebstrap from Debian when missing, and writes /etc/containers/containers.conf with the
# settings these machines need (runc, cgroupfs, ulimits, netavark) only when it is absent or different.
# Usage: scripts/container-env.sh [--check]   (--check: report what would change, change nothing; exit 1 if anything would)
set -euo pipefail

conf=${WEIR_CONTAINERS_CONF:-/etc/containers/containers.conf}
want=$(cat <<'CONF'
# Written by Weir's scripts/container-env.sh: podman settings for machines without systemd or crun.
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"

[network]
network_backend = "netavark"
CONF
)
check=0
[ "${1:-}" = "--check" ] && check=1
changes=0

need=()
command -v podman >/dev/null 2>&1 || need+=(podman)
command -v runc >/dev/null 2>&1 || [ -x /usr/sbin/runc ] || need+=(runc)
[ -x /usr/lib/podman/netavark ] || need+=(netavark)
command -v iptables >/dev/null 2>&1 || [ -x /usr/sbin/iptables ] || need+=(iptables)
dpkg -s busybox-static >/dev/null 2>&1 || need+=(busybox-static)
command -v mmdebstrap >/dev/null 2>&1 || need+=(mmdebstrap)
if [ "${#need[@]}" -gt 0 ]; then
  changes=1
  if [ "$check" = 1 ]; then echo "would install: ${need[*]}"
  else
    echo "installing: ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${need[@]}"
  fi
fi

if [ ! -f "$conf" ] || [ "$(cat "$conf")" != "$want" ]; then
  changes=1
  if [ "$check" = 1 ]; then echo "would write $conf"
  else
    mkdir -p "$(dirname "$conf")"
    [ -f "$conf" ] && cp "$conf" "$conf.weir-backup"
    printf '%s\n' "$want" > "$conf.tmp" && mv "$conf.tmp" "$conf"
    echo "wrote $conf"
  fi
fi
if [ "$check" = 1 ]; then exit "$changes"; fi
exit 0
