#!/usr/bin/env bash
# A real Kubernetes control plane for tests: builds kube-apiserver (k8s.io/kubernetes) and etcd (go.etcd.io/etcd)
# from the Go module proxy once per machine (cached by version), then starts them on loopback ports in a temp dir.
#   scripts/kube-env.sh build               build (or find cached) binaries, print their directory
#   scripts/kube-env.sh up [--print-env] [--crds] [--with-node]
#                                           build if needed, start etcd + kube-apiserver, wait for /readyz; the last
#                                           stdout line is `export KUBECONFIG=<path>` (--print-env adds WEIR_KUBE_* lines);
#                                           --crds starts etcd from a copy of the CRD seed (crds/ applied by kubectl
#                                           once per content of crds/, see ensure_seed) and waits until they are served;
#                                           --with-node also starts the test node (test/helpers/kube-node.ts, compiled
#                                           in dist/: a Ready Node that runs bound pods with podman)
#   scripts/kube-env.sh down [<state dir>]  stop what `up` started (default: the last `up`)
set -euo pipefail

KUBE_VERSION="${WEIR_KUBE_VERSION:-1.36.3}"
ETCD_VERSION="${WEIR_ETCD_VERSION:-3.6.17}"
CACHE_ROOT="${WEIR_CACHE:-$HOME/.cache/weir}/kube"
BIN_DIR="$CACHE_ROOT/v$KUBE_VERSION-etcd$ETCD_VERSION"
LAST_FILE="$CACHE_ROOT/last-up"
REPO="$(cd "$(dirname "$0")/.." && pwd)"
UP_DIR="" SEED_DIR=""

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

# Elapsed seconds (one decimal) since $1, an $EPOCHREALTIME value.
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

