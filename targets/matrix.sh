#!/usr/bin/env bash
# The release matrix: for each RELEASE, set up (once), start, run the whole catalogue
# against, and stop real Neutron and then real Nova of that release, at the default
# concurrency, in strict schema mode, with that release's deviations file. Prints one libtest summary line per
# release and service and exits non-zero when any case fails (a deviation the release
# records is not a failure; a recorded deviation that passes is).
#
# It then records each run (releases/RELEASE/SERVICE.results.json, via
# compatibility.py) and writes docs/compatibility.md from every recorded release.
# With --check it writes nothing: it fails when a run's results differ from the
# recorded ones, or docs/compatibility.md from what they give (CI runs this).
#
#   usage: targets/matrix.sh [--check] RELEASE...     (--all: every folder of releases/)
# Environment:
#   STACKCONFORM_BIN   the binary (default target/release/stackconform, built when missing)
#   MATRIX_OUT         where logs, reports and state dirs go (default target/matrix)
#   MATRIX_SERVICES    default "neutron nova"
#   PYTHON             interpreter for the venvs (see setup.sh)
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
unset STATE_DIR TARGET_VENV   # each release and service gets its own, below
CHECK=0 RELEASES=()
for arg in "$@"; do
  case "$arg" in
    --check) CHECK=1 ;;
    --all) mapfile -t RELEASES < <(ls "$HERE/releases" | sort -V) ;;
    -*) echo "usage: $0 [--check] RELEASE... | --all" >&2; exit 2 ;;
    *) RELEASES+=("$arg") ;;
  esac
done
[ ${#RELEASES[@]} -gt 0 ] || { echo "usage: $0 [--check] RELEASE... | --all  (releases: $(ls "$HERE/releases" | sort -V | tr '\n' ' '))" >&2; exit 2; }
for r in "${RELEASES[@]}"; do
  [ -d "$HERE/releases/$r" ] || { echo "matrix: unknown release '$r'; supported: $(ls "$HERE/releases" | sort -V | tr '\n' ' ')" >&2; exit 2; }
done
BIN=${STACKCONFORM_BIN:-$ROOT/target/release/stackconform}
if [ ! -x "$BIN" ]; then
  (cd "$ROOT" && cargo build --locked --release -q) || { echo "matrix: building stackconform failed" >&2; exit 1; }
fi
OUT=${MATRIX_OUT:-$ROOT/target/matrix}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
SERVICES=${MATRIX_SERVICES:-neutron nova}

RUNNING=""   # the state dir of the target now running, stopped on any exit
stop_running() { [ -z "$RUNNING" ] || STATE_DIR=$RUNNING "$HERE/$SERVICE/stop.sh" >/dev/null || true; RUNNING=""; }
trap stop_running EXIT
trap 'exit 130' INT TERM

RC=0
SUMMARY=()
for r in "${RELEASES[@]}"; do
  for SERVICE in $SERVICES; do
    label="$r $SERVICE"
    log=$OUT/$r-$SERVICE.log report=$OUT/$r-$SERVICE.json state=$OUT/$r-$SERVICE.state
    rm -f "$report"
    if ! RELEASE=$r "$HERE/$SERVICE/setup.sh" >"$OUT/$r-$SERVICE.setup.log" 2>&1; then
      SUMMARY+=("$label: setup FAILED (see $OUT/$r-$SERVICE.setup.log)"); RC=1; continue
    fi
    echo "matrix: $label: $(tail -n 1 "$OUT/$r-$SERVICE.setup.log")"
    if ! RELEASE=$r STATE_DIR=$state "$HERE/$SERVICE/start.sh" >"$OUT/$r-$SERVICE.start.log" 2>&1; then
      cat "$OUT/$r-$SERVICE.start.log" >&2
      SUMMARY+=("$label: start FAILED (see $OUT/$r-$SERVICE.start.log)"); RC=1; continue
    fi
    RUNNING=$state
    version=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['${SERVICE}_version'])" \
      "$state/target.json")
    echo "matrix: $label: real ${SERVICE} $version started; running the catalogue"
    # Strict schema mode: each release's exact shape must be in the catalogue (an
    # alternative in a snapshot), not merely let through as a note.
    OS_CLIENT_CONFIG_FILE=$state/clouds.yaml "$BIN" --schema-mode strict \
      --cloud "real-$SERVICE" --alt-cloud "real-$SERVICE-alt" \
      --reader-cloud "real-$SERVICE-reader" --admin-cloud "real-$SERVICE-admin" \
      --deviations "$HERE/releases/$r/$SERVICE.deviations.yaml" --request-timeout 120s \
      --report "$report" >"$log" 2>&1
    status=$?
    stop_running
    line=$(grep -E '^test result:' "$log" | tail -n 1)
    SUMMARY+=("$label ($SERVICE $version): ${line:-no summary line, exit $status (see $log)}")
    if [ "$status" != 0 ]; then
      RC=1
      grep -E -A12 '^failures:$' "$log" | head -n 60 >&2
    fi
    [ -s "$report" ] || { RC=1; continue; }
    recorded=$HERE/releases/$r/$SERVICE.results.json
    if [ "$CHECK" = 1 ]; then
      python3 "$HERE/compatibility.py" results "$report" "$SERVICE" "$r" "$version" "$OUT/$r-$SERVICE.results.json" || RC=1
      if ! diff -u "$recorded" "$OUT/$r-$SERVICE.results.json" >"$OUT/$r-$SERVICE.results.diff"; then
        SUMMARY+=("$label: the results differ from $recorded (see $OUT/$r-$SERVICE.results.diff; run targets/matrix.sh $r and commit)")
        head -n 40 "$OUT/$r-$SERVICE.results.diff" >&2
        RC=1
      fi
    elif [ "$status" = 0 ]; then
      python3 "$HERE/compatibility.py" results "$report" "$SERVICE" "$r" "$version" "$recorded" || RC=1
    fi
  done
done

DOC=$ROOT/docs/compatibility.md
python3 "$HERE/compatibility.py" page "$HERE/releases" >"$OUT/compatibility.md" || RC=1
if [ "$CHECK" = 1 ]; then
  if ! diff -u "$DOC" "$OUT/compatibility.md" >"$OUT/compatibility.diff"; then
    SUMMARY+=("docs/compatibility.md is not current (see $OUT/compatibility.diff; run targets/matrix.sh --all and commit)")
    RC=1
  fi
else
  cp "$OUT/compatibility.md" "$DOC"
fi

echo
echo "release matrix:"
printf '  %s\n' "${SUMMARY[@]}"
[ "$RC" = 0 ] && echo "matrix: ok" || echo "matrix: FAILED"
exit $RC
