#!/usr/bin/env bash
# Checks that the real `openstack` CLI (python-openstackclient, pinned in
# requirements.txt) works against `stackconform serve`: networks, subnets,
# ports, routers and their interfaces, images, a server created by image, flavor and
# network names and deleted, and reader policy.
# Works from any directory; exits non-zero on the first failure.
#   usage: targets/osc/check.sh
#   env:   STACKCONFORM_BIN (default target/release/stackconform),
#          OSC_VENV (default targets/osc/.venv), PYTHON (default python3)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE/../.."   # project root, so a relative STACKCONFORM_BIN resolves there
BIN=${STACKCONFORM_BIN:-target/release/stackconform}
VENV=${OSC_VENV:-$HERE/.venv}
trap 'echo "FAIL (line $LINENO): $BASH_COMMAND" >&2' ERR

# The venv is (re)installed when missing or when requirements.txt changed.
if ! cmp -s "$HERE/requirements.txt" "$VENV/requirements.installed" 2>/dev/null; then
  "${PYTHON:-python3}" -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r "$HERE/requirements.txt"
  cp "$HERE/requirements.txt" "$VENV/requirements.installed"
fi

# Port 0: the kernel picks a free port, and serve prints the one it got.
TMP=$(mktemp -d)
"$BIN" serve --listen 127.0.0.1:0 --clouds-yaml "$TMP/clouds.yaml" >"$TMP/serve.log" 2>&1 &
SERVER=$!
cleanup() { kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT
for _ in $(seq 100); do   # up to 10 s
  grep -q '^READY clouds.yaml' "$TMP/serve.log" && break
  kill -0 "$SERVER" 2>/dev/null || { echo "serve exited early:" >&2; cat "$TMP/serve.log" >&2; exit 1; }
  sleep 0.1
done
grep -q '^READY clouds.yaml' "$TMP/serve.log" || { echo "serve not ready after 10 s" >&2; cat "$TMP/serve.log" >&2; exit 1; }

# Only the written clouds.yaml may configure the client.
unset $(compgen -e | grep '^OS_') || true
export OS_CLIENT_CONFIG_FILE=$TMP/clouds.yaml
osc() { "$VENV/bin/openstack" --os-cloud reference "$@"; }
PASSED=0
ok() { PASSED=$((PASSED + 1)); echo "ok $PASSED - $*"; }
has() { grep -qxF -- "$2" <<<"$1" || { echo "FAIL: '$2' not in output of: $3" >&2; exit 1; }; }
lacks() { ! grep -qF -- "$2" <<<"$1" || { echo "FAIL: '$2' still in output of: $3" >&2; exit 1; }; }

[ -n "$(osc token issue -f value -c id)" ]; ok "token issue"
NET=stackconform-osc-net
osc network create "$NET" >/dev/null
has "$(osc network list -f value -c Name)" "$NET" "network list"; ok "network create + list"
SUBNET=$(osc subnet create --network "$NET" --subnet-range 10.9.0.0/24 stackconform-osc-subnet -f value -c id)
has "$(osc subnet show "$SUBNET" -f value -c cidr)" 10.9.0.0/24 "subnet show"; ok "subnet create"
PORT=$(osc port create --network "$NET" stackconform-osc-port -f value -c id)
has "$(osc port list -f value -c ID)" "$PORT" "port list"; ok "port create + list"
ROUTER=$(osc router create stackconform-osc-router -f value -c id)
ifaces() { osc router show "$ROUTER" -f value -c interfaces_info; }

osc router add subnet "$ROUTER" "$SUBNET"
IFACES=$(ifaces)   # a Python repr: [{'port_id': ..., 'ip_address': ..., 'subnet_id': ...}]
grep -qF "'subnet_id': '$SUBNET'" <<<"$IFACES"
grep -qF "'ip_address': '10.9.0.1'" <<<"$IFACES"; ok "router add subnet (interface on the gateway 10.9.0.1)"
osc router remove subnet "$ROUTER" "$SUBNET"
[ "$(ifaces)" = "[]" ]; ok "router remove subnet leaves no interface"

osc router add port "$ROUTER" "$PORT"
grep -qF "'port_id': '$PORT'" <<<"$(ifaces)"; ok "router add port"
osc router remove port "$ROUTER" "$PORT"
[ "$(ifaces)" = "[]" ]
# Neutron deletes a port that is removed from a router by port.
lacks "$(osc port list -f value -c ID)" "$PORT" "port list"; ok "router remove port (port deleted)"

PORT2=$(osc port create --network "$NET" stackconform-osc-port2 -f value -c id)
osc port delete "$PORT2"
lacks "$(osc port list -f value -c ID)" "$PORT2" "port list"; ok "port delete"

has "$(osc flavor list -f value -c Name)" m1.tiny "flavor list"; ok "flavor list"
osc server list -f value >/dev/null; ok "server list"
IMAGE=cirros-0.6.3-x86_64-disk
has "$(osc image list -f value -c Name)" "$IMAGE" "image list"
[ "$(osc image show "$IMAGE" -f value -c status)" = active ]; ok "image list + show (Glance v2)"
# The CLI resolves the image by name through Glance, the flavor through Nova and the
# network through Neutron; --wait polls the server until it is ACTIVE.
SERVER_ID=$(osc server create --image "$IMAGE" --flavor m1.tiny --network "$NET" --wait \
  stackconform-osc-server -f value -c id)
[ "$(osc server show "$SERVER_ID" -f value -c status)" = ACTIVE ]
# A Python repr: {'stackconform-osc-net': ['10.9.0.x']}
grep -qF "'$NET': ['10.9.0." <<<"$(osc server show "$SERVER_ID" -f value -c addresses)"
ok "server create --image --flavor --network --wait (ACTIVE, address on $NET)"
osc server delete --wait "$SERVER_ID"
lacks "$(osc server list -f value -c ID)" "$SERVER_ID" "server list"; ok "server delete --wait"

# The reader sees the owner's network but may not create one (403).
has "$("$VENV/bin/openstack" --os-cloud reference-reader network list -f value -c Name)" "$NET" "reader network list"
if "$VENV/bin/openstack" --os-cloud reference-reader network create reader-net >/dev/null 2>&1; then
  echo "FAIL: reader could create a network" >&2; exit 1
fi
ok "reader network list, create refused"

osc router delete "$ROUTER"
osc network delete "$NET"
lacks "$(osc network list -f value -c Name)" "$NET" "network list"; ok "router delete, network delete"
echo "osc: $PASSED passed, 0 failed"