make_certs() {
  # P-256 keys: generating three RSA-2048 keys took ~2 s of a loaded machine per start; EC keys take milliseconds.
  local d="$1" ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1)
  openssl req -x509 "${ec[@]}" -nodes -days 3650 -subj "/CN=weir-kube-ca" -keyout "$d/ca.key" -out "$d/ca.crt" 2>/dev/null
  openssl req "${ec[@]}" -nodes -subj "/CN=kube-apiserver" -keyout "$d/apiserver.key" -out "$d/apiserver.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n' > "$d/apiserver.ext"
  openssl x509 -req -in "$d/apiserver.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial -days 3650 \
    -extfile "$d/apiserver.ext" -out "$d/apiserver.crt" 2>/dev/null
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out "$d/sa.key" 2>/dev/null
  openssl pkey -in "$d/sa.key" -pubout -out "$d/sa.pub" 2>/dev/null
  [ -s "$d/apiserver.crt" ] && [ -s "$d/sa.pub" ] || die "openssl could not make the certificates in $d"
  TOKEN="$(openssl rand -hex 24)"
  printf '%s,weir-admin,weir-admin,"system:masters"\n' "$TOKEN" > "$d/tokens.csv"
  chmod 600 "$d"/*.key "$d/tokens.csv"
}

# wait_until SECONDS LOG PID WHAT CMD...: runs CMD every 0.1 s until it succeeds; fails when PID exits or on timeout.
wait_until() {
  local limit="$1" log="$2" pid="$3" what="$4" end
  shift 4
  end=$(( SECONDS + limit ))
  until "$@" >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || { tail -n 40 "$log" >&2; die "process $pid exited before $what (log: $log)"; }
    [ "$SECONDS" -lt "$end" ] || { tail -n 40 "$log" >&2; die "timed out after ${limit}s waiting for $what (log: $log)"; }
    sleep 0.1
  done
}

api_get() { curl -fsS --cacert "$CA" -H "Authorization: Bearer $TOKEN" "$SERVER$1"; }
# (Output is matched in a variable, not by `| grep -q`: with pipefail, grep's early exit fails curl with EPIPE.)
etcd_healthy() { local h; h="$(curl -fsS "$1/health")" && [[ "$h" == *'"health":"true"'* ]]; }

# start_etcd DIR: etcd on free ports with its data in DIR/etcd (kept if it exists: a copy of the CRD seed).
start_etcd() {
  local d="$1" pp
  EP="$(free_port)"; pp="$(free_port)"
  mkdir -p "$d/etcd"
  setsid "$BIN_DIR/etcd" --name default --data-dir "$d/etcd" --unsafe-no-fsync --log-level warn \
    --listen-client-urls "http://127.0.0.1:$EP" --advertise-client-urls "http://127.0.0.1:$EP" \
    --listen-peer-urls "http://127.0.0.1:$pp" --initial-advertise-peer-urls "http://127.0.0.1:$pp" \
    --initial-cluster "default=http://127.0.0.1:$pp" --listen-metrics-urls "" \
    >"$d/etcd.log" 2>&1 </dev/null &
  ETCD_PID=$!
  echo "$ETCD_PID" > "$d/etcd.pid"
}

# The API server's flags; part of the CRD seed's cache key (declare -f), so changing them makes a new seed.
start_apiserver() {
  local d="$1" ap
  ap="$(free_port)"
  SERVER="https://127.0.0.1:$ap"
  CA="$d/ca.crt"
  # Extra kube-apiserver flags from the caller, e.g. --watch-cache-sizes=configmaps#0 (test/store/kubernetes-store.test.ts).
  local extra=()
  read -ra extra <<< "${WEIR_KUBE_APISERVER_ARGS:-}"
  setsid "$BIN_DIR/kube-apiserver" --etcd-servers "http://127.0.0.1:$EP" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$ap" --cert-dir "$d" \
    --tls-cert-file "$d/apiserver.crt" --tls-private-key-file "$d/apiserver.key" --client-ca-file "$d/ca.crt" \
    --token-auth-file "$d/tokens.csv" --authorization-mode RBAC \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$d/sa.pub" --service-account-signing-key-file "$d/sa.key" \
    --service-cluster-ip-range 10.96.0.0/16 --enable-priority-and-fairness=false \
    --endpoint-reconciler-type none --feature-gates PodLogsQuerySplitStreams=true --v 1 ${extra[@]+"${extra[@]}"} \
    >"$d/apiserver.log" 2>&1 </dev/null &
  API_PID=$!
  echo "$API_PID" > "$d/apiserver.pid"
}

write_kubeconfig() {
  local d="$1"
  cat > "$d/kubeconfig" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
- name: weir-kube
  cluster:
    server: $SERVER
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
}

# control_plane DIR: certificates, etcd (on DIR/etcd, which may already hold data) and the API server, up to /readyz.
# The API server starts at once: it retries etcd until it answers, so etcd's start-up is not waited for twice.
control_plane() {
  local d="$1" t0="$EPOCHREALTIME" t
  make_certs "$d"
  log "certificates: $(since "$t0") s"
  t="$EPOCHREALTIME"
  start_etcd "$d"
  start_apiserver "$d"
  wait_until 60 "$d/etcd.log" "$ETCD_PID" "etcd at http://127.0.0.1:$EP" etcd_healthy "http://127.0.0.1:$EP"
  log "etcd healthy: $(since "$t") s"
  wait_until 300 "$d/apiserver.log" "$API_PID" "$SERVER/readyz" api_get /readyz
  log "API server ready: $(since "$t") s"
  write_kubeconfig "$d"
}

# What the CRD seed is made from: the binaries' versions, the API server's flags and every file of crds/.
seed_key() {
  { echo "weir-kube-seed-v2 $KUBE_VERSION $ETCD_VERSION"
    declare -f start_apiserver
    (cd "$REPO/crds" && find . -type f | LC_ALL=C sort | xargs sha256sum)
  } | sha256sum | cut -c1-16
}

# served_crds: every CRD of the seed (crds.txt: `group version plural` lines) is listed by discovery and served.
served_crds() {
  local group version plural found
  while read -r group version plural; do
    found="$(api_get "/apis/$group/$version")" && [[ "$found" =~ \"name\":[[:space:]]*\"$plural\" ]] || return 1
    api_get "/apis/$group/$version/$plural?limit=1" >/dev/null || return 1
  done < "$1"
}

# ensure_seed: the etcd data dir of a control plane that has crds/ applied (kubectl apply --server-side -k crds/,
# every CRD Established), made once per seed_key and kept in $CACHE_ROOT/seed-<key>. A test process starts from a
# copy of it instead of applying ~6 MB of CRDs (the slowest part of a start). One maker at a time (flock); the
# others wait and use its result. A failure to make it fails the `up`.
ensure_seed() {
  SEED="$CACHE_ROOT/seed-$(seed_key)"
  [ -f "$SEED/ok" ] && { touch "$SEED/ok"; return 0; }
  exec 9>"$CACHE_ROOT/seed.lock"
  flock 9
  if [ -f "$SEED/ok" ]; then exec 9>&-; return 0; fi
  command -v kubectl >/dev/null 2>&1 || die "kubectl not found (needed to install crds/)"
  local t0="$EPOCHREALTIME" s
  s="$(mktemp -d "${TMPDIR:-/tmp}/weir-kube-seed.XXXXXX")"
  SEED_DIR="$s"
  log "making the CRD seed $SEED (once per change of crds/)"
  control_plane "$s"
  local kc=(kubectl --kubeconfig "$s/kubeconfig")
  "${kc[@]}" apply --server-side --field-manager weir-tests -k "$REPO/crds" >&2 || die "kubectl apply -k crds/ failed"
  "${kc[@]}" wait --for condition=Established --timeout 300s crd --all >&2 || die "the CRDs did not become Established"
  "${kc[@]}" get crd -o jsonpath='{range .items[*]}{.spec.group} {.spec.versions[0].name} {.spec.names.plural}{"\n"}{end}' \
    > "$s/crds.txt" || die "could not list the CRDs"
  [ -s "$s/crds.txt" ] || die "no CRDs after kubectl apply -k crds/"
  wait_until 120 "$s/apiserver.log" "$API_PID" "the CRDs to be served" served_crds "$s/crds.txt"
  # A clean stop, so the data dir is consistent: the API server first, then etcd. Before, etcd's history is
  # compacted and its file defragmented (each CRD status update kept a ~1.5 MB revision: 71 MB before, a few after).
  stop_pid "$API_PID" 300
  local e="http://127.0.0.1:$EP" rev
  rev="$(curl -fsS -X POST "$e/v3/kv/range" -d '{"key":"AA=="}' | sed -n 's/.*"revision":"\([0-9]*\)".*/\1/p')"
  [ -n "$rev" ] || die "etcd answered no revision"
  curl -fsS -X POST "$e/v3/kv/compaction" -d "{\"revision\":\"$rev\",\"physical\":true}" >/dev/null || die "etcd compaction failed"
  curl -fsS -X POST "$e/v3/maintenance/defragment" -d '{}' >/dev/null || die "etcd defragment failed"
  stop_pid "$ETCD_PID" 300
  local tmp="$SEED.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  cp -a "$s/etcd" "$tmp/etcd"
  cp "$s/crds.txt" "$tmp/crds.txt"
  touch "$tmp/ok"
  mv -T "$tmp" "$SEED"
  cmd_down "$s" >/dev/null 2>&1
  SEED_DIR=""
  # Seeds of other crds/ or versions unused for two days (each is a few MB; other checkouts may still use theirs).
  local o
  for o in "$CACHE_ROOT"/seed-*/ok; do
    if [ "$o" != "$SEED/ok" ] && [ -n "$(find "$o" -mtime +1 2>/dev/null)" ]; then rm -rf "${o%/ok}"; fi
  done
  exec 9>&-
  log "CRD seed made in $(since "$t0") s"
}

