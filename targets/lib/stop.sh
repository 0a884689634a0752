#!/usr/bin/env bash
# Shared by neutron/stop.sh and nova/stop.sh: stop the target started by start.sh.
# Uses only the pid file in the state dir ($STATE_DIR, default TARGET_DIR/state):
# SIGTERM, then SIGKILL after 15 s. The log, clouds.yaml and target.json stay.
#   usage: lib/stop.sh TARGET_DIR
set -euo pipefail
HERE=$1   # the target folder
STATE=$(cd "${STATE_DIR:-$HERE/state}" 2>/dev/null && pwd) || { echo "stop: not running (no state dir)"; exit 0; }
PIDFILE=$STATE/server.pid
running() { [ -r "/proc/$1/cmdline" ] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -qF "serve.py $STATE "; }

[ -f "$PIDFILE" ] || { echo "stop: not running (no $PIDFILE)"; exit 0; }
PID=$(cat "$PIDFILE")
if running "$PID"; then
  kill -TERM "$PID"
  for _ in $(seq 150); do running "$PID" || break; sleep 0.1; done
  running "$PID" && { echo "stop: pid $PID ignored SIGTERM, sending SIGKILL"; kill -KILL "$PID"; }
  echo "STOPPED pid $PID"
else
  echo "stop: pid $PID from $PIDFILE is not running (stale pid file removed)"
fi
rm -f "$PIDFILE"
