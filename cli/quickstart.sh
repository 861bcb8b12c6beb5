#!/bin/sh
# quickstart.sh: from a fresh Debian 12 checkout to a mounted minidfs, as
# root: installs the packages (tests/setup-debian.sh), builds out of tree in
# build/, and runs `minidfs-cluster up` from the build tree: etcd, two
# metaservers and three dataservers on 127.0.0.1, mounted at MOUNTPOINT
# (default /mnt/minidfs), state under /var/lib/minidfs-cluster.
# Stop it with: build/cli/minidfs-cluster down
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
mnt=${1:-/mnt/minidfs}
build=${MINIDFS_BUILD_DIR:-$top/build}

"$top/tests/setup-debian.sh"
cd "$top"
autoreconf -fi >/dev/null 2>&1 || autoreconf -fi
mkdir -p "$build" "$mnt"
cd "$build"
[ -f config.status ] || "$top/configure" -q
make -j"$(nproc)" >/dev/null
exec "$build/cli/minidfs-cluster" up --mount "$mnt"
