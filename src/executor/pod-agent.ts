// The in-pod agent: POSIX sh programs (any image with /bin/sh, tar and cp; Argo's emissary is a static binary
// instead) that wrap a step's main container and report through the Kubernetes API, never through the controller:
// - `main` runs as `sh -c MAIN weir-agent N out1..outN argv...`: places the input files (a tar cut into the step's
//   Secrets, mounted at INPUTS_DIR/0, /1, ...: joined in order), writes a script template's source, runs the user's
//   argv unchanged as a child (SIGTERM/SIGINT are passed on: sh is PID 1), then copies the N output paths into the shared volume and writes its report to the
//   termination message (exit code, whether outputs were saved, why a command could not run). The kubelet keeps
//   that message in the pod status, so it survives a controller restart and any lost watch event.
// - `wait` (only when the step has output paths) waits for the saved outputs and prints them as a base64 tar:
//   the executor reads it from the pods/log API of the `wait` container.
// - sidecars run as `sh -c SIDECAR weir-sidecar argv...`, stopped once main has exited.
// Stdout (`result`) and the step's logs are read from the pods/log API of `main`, split by stream.

/** The shared emptyDir volume (agent state, outputs) and where the inputs Secrets are mounted (chunk i at INPUTS_DIR/i). */
export const AGENT_DIR = '/var/run/weir';
export const INPUTS_DIR = '/var/run/weir-inputs';
export const INPUTS_KEY = 'inputs.tar';
export const SCRIPT_FILE = `${AGENT_DIR}/script`;
/** The env var carrying a script template's source (removed before the user's command runs). */
export const SCRIPT_ENV = 'WEIR_SCRIPT_SOURCE';
/** Written to the termination message when the outputs were saved: the wait container will print them. */
export const SAVED_MARK = 'weir-agent: outputs saved';

export const MAIN_SCRIPT = `set -u
d=${AGENT_DIR}
n=$1; shift
i=0
while [ "$i" -lt "$n" ]; do eval "o$i=\\$1"; shift; i=$((i+1)); done
msg=
if [ -f ${INPUTS_DIR}/0/${INPUTS_KEY} ]; then
  i=0
  while [ -f ${INPUTS_DIR}/$i/${INPUTS_KEY} ]; do cat ${INPUTS_DIR}/$i/${INPUTS_KEY}; i=$((i+1)); done | tar -xpf - -C / 2>$d/tar.err || { printf 'weir-agent: cannot place input files: %s' "$(cat $d/tar.err)" >/dev/termination-log; exit 1; }
fi
if [ -n "\${${SCRIPT_ENV}+x}" ]; then
  printf '%s' "$${SCRIPT_ENV}" >${SCRIPT_FILE}
  chmod 755 ${SCRIPT_FILE}
  unset ${SCRIPT_ENV}
  set -- "$@" ${SCRIPT_FILE}
fi
if [ "$1" = python ] && ! command -v python >/dev/null 2>&1 && command -v python3 >/dev/null 2>&1; then
  shift; set -- python3 "$@"
fi
trap 'kill -TERM "$c" 2>/dev/null' TERM
trap 'kill -INT "$c" 2>/dev/null' INT
"$@" <&0 &
c=$!
while :; do
  wait "$c"; rc=$?
  kill -0 "$c" 2>/dev/null || break
done
if [ "$rc" = 127 ] && ! command -v "$1" >/dev/null 2>&1; then msg="$1: command not found"; fi
if [ "$rc" = 126 ] && [ -e "$1" ]; then msg="$1: permission denied"; fi
mkdir -p $d/out
i=0
while [ "$i" -lt "$n" ]; do
  eval "p=\\$o$i"
  if [ -e "$p" ] || [ -L "$p" ]; then cp -a "$p" "$d/out/$i" 2>/dev/null || cp -R "$p" "$d/out/$i" 2>/dev/null; fi
  i=$((i+1))
done
if [ "$n" -gt 0 ]; then : >$d/done; msg="${SAVED_MARK}\${msg:+
$msg}"; fi
printf '%s' "$msg" >/dev/termination-log 2>/dev/null
: >$d/main-exited
exit "$rc"
`;

/**
 * A sidecar runs as `sh -c SIDECAR weir-sidecar argv...`: the user's argv as a child, stopped (SIGTERM, SIGKILL
 * after 10 s) once main has exited, as Argo's wait container kills sidecars; its own exit code does not count.
 */
export const SIDECAR_SCRIPT = `d=${AGENT_DIR}
"$@" <&0 &
c=$!
trap 'kill -TERM "$c" 2>/dev/null' TERM
while [ ! -e $d/main-exited ] && kill -0 "$c" 2>/dev/null; do sleep 0.2; done
kill -TERM "$c" 2>/dev/null
i=0
while kill -0 "$c" 2>/dev/null && [ "$i" -lt 100 ]; do sleep 0.1; i=$((i+1)); done
kill -KILL "$c" 2>/dev/null
exit 0
`;

export const WAIT_SCRIPT = `d=${AGENT_DIR}
trap 'exit 0' TERM
while [ ! -e $d/done ]; do sleep 0.05; done
cd $d/out && tar -cf - . | base64
`;

/** Written to the termination message of a containerSet member skipped because a dependency did not succeed. */
export const OMITTED_MARK = 'weir-agent: omitted';

/**
 * A containerSet member runs as `sh -c DEPS weir-deps NAME OUTCOME N dep1..depN argv...`: it waits for the exit
 * files (`ctr/<dep>.exit` in the shared volume) of the containers it depends on, runs argv (main's agent for the
 * outcome member, else the user's argv) as a child, and writes its own exit file. When a dependency did not
 * succeed, it runs nothing: it reports OMITTED_MARK, writes `omitted` as its exit file (its dependants are skipped
 * too) and, for the outcome member (OUTCOME=1), marks the outputs done so the wait container ends.
 */
export const DEPS_SCRIPT = `d=${AGENT_DIR}
trap 'exit 143' TERM
trap 'exit 130' INT
me=$1; outcome=$2; n=$3; shift 3
mkdir -p $d/ctr
skip=
i=0
while [ "$i" -lt "$n" ]; do
  f=$d/ctr/$1.exit
  while [ ! -e "$f" ]; do sleep 0.05; done
  [ "$(cat "$f")" = 0 ] || skip=1
  shift; i=$((i+1))
done
if [ -n "$skip" ]; then
  printf '%s' '${OMITTED_MARK}' >/dev/termination-log 2>/dev/null
  echo omitted >$d/ctr/$me.tmp && mv $d/ctr/$me.tmp $d/ctr/$me.exit
  if [ "$outcome" = 1 ]; then mkdir -p $d/out; : >$d/done; fi
  exit 0
fi
trap 'kill -TERM "$c" 2>/dev/null' TERM
trap 'kill -INT "$c" 2>/dev/null' INT
"$@" <&0 &
c=$!
while :; do
  wait "$c"; rc=$?
  kill -0 "$c" 2>/dev/null || break
done
echo "$rc" >$d/ctr/$me.tmp && mv $d/ctr/$me.tmp $d/ctr/$me.exit
exit "$rc"
`;
