#!/usr/bin/env bash
# Shared by neutron/start.sh and nova/start.sh: start TARGET_DIR/serve.py in the
# background on 127.0.0.1 and wait (up to 120 s) until every URL in its
# target.json answers HTTP. Writes into the state dir ($STATE_DIR, default
# TARGET_DIR/state): server.pid, server.log, clouds.yaml, target.json.
# RELEASE picks the OpenStack release whose venv runs it (lib/release.sh).
#   usage: lib/start.sh TARGET_DIR PORT...   (0: a free port is picked)
# Prints "READY ..." lines on success; exits non-zero (log tail shown) on failure.
set -euo pipefail
HERE=$1; shift   # the target folder; the rest are serve.py's ports
. "$(dirname "$0")/release.sh"
VENV=${TARGET_VENV:-$HERE/.venv-$RELEASE}
mkdir -p "${STATE_DIR:-$HERE/state}"
STATE=$(cd "${STATE_DIR:-$HERE/state}" && pwd)
PIDFILE=$STATE/server.pid LOG=$STATE/server.log
running() { [ -r "/proc/$1/cmdline" ] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -qF "serve.py $STATE "; }

if [ -f "$PIDFILE" ] && running "$(cat "$PIDFILE")"; then
  echo "start: already running (pid $(cat "$PIDFILE")); run ./stop.sh first" >&2; exit 1
fi
[ -x "$VENV/bin/python" ] || { echo "start: no venv at $VENV; run RELEASE=$RELEASE ./setup.sh" >&2; exit 1; }
rm -f "$PIDFILE" "$STATE/target.json" "$STATE/clouds.yaml"
T0=$(date +%s%3N)
nohup "$VENV/bin/python" "$HERE/serve.py" "$STATE" "$@" >"$LOG" 2>&1 </dev/null &
PID=$!
echo "$PID" >"$PIDFILE"

# Ready = target.json written and every URL in it answers HTTP (any status).
answers() {
  [ -s "$STATE/target.json" ] && "$VENV/bin/python" - "$STATE/target.json" 2>/dev/null <<'EOF'
import json, sys, urllib.error, urllib.request
d = json.load(open(sys.argv[1]))
for url in filter(None, (d['url'], d.get('network_url'))):
    try:
        urllib.request.urlopen(url, timeout=2)
    except urllib.error.HTTPError:
        pass
EOF
}
until answers; do
  if ! kill -0 "$PID" 2>/dev/null || [ $(( $(date +%s%3N) - T0 )) -gt 120000 ]; then
    echo "start: FAILED (server exited or not ready after 120 s); last log lines:" >&2
    tail -n 40 "$LOG" >&2
    kill "$PID" 2>/dev/null || true
    rm -f "$PIDFILE"; exit 1
  fi
  sleep 0.3
done
MS=$(( $(date +%s%3N) - T0 ))
"$VENV/bin/python" - "$STATE/target.json" "$MS" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
extra = ' network_url=%s' % d['network_url'] if 'network_url' in d else ''
print('READY %s url=%s%s pid=%s startup=%.1fs'
      % (d['name'], d['url'], extra, d['pid'], int(sys.argv[2]) / 1000))
print('READY clouds=%s target=%s log=%s'
      % (d['clouds_yaml'], d['state_dir'] + '/target.json', d['log_file']))
EOF
