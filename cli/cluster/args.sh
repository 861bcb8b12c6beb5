# args.sh: command-line arguments and where the programs are
# (a part of minidfs-cluster, joined in the order of CLUSTER_PARTS in
# Makefile.am.)

# ---- arguments ---------------------------------------------------------------

# Sets OPTVAL from "--opt=value" or "--opt value"; returns how many words
# were used.  Called as: take_value "$@"; shift $?
OPTVAL=
take_value() {
	case $1 in
	--*=*)
		OPTVAL=${1#*=}
		return 1
		;;
	esac
	[ $# -ge 2 ] || usage_error "$1 needs a value"
	OPTVAL=$2
	return 2
}

# is_ipv4 ADDR: a dotted-quad IPv4 address, every part 0-255.
is_ipv4() {
	local IFS=. p n=0
	case $1 in '' | *[!0-9.]* | .* | *. | *..*) return 1 ;; esac
	for p in $1; do
		[ "${#p}" -le 3 ] && [ "$p" -le 255 ] || return 1
		n=$((n + 1))
	done
	[ "$n" = 4 ]
}

# check_count NAME VALUE MIN MAX: a decimal integer within bounds.
check_count() {
	case $2 in
	'' | *[!0-9]* | 0?*)
		usage_error "$1: '$2' is not a number"
		;;
	esac
	[ "${#2}" -le 4 ] && [ "$2" -ge "$3" ] && [ "$2" -le "$4" ] ||
	    usage_error "$1: $2 is out of range ($3-$4)"
}

# abs_path OPTION PATH: prints PATH made absolute (not resolved).  Paths go
# into YAML strings and -o option lists, so a few characters are refused.
abs_path() {
	case $2 in
	'')
		usage_error "$1: empty path"
		;;
	*[,\"\\]* | *$'\n'*)
		usage_error "$1: '$2' contains one of , \" \\ or a newline"
		;;
	/*)
		printf '%s' "$2"
		;;
	*)
		printf '%s/%s' "$(pwd)" "$2"
		;;
	esac
}

# ---- where the programs are ---------------------------------------------------

# The build-tree copy (cli/minidfs-cluster beside config.status) runs the
# programs of its build tree; the installed copy those of its install
# directories.  MINIDFS_BIN_DIR (flat or a build tree) and per-program
# variables override both.
find_programs() {
	local self top
	self=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
	top=
	if [ -n "${MINIDFS_BIN_DIR:-}" ]; then
		top=$MINIDFS_BIN_DIR
	elif [ -f "$self/../config.status" ]; then
		top=$(cd "$self/.." && pwd)
	fi
	if [ -n "$top" ]; then
		DATASERVER=$(pick "$top" server/data minidfs-dataserver)
		METASERVER=$(pick "$top" server/meta minidfs-metaserver)
		MOUNTER=$(pick "$top" fuse minidfs)
	else
		DATASERVER=$INST_SBINDIR/minidfs-dataserver
		METASERVER=$INST_SBINDIR/minidfs-metaserver
		MOUNTER=$INST_BINDIR/minidfs
	fi
	DATASERVER=${MINIDFS_DATASERVER:-$DATASERVER}
	METASERVER=${MINIDFS_METASERVER:-$METASERVER}
	MOUNTER=${MINIDFS_MOUNT:-$MOUNTER}
	ETCD=${ETCD_BIN:-}
	if [ -z "$ETCD" ]; then
		if [ -x "$CONF_ETCD" ]; then
			ETCD=$CONF_ETCD
		else
			ETCD=$(command -v etcd || echo /usr/bin/etcd)
		fi
	fi
}

# pick TOP SUBDIR NAME: TOP/NAME if it exists (a flat directory), else the
# build tree's TOP/SUBDIR/NAME.
pick() {
	if [ -x "$1/$3" ]; then
		printf '%s' "$1/$3"
	else
		printf '%s' "$1/$2/$3"
	fi
}

need_program() {
	[ -x "$2" ] || die "$1 not found at $2 (build it with make, install" \
	    "it, or set $3)"
}

need_tools() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 ||
		    die "$t is needed but not installed (apt-get install" \
		    "$(tool_package "$t"))"
	done
}

tool_package() {
	case $1 in
	fusermount3) echo fuse3 ;;
	setsid | flock | findmnt | mountpoint) echo util-linux ;;
	*) echo "$1" ;;
	esac
}

