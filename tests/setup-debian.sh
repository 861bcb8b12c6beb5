#!/bin/sh
# setup-debian.sh: installs every Debian 12 package minidfs needs to build,
# run and be tested.  Run as root.  Safe to run again.
set -eu

PACKAGES="
build-essential autoconf automake libtool pkg-config
libfuse3-dev fuse3
libcurl4-openssl-dev libmicrohttpd-dev libcjson-dev libssl-dev libyaml-dev libxxhash-dev
check
etcd-server
curl jq openssl ca-certificates
attr sqlite3 rsync git tar xz-utils procps psmisc iproute2 util-linux python3
clang libclang-rt-14-dev
"

missing=
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
	    missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "setup-debian: installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
# Debian's etcd-server package starts a system etcd where it can; minidfs
# starts its own private ones and never needs that one.
echo "setup-debian: all packages present"
