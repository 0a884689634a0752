#!/usr/bin/env bash
# Stop both real targets started by up.sh (or by their own start.sh).
# Works from any directory; uses only each state dir's pid file (see stop.sh).
# Stopping a target that is not running is not an error.
#   usage: targets/down.sh       (NEUTRON_STATE_DIR / NOVA_STATE_DIR as for up.sh)
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
unset TARGET_VENV
RC=0
STATE_DIR=${NEUTRON_STATE_DIR:-$HERE/neutron/state} "$HERE/neutron/stop.sh" || RC=1
STATE_DIR=${NOVA_STATE_DIR:-$HERE/nova/state} "$HERE/nova/stop.sh" || RC=1
exit $RC
