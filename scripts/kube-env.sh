#!/usr/bin/env bash
# A real Kubernetes control plane for tests: builds kube-apiserver (k8s.io/kubernetes) and etcd (go.etcd.io/etcd)
# from the Go module proxy once per machine (cached by version), then starts them on loopback ports in a temp dir.
#   scripts/kube-env.sh build               build (or find cached) binaries, print their directory
#   scripts/kube-env.sh up [--print-env] [--with-node]
#                                           build if needed, start etcd + kube-apiserver, wait for /readyz; the last
#                                           stdout line is `export KUBECONFIG=<path>` (--print-env adds WEIR_KUBE_* lines);
#                                           --with-node also starts the test node (test/helpers/kube-node.ts, compiled
#                                           in dist/: a Ready Node that runs bound pods with podman)
#   scripts/kube-env.sh down [<state dir>]  stop what `up` started (default: the last `up`)
set -euo pipefail

KUBE_VERSION="${WEIR_KUBE_VERSION:-1.36.3}"
ETCD_VERSION="${WEIR_ETCD_VERSION:-3.6.17}"
CACHE_ROOT="${WEIR_CACHE:-$HOME/.cache/weir}/kube"
BIN_DIR="$CACHE_ROOT/v$KUBE_VERSION-etcd$ETCD_VERSION"
LAST_FILE="$CACHE_ROOT/last-up"

log() { echo "kube-env: $*" >&2; }
die() { echo "kube-env: error: $*" >&2; exit 1; }

go_env() {
  command -v go >/dev/null 2>&1 || export PATH="/usr/local/go/bin:$PATH"
  command -v go >/dev/null 2>&1 || die "go not found (need Go >= 1.24 and the Go module proxy)"
  export GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0
  # Keep a cold build from starving a shared machine: at most 2 compile jobs.
  local cpus; cpus="$(nproc 2>/dev/null || echo 2)"
  export GOMAXPROCS="${WEIR_KUBE_BUILD_PROCS:-$(( cpus < 2 ? cpus : 2 ))}"
}

build_apiserver() {
  local out="$BIN_DIR/kube-apiserver" mod="$CACHE_ROOT/src/kubernetes-$KUBE_VERSION"
  [ -x "$out" ] && return 0
  log "building kube-apiserver v$KUBE_VERSION (cold build: 10-25 minutes on 2 cores, once per machine)"
  mkdir -p "$mod" "$BIN_DIR"
  ( cd "$mod"
    printf 'module weir.local/kubebuild\n\ngo 1.24\n\nrequire k8s.io/kubernetes v%s\n' "$KUBE_VERSION" > go.mod
    local gomod
    gomod="$(go mod download -json "k8s.io/kubernetes@v$KUBE_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')"
    [ -f "$gomod" ] || die "could not download k8s.io/kubernetes@v$KUBE_VERSION from the Go module proxy"
    # Every staging module is `replace k8s.io/x => ./staging/src/k8s.io/x` in kubernetes' go.mod; pin each to v0.X.Y.
    local staging
    staging="$(sed -n 's#^[[:space:]]*\(k8s\.io/[a-z0-9-]*\) => \./staging/src/.*#\1#p' "$gomod")"
    [ -n "$staging" ] || die "no staging modules found in $gomod"
    local minor="0.${KUBE_VERSION#1.}"
    { echo; echo 'replace ('; for m in $staging; do echo "	$m => $m v$minor"; done; echo ')'; } >> go.mod
    local v="k8s.io/component-base/version"
    go build -p "$GOMAXPROCS" -trimpath -o "$out.tmp" \
      -ldflags "-s -X $v.gitVersion=v$KUBE_VERSION -X $v.gitMajor=${KUBE_VERSION%%.*} -X $v.gitMinor=$(echo "$KUBE_VERSION" | cut -d. -f2)" \
      k8s.io/kubernetes/cmd/kube-apiserver
    mv "$out.tmp" "$out" )
}

build_etcd() {
  local out="$BIN_DIR/etcd" mod="$CACHE_ROOT/src/etcd-$ETCD_VERSION"
  [ -x "$out" ] && return 0
  log "building etcd v$ETCD_VERSION"
  mkdir -p "$mod" "$BIN_DIR"
  ( cd "$mod"
    printf 'module weir.local/etcdbuild\n\ngo 1.24\n\nrequire go.etcd.io/etcd/server/v3 v%s\n' "$ETCD_VERSION" > go.mod
    go build -p "$GOMAXPROCS" -trimpath -ldflags=-s -o "$out.tmp" go.etcd.io/etcd/server/v3
    mv "$out.tmp" "$out" )
}