cmd_up() {
  local print_env=0 owner="" with_node=0 crds=0
  while [ $# -gt 0 ]; do
    case "$1" in
      --print-env) print_env=1 ;;
      --with-node) with_node=1 ;;
      --crds) crds=1 ;;
      --owner-pid) owner="$2"; shift ;;
      *) die "unknown flag $1" ;;
    esac
    shift
  done
  go_env
  build_etcd >&2
  build_apiserver >&2
  mkdir -p "$CACHE_ROOT"
  trap 'cleanup_up' EXIT
  [ "$crds" = 0 ] || ensure_seed
  local d; d="$(mktemp -d "${TMPDIR:-/tmp}/weir-kube.XXXXXX")"
  UP_DIR="$d"
  [ "$crds" = 0 ] || cp -a "$SEED/etcd" "$d/etcd"
  control_plane "$d"
  local etcd_pid="$ETCD_PID" api_pid="$API_PID" server="$SERVER" ep="$EP" t="$EPOCHREALTIME"
  if [ "$crds" = 1 ]; then
    wait_until 120 "$d/apiserver.log" "$api_pid" "the seed's CRDs to be served" served_crds "$SEED/crds.txt"
    log "CRDs (from the seed) served: $(since "$t") s"
  fi
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
  main="$REPO/dist/test/helpers/kube-node-main.js"
  [ -f "$main" ] || die "test node not built: $main (run npx tsc -p tsconfig.json)"
  setsid "${WEIR_NODE_BIN:-node}" "$main" --kubeconfig "$d/kubeconfig" --kube-dir "$d" >"$d/node.log" 2>&1 </dev/null &
  local pid=$! t="$EPOCHREALTIME"
  echo "$pid" > "$d/node.pid"
  wait_until 120 "$d/node.log" "$pid" "the test node" grep -q ' ready$' "$d/node.log"
  log "test node ready: $(since "$t") s (log: $d/node.log)"
}

# stop_pid PID [TENTHS]: SIGTERM, then SIGKILL if it still runs after TENTHS tenths of a second (default 50).
stop_pid() {
  local pid="$1" i
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 1 "${2:-50}"); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}

# On any exit of `up` before it succeeded: stop what it started (its state dir, a half-made seed).
cleanup_up() {
  if [ -n "$UP_DIR" ]; then cmd_down "$UP_DIR" >/dev/null 2>&1; fi
  if [ -n "$SEED_DIR" ]; then cmd_down "$SEED_DIR" >/dev/null 2>&1; fi
  return 0
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
  *) die "usage: $0 build | up [--print-env] [--crds] [--with-node] [--owner-pid PID] | down [<state dir>]" ;;
esac
