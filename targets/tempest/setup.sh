#!/usr/bin/env bash
# Install Tempest: a Python venv ($TARGET_VENV, default .venv next to this script) with
# exactly requirements.lock (tempest 47.0.0), and sitecustomize.py in its site-packages so
# that Tempest can reach loopback only. Idempotent.
#   usage: targets/tempest/setup.sh            (PYTHON=/path/to/python3 picks the interpreter)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
"$HERE/../lib/setup.sh" "$HERE" tempest 'import tempest.cmd.main'
VENV=${TARGET_VENV:-$HERE/.venv}
SITE=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
cp "$HERE/sitecustomize.py" "$SITE/sitecustomize.py"
# The guard must be live in every Tempest process: a connection off loopback is refused.
"$VENV/bin/python" - <<'PY'
import socket
s = socket.socket()
try:
    s.connect(("192.0.2.1", 22))
except OSError as e:
    assert "stackconform-loopback-only" in str(e), e
else:
    raise SystemExit("sitecustomize did not refuse a connection to 192.0.2.1")
PY
echo "setup: Tempest may reach loopback only (sitecustomize.py in $SITE)"
