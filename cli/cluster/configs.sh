# configs.sh: the configuration files, the secret, and up --set
# (a part of minidfs-cluster, joined in the order of CLUSTER_PARTS in
# Makefile.am.)

# ---- configs -------------------------------------------------------------------

write_secret() {
	[ -s "$SECRET" ] && return 0
	(umask 077 && openssl rand -hex 32 >"$SECRET.tmp") &&
	    mv -f "$SECRET.tmp" "$SECRET" || die "cannot write $SECRET"
}

# Each file is written once; a restart keeps whatever was edited in it.
write_configs() {
	local i f
	f=$(node_conf etcd)
	[ -f "$f" ] || cat >"$f" <<-EOF || die "cannot write $f"
	# etcd of the minidfs cluster in $DIR (etcd --config-file)
	name: minidfs
	data-dir: "$DIR/etcd"
	listen-client-urls: "http://$(etcd_addr)"
	advertise-client-urls: "http://$(etcd_addr)"
	listen-peer-urls: "http://$S_HOST:$S_PEER_PORT"
	initial-advertise-peer-urls: "http://$S_HOST:$S_PEER_PORT"
	initial-cluster: "minidfs=http://$S_HOST:$S_PEER_PORT"
	initial-cluster-token: minidfs-cluster
	initial-cluster-state: new
	auto-compaction-mode: periodic
	auto-compaction-retention: "1"
	enable-grpc-gateway: true
	logger: zap
	log-outputs: [stderr]
	EOF
	for i in $(seq 1 "$S_METAS"); do
		f=$(node_conf "meta$i")
		[ -f "$f" ] || cat >"$f" <<-EOF || die "cannot write $f"
		# minidfs-metaserver meta$i (minidfs-metaserver -c $f)
		server:
		  listen_address: "$(meta_addr "$i")"
		  id: "meta$i"
		etcd:
		  endpoints: ["$(etcd_addr)"]
		  prefix: "$ETCD_PREFIX"
		election:
		  lease_ttl: 5
		security:
		  secret_file: "$SECRET"
		log:
		  level: info
		cluster:
		  replicas: $S_REPLICAS
		  heartbeat_timeout: 10
		EOF
	done
	for i in $(seq 1 "$S_DATAS"); do
		f=$(node_conf "data$i")
		[ -f "$f" ] || cat >"$f" <<-EOF || die "cannot write $f"
		# minidfs-dataserver data$i (minidfs-dataserver -c $f)
		server:
		  listen_address: "$(data_addr "$i")"
		  dataServer_id: "data$i"
		  log_level: info
		  shutdown_timeout: 10
		storage:
		  data_root_path: "$DIR/data/data$i"
		  max_storage_size: 0
		etcd:
		  endpoints: ["$(etcd_addr)"]
		  lease_ttl: 10
		  prefix: "$ETCD_PREFIX"
		metaServer:
		  address: "$(meta_addr 1)"
		  heartbeat_interval: 2
		security:
		  secret_file: "$SECRET"
		EOF
	done
	f=$(node_conf mount)
	[ -f "$f" ] || cat >"$f" <<-EOF || die "cannot write $f"
	# the mount daemon: minidfs $(meta_source) MNT -o conf=$f
	mount:
	  secret_file: "$SECRET"
	  log_level: info
	EOF
}

# check_set WHO.SECTION.KEY=VALUE: refuses what --set cannot write.
check_set() {
	local who sec key rest v
	case $1 in *=*) ;; *) usage_error "--set '$1': not WHO.SECTION.KEY=VALUE" ;;
	esac
	rest=${1%%=*}
	case $rest in *.*.*) ;; *)
		usage_error "--set '$1': not WHO.SECTION.KEY=VALUE" ;;
	esac
	who=${rest%%.*}
	rest=${rest#*.}
	sec=${rest%%.*}
	key=${rest#*.}
	case $who in
	meta | data | mount | meta[1-9] | data[1-9] | data[1-9][0-9]) ;;
	*) usage_error "--set '$1': WHO must be meta, data, mount, metaN or dataN" ;;
	esac
	for v in "$sec" "$key"; do
		case $v in
		'' | *[!A-Za-z0-9_]* | [0-9]*)
			usage_error "--set '$1': not WHO.SECTION.KEY=VALUE" ;;
		esac
	done
	case ${1#*=} in *$'\n'*) usage_error "--set: a value has no newline" ;;
	esac
}

# conf_set FILE SECTION KEY VALUE: KEY's line in SECTION replaced (or
# added at the section's end, or a new section at the file's end).
conf_set() {
	awk -v sec="$2" -v key="$3" -v val="$4" '
	function put() { print "  " key ": " val; done = 1 }
	/^[A-Za-z_][A-Za-z0-9_]*:/ {
		if (in_sec && !done) put()
		in_sec = ($0 ~ ("^" sec ":"))
		print
		next
	}
	in_sec && $0 ~ ("^  " key ":") { if (!done) put(); next }
	{ print }
	END {
		if (!done) {
			if (!in_sec) print sec ":"
			put()
		}
	}' "$1" >"$1.tmp" && mv -f "$1.tmp" "$1" || die "cannot write $1"
}

# Applies every --set to the configs of the processes it names.  Each
# file changed is kept as FILE.before-up until the start succeeded; a
# start that fails puts them back (sets_undo), so a key the server
# refuses does not stay behind.
apply_sets() {
	local a who rest n f
	for a in "${SETS[@]}"; do
		who=${a%%.*}
		case $who in
		meta[0-9]* | data[0-9]*)
			case " ${NAMES[*]} " in *" $who "*) ;; *)
				die "--set $a: the cluster in $DIR has no $who" ;;
			esac
			;;
		esac
	done
	for a in "${SETS[@]}"; do
		rest=${a%%=*}
		who=${rest%%.*}
		rest=${rest#*.}
		for n in "${NAMES[@]}" mount; do
			case $n in etcd) continue ;; esac
			[ "$n" = "$who" ] || [ "${n%%[0-9]*}" = "$who" ] || continue
			f=$(node_conf "$n")
			[ -f "$f.before-up" ] || cp -p "$f" "$f.before-up" ||
			    die "cannot copy $f"
			conf_set "$f" "${rest%%.*}" "${rest#*.}" "${a#*=}"
		done
	done
}

# sets_undo / sets_keep: the configs as they were before this up, or the
# changes kept.
sets_undo() {
	local b
	[ -n "${DIR:-}" ] || return 0
	for b in "$DIR"/conf/*.yaml.before-up; do
		[ -f "$b" ] && mv -f "$b" "${b%.before-up}"
	done
	return 0
}

sets_keep() {
	rm -f "$DIR"/conf/*.yaml.before-up
}

