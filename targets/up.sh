#!/usr/bin/env bash
# Set up (once) and start both real targets, real-neutron and real-nova.
# Idempotent: setup.sh returns at once when the venv matches requirements.lock,
# and a target that is already running is left running (its READY lines are
# printed again from its target.json; its ids are unchanged).
# Works from any directory.  Prints "READY ..." lines; exits non-zero on failure.
#   usage: targets/up.sh [--check]      (--check: also run both check.sh)
# Optional environment:
#   NEUTRON_STATE_DIR, NOVA_STATE_DIR    state dirs (default: <target>/state)
#   RELEASE                              OpenStack release (default: the newest in releases/)
#   NEUTRON_VENV, NOVA_VENV              venvs (default: <target>/.venv-RELEASE)
#   NEUTRON_PORT, NOVA_PORT, NOVA_NETWORK_PORT   fixed ports (default: any free port)
#   PYTHON                               interpreter for creating the venvs
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CHECK=0
case "${1:-}" in
  --check) CHECK=1 ;;
  "") ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac
unset STATE_DIR TARGET_VENV   # each target gets its own, below
. "$HERE/lib/release.sh"
export RELEASE

# Each target gets its own STATE_DIR and TARGET_VENV (see start.sh and setup.sh).
run_in() {  # run_in TARGET COMMAND...
  local t=$1; shift
  local state venv
  if [ "$t" = neutron ]; then state=${NEUTRON_STATE_DIR:-$HERE/neutron/state}; venv=${NEUTRON_VENV:-$HERE/neutron/.venv-$RELEASE}
  else state=${NOVA_STATE_DIR:-$HERE/nova/state}; venv=${NOVA_VENV:-$HERE/nova/.venv-$RELEASE}; fi
  STATE_DIR=$state TARGET_VENV=$venv "$@"
}

is_running() {  # is_running TARGET: the state dir's pid file names its live serve.py
  run_in "$1" bash -c '
    [ -d "$STATE_DIR" ] || exit 1
    S=$(cd "$STATE_DIR" && pwd); P=$S/server.pid
    [ -f "$P" ] && [ -r "/proc/$(cat "$P")/cmdline" ] &&
      tr "\0" " " <"/proc/$(cat "$P")/cmdline" | grep -qF "serve.py $S " &&
      [ -s "$S/target.json" ]'
}

print_ready() {  # print_ready TARGET: READY lines of a running target from target.json
  run_in "$1" bash -c '"$TARGET_VENV/bin/python" - "$STATE_DIR/target.json" <<"EOF"
import json, sys
d = json.load(open(sys.argv[1]))
extra = " network_url=%s" % d["network_url"] if "network_url" in d else ""
print("READY %s url=%s%s pid=%s (already running)" % (d["name"], d["url"], extra, d["pid"]))
print("READY clouds=%s target=%s log=%s" % (d["clouds_yaml"], d["state_dir"] + "/target.json", d["log_file"]))
EOF'
}

for t in neutron nova; do
  run_in "$t" "$HERE/$t/setup.sh" || { echo "up: $t setup FAILED" >&2; exit 1; }
done

for t in neutron nova; do
  if is_running "$t"; then
    print_ready "$t"
  else
    if [ "$t" = neutron ]; then args=("${NEUTRON_PORT:-0}")
    else args=("${NOVA_PORT:-0}" "${NOVA_NETWORK_PORT:-0}"); fi
    run_in "$t" "$HERE/$t/start.sh" "${args[@]}" || { echo "up: $t start FAILED" >&2; exit 1; }
  fi
done

if [ "$CHECK" = 1 ]; then
  for t in neutron nova; do
    run_in "$t" "$HERE/$t/check.sh" || { echo "up: $t check FAILED" >&2; exit 1; }
  done
fi
echo "UP real-neutron and real-nova (stop with $HERE/down.sh)"
