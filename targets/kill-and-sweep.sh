#!/usr/bin/env bash
# A run killed with SIGKILL tears nothing down; `sweep --prefix` must then find and
# remove everything it left on the target, and a second sweep must find nothing.
#   usage: targets/kill-and-sweep.sh BIN CLOUD FILTER [AFTER]
#     BIN     the stackconform binary
#     CLOUD   the clouds.yaml name of the owner; CLOUD-alt, CLOUD-reader and CLOUD-admin
#             are the other identities (as targets/*/start.sh write them)
#     FILTER  the cases to start (they must create something within 120 s)
#     AFTER   how many creations to wait for before the kill (default 12)
# THREADS (environment) is the run's --test-threads (default 4).
# OS_CLIENT_CONFIG_FILE must name the target's clouds.yaml.
set -euo pipefail
BIN=$1 CLOUD=$2 FILTER=$3 AFTER=${4:-12}
IDS=(--cloud "$CLOUD" --alt-cloud "$CLOUD-alt" --reader-cloud "$CLOUD-reader" --admin-cloud "$CLOUD-admin")
LEDGERS=$(mktemp -d)
OUT=$(mktemp)
trap 'rm -rf "$LEDGERS" "$OUT"' EXIT

STACKCONFORM_LEDGER_DIR=$LEDGERS "$BIN" "${IDS[@]}" --test-threads "${THREADS:-4}" --request-timeout 120s \
  "$FILTER" >"$OUT" 2>&1 &
RUN=$!
# Wait until the run has written down a few creations, then kill it mid-flight.
deadline=$((SECONDS + 120))
until [ "$(cat "$LEDGERS"/*.jsonl 2>/dev/null | grep -c '"created"' || true)" -ge "$AFTER" ]; do
  if ! kill -0 "$RUN" 2>/dev/null; then
    echo "kill-and-sweep: the run ended before it created $AFTER resources:" >&2
    cat "$OUT" >&2
    exit 1
  fi
  if [ "$SECONDS" -ge "$deadline" ]; then
    kill -9 "$RUN" 2>/dev/null || true
    echo "kill-and-sweep: nothing written down within 120 s" >&2
    exit 1
  fi
  sleep 0.2
done
disown "$RUN"   # no "Killed" line from the shell
kill -9 "$RUN"
while kill -0 "$RUN" 2>/dev/null; do sleep 0.1; done
run_id=$(basename "$(ls "$LEDGERS"/*.jsonl | head -1)" .jsonl)
echo "killed run $run_id after $(grep -c '"created"' "$LEDGERS/$run_id.jsonl") creations"

start=$SECONDS
"$BIN" sweep "${IDS[@]}" --prefix "stackconform-$run_id-"
echo "swept in $((SECONDS - start)) s"
left=$("$BIN" sweep "${IDS[@]}" --prefix "stackconform-$run_id-" --dry-run)
echo "$left"
if ! grep -q '^sweep: 0 removed, 0 to remove' <<<"$left"; then
  echo "kill-and-sweep: the killed run left something behind" >&2
  exit 1
fi