cmd_build() {
  go_env
  build_etcd
  build_apiserver
  "$BIN_DIR/kube-apiserver" --version >&2
  echo "$BIN_DIR"
}

free_port() {
  local p
  for _ in $(seq 1 200); do
    # Below Linux's ephemeral range (32768-60999 by default): a port from it can be taken by any outgoing
    # connection between this check and the server's bind (seen: etcd and kube-apiserver "address already in use").
    p=$(( 20000 + RANDOM % 12000 ))
    ss -Htln "sport = :$p" 2>/dev/null | grep -q . || { echo "$p"; return 0; }
  done
  die "no free loopback port found"
}

make_certs() {
  local d="$1"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=weir-kube-ca" \
    -keyout "$d/ca.key" -out "$d/ca.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=kube-apiserver" -keyout "$d/apiserver.key" -out "$d/apiserver.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n' > "$d/apiserver.ext"
  openssl x509 -req -in "$d/apiserver.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial -days 3650 \
    -extfile "$d/apiserver.ext" -out "$d/apiserver.crt" 2>/dev/null
  openssl genrsa -out "$d/sa.key" 2048 2>/dev/null
  openssl rsa -in "$d/sa.key" -pubout -out "$d/sa.pub" 2>/dev/null
  TOKEN="$(openssl rand -hex 24)"
  printf '%s,weir-admin,weir-admin,"system:masters"\n' "$TOKEN" > "$d/tokens.csv"
  chmod 600 "$d"/*.key "$d/tokens.csv"
}

wait_ready() {
  local url="$1" ca="$2" log="$3" pid="$4" i
  for i in $(seq 1 600); do
    kill -0 "$pid" 2>/dev/null || { tail -n 40 "$log" >&2; die "process $pid exited before $url was ready (log: $log)"; }
    if curl -fsS --cacert "$ca" -H "Authorization: Bearer $TOKEN" "$url" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  tail -n 40 "$log" >&2
  die "timed out waiting for $url (log: $log)"
}

cmd_up() {
  local print_env=0 owner="" with_node=0
  while [ $# -gt 0 ]; do
    case "$1" in
      --print-env) print_env=1 ;;
      --with-node) with_node=1 ;;
      --owner-pid) owner="$2"; shift ;;
      *) die "unknown flag $1" ;;
    esac
    shift
  done
  go_env
  build_etcd >&2
  build_apiserver >&2
  mkdir -p "$CACHE_ROOT"
  local d; d="$(mktemp -d "${TMPDIR:-/tmp}/weir-kube.XXXXXX")"
  UP_DIR="$d"
  trap '[ -n "${UP_DIR:-}" ] && cmd_down "$UP_DIR" >/dev/null 2>&1' EXIT
  make_certs "$d"
  local ep pp ap
  ep="$(free_port)"; pp="$(free_port)"; ap="$(free_port)"
  mkdir -p "$d/etcd"
  setsid "$BIN_DIR/etcd" --name default --data-dir "$d/etcd" --unsafe-no-fsync --log-level warn \
    --listen-client-urls "http://127.0.0.1:$ep" --advertise-client-urls "http://127.0.0.1:$ep" \
    --listen-peer-urls "http://127.0.0.1:$pp" --initial-advertise-peer-urls "http://127.0.0.1:$pp" \
    --initial-cluster "default=http://127.0.0.1:$pp" --listen-metrics-urls "" \
    >"$d/etcd.log" 2>&1 </dev/null &
  local etcd_pid=$!
  echo "$etcd_pid" > "$d/etcd.pid"
  for _ in $(seq 1 120); do
    curl -fsS "http://127.0.0.1:$ep/health" 2>/dev/null | grep -q '"health":"true"' && break
    kill -0 "$etcd_pid" 2>/dev/null || { tail -n 40 "$d/etcd.log" >&2; die "etcd exited (log: $d/etcd.log)"; }
    sleep 0.5
  done
  # Extra kube-apiserver flags from the caller, e.g. --watch-cache-sizes=configmaps#0 (test/store/kubernetes-store.test.ts).
  local extra=()
  read -ra extra <<< "${WEIR_KUBE_APISERVER_ARGS:-}"
  setsid "$BIN_DIR/kube-apiserver" --etcd-servers "http://127.0.0.1:$ep" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$ap" --cert-dir "$d" \
    --tls-cert-file "$d/apiserver.crt" --tls-private-key-file "$d/apiserver.key" --client-ca-file "$d/ca.crt" \
    --token-auth-file "$d/tokens.csv" --authorization-mode RBAC \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$d/sa.pub" --service-account-signing-key-file "$d/sa.key" \
    --service-cluster-ip-range 10.96.0.0/16 --enable-priority-and-fairness=false \
    --endpoint-reconciler-type none --feature-gates PodLogsQuerySplitStreams=true --v 1 ${extra[@]+"${extra[@]}"} \
    >"$d/apiserver.log" 2>&1 </dev/null &
  local api_pid=$!
  echo "$api_pid" > "$d/apiserver.pid"
  local server="https://127.0.0.1:$ap"
  wait_ready "$server/readyz" "$d/ca.crt" "$d/apiserver.log" "$api_pid"
  cat > "$d/kubeconfig" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
- name: weir-kube
  cluster:
    server: $server
    certificate-authority: $d/ca.crt
users:
- name: weir-admin
  user:
    token: $TOKEN
contexts:
- name: weir-kube
  context:
    cluster: weir-kube
    user: weir-admin
    namespace: default
current-context: weir-kube
KUBECONFIG
  chmod 600 "$d/kubeconfig"
  if [ "$with_node" = 1 ]; then start_node "$d"; fi
  echo "$d" > "$LAST_FILE"
  if [ -n "$owner" ]; then
    # Stop the control plane when the owning process goes away, however it ends.
    setsid bash -c 'while kill -0 "$1" 2>/dev/null && [ -d "$2" ]; do sleep 2; done; exec bash "$3" down "$2"' \
      _ "$owner" "$d" "$0" >/dev/null 2>&1 </dev/null &
  fi
  UP_DIR=""
  log "API server ready at $server (state: $d)"
  if [ "$print_env" = 1 ]; then
    echo "export WEIR_KUBE_DIR=$d"
    echo "export WEIR_KUBE_SERVER=$server"
    echo "export WEIR_KUBE_PIDS='$etcd_pid $api_pid'"
    echo "export WEIR_ETCD_URL=http://127.0.0.1:$ep"
    echo "export WEIR_KUBE_BIN=$BIN_DIR"
  fi
  echo "export KUBECONFIG=$d/kubeconfig"
}

start_node() {
  local d="$1" main
  main="$(cd "$(dirname "$0")/.." && pwd)/dist/test/helpers/kube-node-main.js"
  [ -f "$main" ] || die "test node not built: $main (run npx tsc -p tsconfig.json)"
  setsid "${WEIR_NODE_BIN:-node}" "$main" --kubeconfig "$d/kubeconfig" --kube-dir "$d" >"$d/node.log" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" > "$d/node.pid"
  for _ in $(seq 1 240); do
    grep -q ' ready$' "$d/node.log" 2>/dev/null && { log "test node ready (log: $d/node.log)"; return 0; }
    kill -0 "$pid" 2>/dev/null || { tail -n 40 "$d/node.log" >&2; die "test node exited (log: $d/node.log)"; }
    sleep 0.25
  done
  die "timed out waiting for the test node (log: $d/node.log)"
}

stop_pid() {
  local pid="$1" i
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}

cmd_down() {
  local d="${1:-}"
  [ -n "$d" ] || d="$(cat "$LAST_FILE" 2>/dev/null || true)"
  [ -n "$d" ] && [ -d "$d" ] || { log "nothing to stop"; return 0; }
  [ -f "$d/kubeconfig" ] || [ -f "$d/etcd.pid" ] || die "$d is not a kube-env state directory"
  local f
  for f in node apiserver etcd; do
    [ -f "$d/$f.pid" ] && stop_pid "$(cat "$d/$f.pid")"
  done
  rm -rf "$d"
  [ "$(cat "$LAST_FILE" 2>/dev/null || true)" = "$d" ] && rm -f "$LAST_FILE"
  log "stopped ($d)"
}

case "${1:-}" in
  build) cmd_build ;;
  up) shift; cmd_up "$@" ;;
  down) shift; cmd_down "$@" ;;
  *) die "usage: $0 build | up [--print-env] [--with-node] [--owner-pid PID] | down [<state dir>]" ;;
esac
