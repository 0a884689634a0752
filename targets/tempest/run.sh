#!/usr/bin/env bash
# Runs upstream Tempest, unmodified, against `stackconform serve`:
#   tempest.api.network.test_routers, tempest.api.network.test_routers_negative: no failure;
#   tempest.api.compute.servers.test_attach_interfaces with [validation] run_validation:
#     every failure must be a refused guest access (sitecustomize.py), never an API step.
# Prints one line per module: passed, skipped, failed (and which failures were expected).
#   usage: targets/tempest/run.sh [MODULE...]     (default: the three above)
#   env:   STACKCONFORM_BIN (default target/release/stackconform), TARGET_VENV,
#          SERVE_ARGS (extra `serve` flags, e.g. "--reference-profile realistic"),
#          TEMPEST_KEEP=1 keeps the workspace (logs) and prints where it is
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE/../.."
BIN=${STACKCONFORM_BIN:-target/release/stackconform}
VENV=${TARGET_VENV:-$HERE/.venv}
MODULES=("$@")
[ ${#MODULES[@]} -gt 0 ] || MODULES=(tempest.api.network.test_routers
  tempest.api.network.test_routers_negative
  tempest.api.compute.servers.test_attach_interfaces)
"$HERE/setup.sh" >/dev/null

TMP=$(mktemp -d)
# shellcheck disable=SC2086
"$BIN" serve --listen 127.0.0.1:0 --clouds-yaml "$TMP/clouds.yaml" ${SERVE_ARGS:-} >"$TMP/serve.log" 2>&1 &
SERVER=$!
cleanup() {
  kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true
  if [ -n "${TEMPEST_KEEP:-}" ]; then echo "tempest: workspace kept in $TMP" >&2; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
for _ in $(seq 100); do
  grep -q '^READY clouds.yaml' "$TMP/serve.log" && break
  kill -0 "$SERVER" 2>/dev/null || { cat "$TMP/serve.log" >&2; exit 1; }
  sleep 0.1
done
grep -q '^READY clouds.yaml' "$TMP/serve.log" || { echo "serve not ready" >&2; exit 1; }

unset $(compgen -e | grep '^OS_') || true
status=0
for module in "${MODULES[@]}"; do
  WS=$TMP/${module//./-}
  mkdir -p "$WS/etc"
  validation=
  case $module in tempest.api.compute.*) validation=--validation ;; esac
  "$VENV/bin/python" "$HERE/conf.py" "$TMP/clouds.yaml" "$WS/etc" $validation
  (cd "$WS" && "$VENV/bin/stestr" init >/dev/null 2>&1 || true
   cd "$WS" && "$VENV/bin/tempest" run --config-file "$WS/etc/tempest.conf" \
     --regex "^${module//./\\.}\\." --concurrency 1 >"$WS/run.log" 2>&1) || true
  "$VENV/bin/python" "$HERE/verdict.py" "$module" "$WS" || status=1
done
exit $status
