#!/usr/bin/env bash
# Shared by neutron/, nova/ and tempest/setup.sh: a Python venv with exactly one lock
# file, then an import check. A service of one OpenStack release (neutron, nova) gets
# releases/RELEASE/SERVICE.lock in TARGET_DIR/.venv-RELEASE (RELEASE: lib/release.sh,
# default the newest); a client the same for every release (tempest) has
# TARGET_DIR/requirements.lock and TARGET_DIR/.venv. $TARGET_VENV overrides the venv.
# Idempotent: a venv built from the same lock file is left alone.
# Needs Python 3.11+ with venv (Debian: apt-get install python3-venv) and PyPI.
#   usage: lib/setup.sh TARGET_DIR SERVICE IMPORT_CHECK   (PYTHON=... picks the interpreter)
set -euo pipefail
HERE=$1 SERVICE=$2 CHECK=$3   # target folder, its package name, Python import check
if [ -f "$HERE/requirements.lock" ]; then
  VENV=${TARGET_VENV:-$HERE/.venv}
  LOCK=$HERE/requirements.lock
  LABEL="$SERVICE $(sed -n "s/^$SERVICE==//p" "$LOCK")"
else
  . "$(dirname "$0")/release.sh"
  VENV=${TARGET_VENV:-$HERE/.venv-$RELEASE}
  LOCK=$RELEASE_DIR/$SERVICE.lock
  LABEL="$SERVICE $(release_version "$SERVICE") (OpenStack $RELEASE)"
fi
T0=$SECONDS

want=$(sha256sum "$LOCK" | cut -d' ' -f1)
if [ "$(cat "$VENV/.lock-sha256" 2>/dev/null)" = "$want" ]; then
  echo "setup: $VENV already matches $LOCK, $LABEL (0 s)"; exit 0
fi
[ -x "$VENV/bin/pip" ] || "${PYTHON:-python3}" -m venv "$VENV" ||
  { echo "setup: creating the venv failed (Debian: apt-get install python3-venv)" >&2; exit 1; }
pip_install() { "$VENV/bin/pip" install --disable-pip-version-check -q --use-pep517 -r "$LOCK"; }
pip_install || { echo "setup: pip install failed, retrying once" >&2; sleep 5; pip_install; }
OS_NOVA_DISABLE_EVENTLET_PATCHING=1 PYTHONWARNINGS=ignore "$VENV/bin/python" -c "$CHECK"
echo "$want" >"$VENV/.lock-sha256"
echo "setup: $LABEL installed in $VENV in $((SECONDS - T0)) s"
