# Sourced by the target scripts: which OpenStack release to set up or start.
# RELEASE names a folder of targets/releases/ (default: the newest one); each
# holds SERVICE.in (top-level requirements), SERVICE.lock (exact versions, from
# targets/lock.sh) and SERVICE.deviations.yaml (that release's known deviations).
# Sets RELEASE, RELEASE_DIR and SUPPORTED_RELEASES.
TARGETS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SUPPORTED_RELEASES=$(ls "$TARGETS_DIR/releases" | sort -V | tr '\n' ' ')
RELEASE=${RELEASE:-$(ls "$TARGETS_DIR/releases" | sort -V | tail -n 1)}
RELEASE_DIR=$TARGETS_DIR/releases/$RELEASE
if [ -z "$RELEASE" ] || [ ! -d "$RELEASE_DIR" ]; then
  echo "unknown OpenStack release '$RELEASE' (RELEASE); supported: $SUPPORTED_RELEASES" >&2
  exit 2
fi
# The upstream version pinned for SERVICE in this release: release_version neutron
release_version() { sed -n "s/^$1==//p" "$RELEASE_DIR/$1.in"; }
